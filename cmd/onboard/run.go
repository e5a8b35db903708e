package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/stores"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// runFlags are the run command's own flags.
type runFlags struct {
	in        inputFlags
	out       string
	failedOut string
	baseURL   string
	config    string
	simulate  bool
	stateFile string
	noState   bool
	quiet     bool
	insecure  bool          // --insecure-http: allow http:// to a host that is not loopback
	timeout   time.Duration // --timeout: the overall deadline of one vendor call
	noBOM     bool
	json      bool
	existing  string
	update    bool // --update: send changed people through the vendor's update call
	partial   bool // --partial: the file is not the whole roster (no missing people)
	notify    bool // run --notify: post the morning report to the webhook
	// night, when set (watch), defers the missing people to the end of
	// the night's drop: the file's run lists none.
	night     *night
	submit    submit.Options
	stateWait time.Duration
	// skipSame, when set, is asked before a run begins whether to skip it
	// (watch: the same file as the scope's last finished run).
	skipSame func(state.Ledger, *fileRun) (bool, error)
	// recordAs names the input in the Summary and history when it is read
	// from elsewhere (watch: the inbox name, not processing/).
	recordAs string
	// rateSet and burstSet: --rate and --burst were given, so a vendor
	// file's limits do not replace them.
	rateSet, burstSet bool
	// progress, when set, also sees the running counts (serve: the page's
	// live counts), on the reconciler's goroutine.
	progress func(*batch.Summary)
	// sims, when set (serve), is where a simulated run goes: one simulator
	// per vendor for the life of the process.
	sims  *liveSims
	queue bool // run --queue: enqueue a job for 'onboard worker' instead
	// observe, when set (worker), gives the submit observer for the run's
	// tenant (metrics).
	observe func(tenant string) submit.Observer
	// takeover, when set (worker), hears of people taken over from a
	// dead run on the PostgreSQL ledger (metrics).
	takeover func(state.Scope, int)
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run -p PROVIDER [-m map.yaml] -o results.xlsx|results.csv [flags] INPUT",
		Short: "Create every valid person at the vendor and write a results sheet",
		Long: `run validates every row, creates the valid people through the vendor's
create-user API with a rate-limited worker pool, and writes one results row per
roster row. Credentials come from the environment (ONBOARD_TOKEN and what the
vendor needs, see 'onboard providers PROVIDER') or a --config file, never from
a flag. --simulate runs against the vendor's built-in simulator instead.`,
		Example: `  onboard run -p smartapp --simulate -o results.xlsx samples/smartapp/roster.csv
  ONBOARD_TOKEN=... onboard run -p alphalearn -m map.yaml -o results.xlsx --rate 5 roster.xlsx`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if f.stateFile, err = stateSpec(f.stateFile, cmd.Flags().Changed("state"), f.config); err != nil {
				return fatal(err)
			}
			return runRoster(cmd, &f, args[0])
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "results sheet, .xlsx or .csv")
	fl.StringVar(&f.failedOut, "failed-out", "", "also write the rows that did not succeed, in the input's own columns and format, to fix and run again")
	fl.BoolVar(&f.json, "json", false, "print the run's outcome as one JSON line on stdout (the morning report)")
	fl.BoolVar(&f.notify, "notify", false, "post the morning report to the webhook in ONBOARD_NOTIFY_URL (environment or --config), as watch does")
	fl.BoolVar(&f.queue, "queue", false, "queue the run as a job for 'onboard worker' (any machine) instead of running it: needs --state postgres://… or "+stateEnv+"; -o and --failed-out name the job's files ('onboard jobs get')")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

// register adds the flags that run and watch share: how a roster is read,
// sent and recorded. A new run flag goes here, so that a watched inbox runs
// each file exactly as run would.
func (f *runFlags) register(cmd *cobra.Command) {
	f.in.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.baseURL, "base-url", "", "vendor host (default: the vendor's production host)")
	fl.StringVar(&f.config, "config", "", "credentials file of KEY=VALUE lines (the environment wins)")
	fl.BoolVar(&f.simulate, "simulate", false, "run against the vendor's simulator, started in-process on loopback (no credentials needed); with a state store it keeps its people beside the state file, so a re-run is day two")
	fl.StringVar(&f.stateFile, "state", defaultStateFile, "state store that makes re-runs create each person once: a file, or postgres://HOST/DB shared by many machines"+stateFlagHelp)
	fl.BoolVar(&f.noState, "no-state", false, "run without a state store (re-runs may create people twice)")
	fl.BoolVar(&f.noBOM, "no-bom", false, "write a CSV results file without the UTF-8 BOM that Excel needs (for tools that choke on it)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.Float64Var(&f.submit.Rate, "rate", 5, "create requests per second (0: unlimited)")
	fl.IntVar(&f.submit.Burst, "burst", 1, "requests allowed at once after an idle spell")
	fl.IntVar(&f.submit.Workers, "workers", 4, "requests in flight at once")
	fl.IntVar(&f.submit.Retries, "retries", 3, "retries of 429, 5xx and network errors, with backoff")
	fl.StringVar(&f.existing, "existing", "adopt", "a person the vendor already has: adopt (look up, record, status adopted), skip, or fail")
	fl.BoolVar(&f.update, "update", false, "send the changes of people already onboarded through the vendor's update call (status updated)")
	fl.BoolVar(&f.partial, "partial", false, "the file is some people, not the whole roster: list nobody as missing")
	fl.IntVar(&f.submit.Breaker, "breaker", submit.DefaultBreaker, "stop sending after this many rows in a row fail the same way, not about the row, or this many calls in a row get no answer (0: off)")
	fl.IntVar(&f.submit.MaxCreates, "max-creates", 0, "stop sending once this many people are created (0: no limit)")
	fl.IntVar(&f.submit.MaxFailures, "max-failures", 0, "stop sending once this many rows failed or ended unknown (0: no limit)")
	fl.DurationVar(&f.timeout, "timeout", providers.DefaultTimeout, "deadline of one vendor call: connect, send, answer")
	fl.BoolVar(&f.insecure, "insecure-http", false, "allow a plain http:// --base-url to a host that is not this machine (credentials travel unencrypted)")
}

func runRoster(cmd *cobra.Command, f *runFlags, path string) error {
	f.rateSet, f.burstSet = cmd.Flags().Changed("rate"), cmd.Flags().Changed("burst")
	if f.queue {
		return enqueueRoster(cmd, f, path)
	}
	// Flag values before anything is opened, written or started (watch
	// calls check once, before its first file).
	var hook string
	err := f.check()
	if err == nil && f.notify {
		if hook, err = notifyURL("", f.config); err == nil && hook == "" {
			err = fmt.Errorf("--notify: no webhook: set %s in the environment or the --config file", notifyEnv)
		}
	}
	if err != nil {
		err = fatal(err)
		if f.json {
			_ = printReport(cmd.OutOrStdout(), (*fileRun)(nil).report(f, path, err))
		}
		return err
	}
	var n *notifier
	if hook != "" {
		n = newNotifier(hook, cmd.ErrOrStderr())
	}
	fr, err := runFile(cmd.Context(), cmd.ErrOrStderr(), f, path)
	r := fr.report(f, path, err)
	if f.json {
		if jerr := printReport(cmd.OutOrStdout(), r); jerr != nil && err == nil {
			err = fatal(jerr)
		}
	}
	if n != nil {
		n.send(r)
		n.close(30 * time.Second)
	}
	return err
}

// fileRun is one roster run as run and watch see it.
type fileRun struct {
	sum      *batch.Summary
	runID    int64 // 0 without a state store
	compared bool  // fresh and still are known (a state store)
	fresh    int   // invalid rows that were not invalid in the scope's previous run
	still    int   // invalid rows that were invalid then too
	scope    state.Scope
	hash     string     // the roster's sha256, "" without a state store
	same     *state.Run // skipSame: the finished run of the same content
	fixRows  int        // rows written to the fix file (0: none written)
}

// report is the morning report line for a run, or for the error that kept
// it from running (fr nil).
func (fr *fileRun) report(f *runFlags, path string, err error) *reports.Report {
	if fr == nil {
		now := time.Now().UTC()
		r := &reports.Report{File: path, Provider: f.in.provider, Status: "failed", Counts: map[string]int{}, Start: now, End: now}
		if err != nil {
			r.Error = err.Error()
		}
		return r
	}
	r := reports.NewReport(fr.sum)
	if fr.compared {
		r.NewInvalid, r.StillInvalid = &fr.fresh, &fr.still
	}
	r.Results = f.out
	r.DayTwo(fr.sum)
	if fr.fixRows > 0 {
		r.FixFile = f.failedOut // none is written when nothing failed
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.code == exitFatal && ee.err != nil {
		r.Error = ee.err.Error()
	}
	return r
}

func printReport(w io.Writer, r *reports.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// runFile is `onboard run` for one roster: watch calls it too, so a file
// from the inbox runs exactly as it would by hand. The error is the run's
// exit (runExit); fr is nil when the run never began (bad file, flags,
// credentials, state store in use).
func runFile(ctx context.Context, stderr io.Writer, f *runFlags, path string) (*fileRun, error) {
	// Before anything is opened, started or written (run and watch have
	// checked already, in check): where credentials go.
	if err := f.checkVendorFlags(); err != nil {
		return nil, fatal(err)
	}
	sub := f.submit // watch runs the same flags again: convert a copy
	if sub.Retries == 0 {
		sub.Retries = -1 // the flag's 0 means none; submit's 0 means default
	}
	if sub.Breaker == 0 {
		sub.Breaker = -1 // likewise: the flag's 0 is off
	}
	outs := []struct{ flag, path string }{{"-o", f.out}, {"--failed-out", f.failedOut}}
	if !f.noState && !stores.IsShared(f.stateFile) {
		outs = append(outs, struct{ flag, path string }{"--state", f.stateFile})
	}
	for _, o := range outs {
		if err := checkOutputDir(o.flag, o.path); err != nil {
			return nil, fatal(err)
		}
	}
	if reg, err := providers.Lookup(f.in.provider); err == nil {
		// Before the roster is read or a simulator started.
		if err := checkUpdate(ctx, f, reg.ID, updateProbe(reg), false); err != nil {
			return nil, fatal(err)
		}
	}
	// The roster's hash, for the run record, is read on another core while
	// the run is set up (11 ms of a 15 MB file, before any row was read).
	hashed := make(chan hashResult, 1)
	if !f.noState {
		go func() {
			h, err := state.HashFile(path)
			hashed <- hashResult{h, err}
		}()
	}
	src, err := f.in.open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer src.reader.Close()
	reg := src.reg
	if reg.Rate > 0 && !f.rateSet {
		// A vendor file's documented rate, unless --rate says otherwise.
		f.submit.Rate = reg.Rate
		if reg.Burst > 0 && !f.burstSet {
			f.submit.Burst = reg.Burst
		}
	}
	if strings.EqualFold(filepath.Ext(f.out), ".xlsx") {
		// A row the results sheet cannot hold whole is not sent.
		src.mapper.LimitCells(reports.MaxXLSXCell, "an XLSX cell")
	}

	var (
		cfg  providers.Config
		from credSources
		stop func()
	)
	switch {
	case f.sims != nil:
		// serve: the process's one simulator for this vendor.
		cfg, from, stop, err = f.sims.vendorConfig(stderr, reg, f.simulate, false, f.baseURL, f.config)
	case f.simulate && !f.noState:
		// The same simulated vendor run after run, as a real one is.
		cfg, from, stop, err = startSimulator(stderr, reg, simulatorFile(f.stateFile, reg.ID), true)
	default:
		cfg, from, stop, err = vendorConfig(stderr, reg, f.simulate, false, f.baseURL, f.config)
	}
	if err != nil {
		return nil, fatal(err)
	}
	defer stop()
	// One pooled client for every call of the run: about --workers
	// connections, deadlines on each call, no redirect off the host.
	cfg.HTTP = providers.NewHTTPClient(providers.HTTPOptions{Timeout: f.timeout, Conns: f.submit.Workers})
	client, err := reg.New(cfg)
	if err != nil {
		return nil, fatal(clientError(reg, err, cfg.Credentials, f.config))
	}
	if err := checkUpdate(ctx, f, reg.ID, client, true); err != nil {
		return nil, fatal(err)
	}
	if f.observe != nil {
		sub.Observer = f.observe(tenantLabel(reg, cfg, f.simulate))
	}

	sum := batch.NewSummary("run", reg.ID, cmp.Or(f.recordAs, path))
	sum.Warnings = src.warnings()
	sum.HeaderRow = src.reader.HeaderRow()
	sum.Sheet = src.sheet()
	warn(stderr, sum.Warnings)
	sum.Notices = src.notices()
	note(stderr, sum.Notices)
	sum.Settings = settings(f, cfg.BaseURL)
	fr := &fileRun{sum: sum}

	// Order: the state store (a run already using it stops us before any
	// output exists), then the outputs, then the run record, so that no
	// failure here leaves a half-written file or a run marked running.
	opt := batch.RunOptions{Submit: sub, Update: f.update}
	switch {
	case batch.IsFixFile(src.mapper.Header()):
		opt.NoMissing = batch.NoMissingFixFile
	case f.partial:
		opt.NoMissing = batch.NoMissingPartial
	case f.night != nil:
		opt.NoMissing = f.night.note()
	}
	if !f.noState {
		st, err := openState(ctx, f.stateFile, state.Options{LockWait: f.stateWait}, f.takeover)
		if err != nil {
			return nil, fatal(err)
		}
		defer st.Close()
		h := <-hashed
		if fr.hash, err = h.hash, h.err; err != nil {
			return nil, fatal(err)
		}
		opt.State = st
		opt.Scope = state.Scope{Provider: reg.ID, BaseURL: cfg.BaseURL}
		if f.simulate {
			opt.Scope.BaseURL = simulatedBaseURL(reg.ID) // not today's port
		}
		if reg.Tenant != nil && !f.simulate {
			opt.Scope.Tenant = reg.Tenant(cfg)
		}
		fr.scope = opt.Scope
		if pg, ok := st.(*pgstate.Store); ok && opt.Submit.Rate > 0 && os.Getenv(negativeControl) != "no-shared-rate" {
			// Every process sending to this tenant takes from one rate.
			opt.Submit.Shared = pg.Bucket(opt.Scope, opt.Submit.Rate, opt.Submit.Burst)
		}
		if f.skipSame != nil {
			if skip, err := f.skipSame(st, fr); skip || err != nil {
				return fr, err
			}
		}
	}
	sinks, fix, err := openSinks(f, src)
	if err != nil {
		return nil, fatal(err)
	}
	inv := &invalidRows{}
	sinks = append(sinks, inv)
	var ck *checkpointer
	if opt.State != nil {
		if opt.RunID, err = opt.State.BeginRun(sum.Input, fr.hash, opt.Scope); err != nil {
			sinks.Abort()
			return nil, fatal(err)
		}
		fr.runID = opt.RunID
		if f.night != nil {
			// A fix file or --partial file counts its sightings into the
			// night, but a night of only such files lists nobody.
			f.night.begin(opt.Scope, opt.RunID, opt.NoMissing == f.night.note())
		}
		if err := opt.State.SetOutputs(opt.RunID, f.out, f.failedOut); err != nil {
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
		ck = newCheckpointer(opt.State, opt.RunID)
		defer ck.stop()
	}

	prog := newProgress(stderr, f.quiet, "onboarding", path)
	opt.Progress = func(s *batch.Summary) {
		prog.update(s)
		ck.update(s)
		if f.progress != nil {
			f.progress(s)
		}
	}
	runErr := batch.Run(ctx, src.reader, reg.Schema, src.mapper, client, sinks, sum, opt)
	prog.finish()
	sum.Stop, sum.StopCode = stopReason(ctx, runErr)
	if readErr := (*read.Error)(nil); errors.As(runErr, &readErr) {
		sum.ReadError = readErr.Error() // the results' Summary says which row stopped it
	}
	if opt.State != nil {
		fr.compared = true
		err := opt.State.RecordInvalid(opt.RunID, inv.digests)
		if err == nil {
			fr.fresh, fr.still, _, err = opt.State.InvalidSince(opt.RunID)
		}
		if err != nil {
			fr.compared = false
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
	}
	// The state file's WAL is copied into it while the outputs are
	// synced to disk: two files, two waits at once.
	settled := make(chan struct{})
	if st, ok := opt.State.(interface{ Settle() error }); ok {
		go func() {
			defer close(settled)
			_ = st.Settle() // best effort: EndRun checkpoints again
		}()
	} else {
		close(settled)
	}
	closeErr := sinks.Close(sum)
	<-settled
	if closeErr != nil && sum.Stop == state.RunDone {
		sum.Stop = state.RunAborted
	}
	if closeErr == nil && fix != nil && fix.Rows() == 0 && opt.State != nil {
		// Nothing failed: no fix file belongs to this run.
		if err := opt.State.SetOutputs(opt.RunID, f.out, ""); err != nil {
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
	}
	if closeErr == nil && sum.MissingChecked {
		// The list is written: its people are listed once, from now on
		// counted as still missing until a file holds them again.
		if err := opt.State.MarkMissing(opt.Scope, sum.MissingSince, opt.RunID); err != nil {
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
	}
	if opt.State != nil {
		ck.stop()
		if err := opt.State.EndRun(opt.RunID, counts4state(sum), sum.Stop); err != nil {
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
	}
	if closeErr != nil {
		return fr, fatal(fmt.Errorf("write results: %w", closeErr))
	}
	reportFixFile(stderr, fix, sum)
	if fix != nil {
		fr.fixRows = fix.Rows()
	}
	fmt.Fprintln(stderr, reports.SummaryLine(sum))
	return fr, explainExit(runExit(ctx, sum, runErr), runErr, f, sum, from.of(credentialNames(reg.Credentials)))
}

// hashResult is state.HashFile's answer.
type hashResult struct {
	hash string
	err  error
}

// tenantLabel names a run's tenant in metrics: the vendor, and the
// tenant its credentials belong to when the vendor has tenants.
func tenantLabel(reg *providers.Registration, cfg providers.Config, simulate bool) string {
	if reg.Tenant != nil && !simulate {
		if t := reg.Tenant(cfg); t != "" {
			return reg.ID + "/" + t
		}
	}
	return reg.ID
}

// explainExit adds the next step to an early stop's message: which
// credential the vendor refused and where it came from (never its value),
// and that running the same command again skips who was created.
func explainExit(exit, runErr error, f *runFlags, sum *batch.Summary, creds string) error {
	var ee *exitError
	if !errors.As(exit, &ee) || ee.err == nil {
		return exit
	}
	var pe *providers.Error
	if errors.As(runErr, &pe) && pe.Code == providers.AuthFailed && creds != "" {
		ee.err = fmt.Errorf("%w. The vendor refused %s", ee.err, creds)
	}
	var h *submit.Halt
	if pe == nil && !errors.As(runErr, &h) && ee.code != exitInterrupted {
		return exit // not a stop: nothing to run again
	}
	done := sum.ByStatus[batch.Created] + sum.ByStatus[batch.Skipped]
	switch {
	case done == 0:
		ee.err = fmt.Errorf("%w. Run the same command again when the cause is fixed", ee.err)
	case f.noState:
		ee.err = fmt.Errorf("%w. Run the fix file (--failed-out) next, not the same roster: without a state store the %d created would be sent again", ee.err, done)
	default:
		ee.err = fmt.Errorf("%w. Run the same command again: the %d created will be skipped", ee.err, done)
	}
	return exit
}

// stopReason names why a run ended, as the state store records it, and
// the vendor code behind an early stop.
func stopReason(ctx context.Context, err error) (stop, code string) {
	var pe *providers.Error
	var h *submit.Halt
	switch {
	case errors.As(err, &h):
		if h.Kind == submit.HaltBreaker {
			if h.Last != nil {
				code = string(h.Last.Code)
			}
			return state.RunBreaker, code
		}
		// --max-creates, --max-failures: stopped on purpose, like an
		// interrupt; the rest goes next run.
		if h.Kind == submit.HaltMaxCreates {
			return state.RunInterrupted, "--max-creates"
		}
		return state.RunInterrupted, "--max-failures"
	case errors.As(err, &pe):
		switch pe.Code {
		case providers.AuthFailed:
			return state.RunAuthFailed, string(pe.Code)
		case providers.LicenseExhausted:
			return state.RunLicences, string(pe.Code)
		}
		return state.RunAborted, string(pe.Code)
	case err != nil:
		return state.RunAborted, ""
	case ctx.Err() != nil:
		return state.RunInterrupted, ""
	}
	return state.RunDone, ""
}

// invalidRows is a sink that keeps a digest of each invalid row's cells,
// so the next run of the scope can tell new problems from old ones. Cells
// are masked already; 16 bytes of SHA-256 per row.
type invalidRows struct{ digests [][]byte }

// maxInvalidDigests bounds the memory: past it, further rows count as new.
const maxInvalidDigests = 1 << 20

func (v *invalidRows) Write(o batch.Outcome) error {
	if o.Status != batch.Invalid || len(v.digests) >= maxInvalidDigests {
		return nil
	}
	h := sha256.New()
	for _, c := range o.Cells {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	v.digests = append(v.digests, h.Sum(nil)[:16])
	return nil
}

func (v *invalidRows) Close(*batch.Summary) error { return nil }

// checkpointer records a running run's counts every second, so a run that
// is killed still shows in history what it did, and a second Ctrl-C can
// record the run as aborted with its counts.
type checkpointer struct {
	st    state.Ledger
	runID int64
	mu    sync.Mutex
	last  time.Time
	c     state.Counts
	once  sync.Once
}

func newCheckpointer(st state.Ledger, runID int64) *checkpointer {
	ck := &checkpointer{st: st, runID: runID, last: time.Now()}
	setAbortHook(func() { _ = st.EndRun(runID, ck.counts(), state.RunAborted) })
	return ck
}

// update is called from the reconciler after each outcome.
func (ck *checkpointer) update(s *batch.Summary) {
	if ck == nil {
		return
	}
	c := counts4state(s)
	ck.mu.Lock()
	ck.c = c
	due := time.Since(ck.last) >= time.Second
	if due {
		ck.last = time.Now()
	}
	ck.mu.Unlock()
	if due {
		_ = ck.st.Checkpoint(ck.runID, c) // best effort: EndRun records the truth
	}
}

func (ck *checkpointer) counts() state.Counts {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	return ck.c
}

func (ck *checkpointer) stop() {
	if ck != nil {
		ck.once.Do(func() { setAbortHook(nil) })
	}
}

// checkVendorFlags refuses a --base-url that would send credentials (or
// put a secret) where they must not go, and a negative --timeout.
func (f *runFlags) checkVendorFlags() error {
	if f.baseURL != "" && !f.simulate {
		if err := providers.CheckBaseURL(f.baseURL, f.insecure); err != nil {
			return err
		}
	}
	if f.timeout < 0 {
		return fmt.Errorf("--timeout %s: must not be negative (0 means the default, %s)", f.timeout, providers.DefaultTimeout)
	}
	return nil
}

// check refuses flag values that make no sense, naming the flag, before
// any output is touched or a simulator started; watch calls it once, before
// its inbox is opened.
func (f *runFlags) check() error {
	if err := f.checkVendorFlags(); err != nil {
		return err
	}
	s := &f.submit
	switch {
	case s.Rate < 0 || math.IsNaN(s.Rate) || math.IsInf(s.Rate, 0):
		return fmt.Errorf("--rate %v: want requests per second, 0 (unlimited) or more", s.Rate)
	case s.Workers < 1:
		return fmt.Errorf("--workers %d: want 1 or more", s.Workers)
	case s.Retries < 0:
		return fmt.Errorf("--retries %d: want 0 (none) or more", s.Retries)
	case s.Burst < 0:
		return fmt.Errorf("--burst %d: want 1 or more", s.Burst)
	case s.Breaker < 0:
		return fmt.Errorf("--breaker %d: want 0 (off) or more", s.Breaker)
	case s.MaxCreates < 0:
		return fmt.Errorf("--max-creates %d: want 0 (no limit) or more", s.MaxCreates)
	case s.MaxFailures < 0:
		return fmt.Errorf("--max-failures %d: want 0 (no limit) or more", s.MaxFailures)
	}
	var err error
	if f.existing != "" {
		if s.Existing, err = submit.ParseExisting(f.existing); err != nil {
			return fmt.Errorf("--existing %w", err)
		}
	}
	return nil
}

// runExit maps a finished run to the documented exit codes.
func runExit(ctx context.Context, sum *batch.Summary, err error) error {
	var pe *providers.Error
	var h *submit.Halt
	switch {
	case errors.As(err, &h):
		if h.Kind == submit.HaltBreaker && sum.ByStatus[batch.Created]+sum.ByStatus[batch.Adopted] == 0 {
			return fatal(h)
		}
		return &exitError{code: exitSomeFailed, err: h}
	case errors.As(err, &pe):
		if pe.Code == providers.AuthFailed && sum.ByStatus[batch.Created] == 0 {
			return fatal(fmt.Errorf("stopped: %v", pe))
		}
		return &exitError{code: exitSomeFailed, err: fmt.Errorf("stopped early: %v", pe)}
	case err != nil:
		return fatal(err)
	case ctx.Err() != nil:
		return &exitError{code: exitInterrupted, err: errors.New("interrupted; the results are written")}
	}
	for st, n := range sum.ByStatus {
		if n > 0 && st != batch.Created && st != batch.Skipped && st != batch.Adopted && st != batch.Updated {
			return &exitError{code: exitSomeFailed}
		}
	}
	return nil
}

func counts4state(s *batch.Summary) state.Counts {
	return state.Counts{Rows: s.RowsRead, Created: s.ByStatus[batch.Created], Skipped: s.ByStatus[batch.Skipped],
		Invalid: s.ByStatus[batch.Invalid], Failed: s.ByStatus[batch.Failed], NotAttempted: s.ByStatus[batch.NotAttempted],
		Recovered: s.Recovered, Changed: s.Changed, Updated: s.ByStatus[batch.Updated],
		Conflicts: s.ByStatus[batch.Conflict], Missing: s.Missing, StillMissing: s.StillMissing}
}

// checkUpdate refuses --update up front, before anything is written, for
// a vendor without a documented update call or a run without a state
// store (which alone knows what changed).
func checkUpdate(ctx context.Context, f *runFlags, vendor string, c providers.Client, ask bool) error {
	if !f.update {
		return nil
	}
	if c != nil {
		if _, ok := c.(providers.Updater); !ok {
			return fmt.Errorf("--update: %s documents no update call, so onboard cannot change people there; run without --update (changed people are still reported)", vendor)
		}
	}
	if f.noState {
		return errors.New("--update needs the state store (it alone knows what was sent before); drop --no-state")
	}
	if uc, ok := c.(providers.UpdateChecker); ok && ask {
		// The vendor may have switched its update call off (SCIM's
		// ServiceProviderConfig): refuse before the first row. Only the
		// configured client asks; a probe would ask a host nobody chose.
		if err := uc.CheckUpdate(ctx); err != nil {
			return fmt.Errorf("%s: %w", vendor, err)
		}
	}
	return nil
}

// updateProbe is a client of reg made only to ask whether it has an update
// call, so --update is refused before anything starts; nil when none can
// be made without the real configuration (then checkUpdate runs later).
func updateProbe(reg *providers.Registration) providers.Client {
	if reg.Simulator == nil {
		return nil
	}
	c, err := reg.New(providers.Config{BaseURL: reg.DefaultBaseURL, Credentials: reg.Simulator(sim.Options{}).Credentials})
	if err != nil {
		return nil
	}
	return c
}

// settings are the run's settings for the Summary sheet; never secrets.
func settings(f *runFlags, baseURL string) map[string]string {
	if u, err := url.Parse(baseURL); err == nil {
		u.User, u.RawQuery = nil, ""
		baseURL = u.String()
	}
	s := map[string]string{
		"provider": f.in.provider, "base_url": baseURL, "workers": strconv.Itoa(f.submit.Workers),
		"rate": strconv.FormatFloat(f.submit.Rate, 'g', -1, 64), "burst": strconv.Itoa(f.submit.Burst),
		"retries": strconv.Itoa(max(f.submit.Retries, 0)), "simulate": strconv.FormatBool(f.simulate),
		"state": stores.Name(f.stateFile), "mapping": f.in.mapping,
		"existing": cmp.Or(f.existing, "adopt"), "breaker": strconv.Itoa(f.submit.Breaker),
		"max_creates": strconv.Itoa(f.submit.MaxCreates), "max_failures": strconv.Itoa(f.submit.MaxFailures),
	}
	if f.noState {
		s["state"] = "off"
	}
	return s
}

// multiSink fans outcomes out to several sinks.
type multiSink []batch.Sink

func (m multiSink) Write(o batch.Outcome) error {
	for _, s := range m {
		if err := s.Write(o); err != nil {
			return err
		}
	}
	return nil
}

func (m multiSink) Close(sum *batch.Summary) error {
	var errs oneLine
	for _, s := range m {
		if err := s.Close(sum); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// oneLine joins errors on one line ("A: cause; B: cause"): a full disk
// fails the results and the fix file at once, and the error is one line.
type oneLine []error

func (e oneLine) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e oneLine) Unwrap() []error { return e }

// WriteMissing passes the missing people to every sink that lists them.
func (m multiSink) WriteMissing(list func(fn func(batch.MissingPerson) error) (int, error)) error {
	listed := false
	for _, s := range m {
		if ms, ok := s.(batch.MissingSink); ok {
			listed = true
			if err := ms.WriteMissing(list); err != nil {
				return err
			}
		}
	}
	if !listed {
		_, err := list(func(batch.MissingPerson) error { return nil })
		return err
	}
	return nil
}

// Abort drops every output: nothing is put in place.
func (m multiSink) Abort() {
	for _, s := range m {
		reports.Abort(s)
	}
}

func openSinks(f *runFlags, src *input) (multiSink, *reports.FailedOut, error) {
	res, err := reports.NewResults(f.out, src.mapper.Header(), reports.ResultsOptions{NoBOM: f.noBOM, Delimiter: src.delimiter()})
	if err != nil {
		return nil, nil, err
	}
	sinks := multiSink{res}
	if f.failedOut == "" {
		return sinks, nil, nil
	}
	fo, err := reports.NewFailedOut(f.failedOut, src.mapper.Header(), fixFileOptions(src))
	if err != nil {
		reports.Abort(res)
		return nil, nil, err
	}
	return append(sinks, fo), fo, nil
}

// fixFileOptions make the fix file mirror the input: its delimiter,
// encoding and BOM when it was a CSV, its sheet when an XLSX.
func fixFileOptions(src *input) reports.FailedOutOptions {
	opts := reports.FailedOutOptions{Delimiter: ',', Secret: src.mapper.Secret(),
		FieldColumns: src.mapper.FieldColumns(), Enums: src.mapper.ColumnEnums()}
	if d, ok := src.reader.(interface{ Delimiter() rune }); ok {
		opts.Delimiter = d.Delimiter()
	}
	if e, ok := src.reader.(interface {
		Encoding() string
		BOM() bool
	}); ok {
		opts.Encoding, opts.BOM = e.Encoding(), e.BOM()
	}
	if s, ok := src.reader.(interface{ Sheet() string }); ok {
		opts.Sheet, opts.KeepTypes = s.Sheet(), true
	}
	return opts
}

// reportFixFile says where the fix file is and what is in it, or that
// none was needed. The next step is said once: here for a finished run
// (fix the rows, run the file), by the exit message after an early stop
// (run the same command again); rows not sent are never "to fix".
func reportFixFile(w io.Writer, fo *reports.FailedOut, sum *batch.Summary) {
	switch {
	case fo == nil:
	case fo.Rows() == 0:
		fmt.Fprintf(w, "nothing to fix: no fix file written (%s)\n", fo.Path())
	default:
		var parts []string
		for _, c := range []struct {
			st   batch.Status
			what string
		}{{batch.Invalid, "invalid"}, {batch.Conflict, "conflict (decide who the person is)"}, {batch.Failed, "failed at the vendor"}, {batch.NotAttempted, "not sent"}} {
			if n := sum.ByStatus[c.st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, c.what))
			}
		}
		next := "; fix them and run it again as it is"
		if sum.Stop != "" && sum.Stop != state.RunDone {
			next = "" // the exit message gives the one next step
		} else if sum.ByStatus[batch.Invalid]+sum.ByStatus[batch.Conflict]+sum.ByStatus[batch.Failed] == 0 {
			next = "; run it again as it is"
		}
		fmt.Fprintf(w, "fix file: %s (%s%s)\n", fo.Path(), strings.Join(parts, ", "), next)
	}
}
