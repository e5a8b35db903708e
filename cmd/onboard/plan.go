package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/stores"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
)

// planFlags are the plan command's flags: run's, less what only sending
// needs, plus --offline.
type planFlags struct {
	in        inputFlags
	out       string
	baseURL   string
	config    string
	simulate  bool
	offline   bool
	stateFile string
	noState   bool
	quiet     bool
	insecure  bool
	timeout   time.Duration
	existing  string
	update    bool
	noBOM     bool
	submit    submit.Options
	// planned, when set, is given the finished plan's totals (serve: the
	// page shows them) before they are printed.
	planned func(*batch.Summary, *batch.PlanEstimate)
	// progress, when set, is given the totals after each chunk of rows
	// (serve: the page shows how far the plan has got).
	progress func(*batch.Summary)
	sims     *liveSims // serve: the process's simulators (see runFlags.sims)
}

func newPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan -p PROVIDER [-m map.yaml] [-o plan.xlsx|plan.csv] [flags] INPUT",
		Short: "Say what a run would do with every row, and what it would cost; creates nothing",
		Long: `plan validates every row, asks the state store who earlier runs created, and
asks the vendor (with its lookup, at the run's --rate) about everyone else. Each
row gets a decision: create, already_onboarded, exists_at_vendor, conflict,
changed or invalid. It prints the totals, the API calls a run would make and
how long they would take at the configured rate. Nothing is created and the
state store is only read. --offline skips the vendor: no credentials needed.`,
		Example: `  onboard plan -p smartapp --simulate samples/smartapp/roster.csv
  ONBOARD_TOKEN=... onboard plan -p alphalearn -m map.yaml -o plan.xlsx --rate 5 roster.xlsx
  onboard plan -p bksb --offline --state nightly.db roster.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if f.stateFile, err = stateSpec(f.stateFile, cmd.Flags().Changed("state"), f.config); err != nil {
				return fatal(err)
			}
			return planRoster(cmd, &f, args[0])
		},
	}
	f.in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "plan sheet, .xlsx or .csv (default: the totals only)")
	fl.StringVar(&f.baseURL, "base-url", "", "vendor host (default: the vendor's production host)")
	fl.StringVar(&f.config, "config", "", "credentials file of KEY=VALUE lines (the environment wins)")
	fl.BoolVar(&f.simulate, "simulate", false, "ask the vendor's simulator, started in-process on loopback (no credentials needed)")
	fl.BoolVar(&f.offline, "offline", false, "do not ask the vendor: people the state store does not know are planned as create")
	fl.StringVar(&f.stateFile, "state", defaultStateFile, "the run's state store, read only"+stateFlagHelp)
	fl.BoolVar(&f.noState, "no-state", false, "plan as if no run had happened")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.DurationVar(&f.timeout, "timeout", providers.DefaultTimeout, "deadline of one vendor call: connect, send, answer")
	fl.BoolVar(&f.insecure, "insecure-http", false, "allow a plain http:// --base-url to a host that is not this machine (credentials travel unencrypted)")
	fl.StringVar(&f.existing, "existing", "adopt", "what the run will do with a person the vendor already has (adopt, skip, fail): its API calls")
	fl.BoolVar(&f.update, "update", false, "count the update calls the run's --update would send for changed people")
	fl.BoolVar(&f.noBOM, "no-bom", false, "CSV plan: no UTF-8 byte order mark at the start")
	fl.Float64Var(&f.submit.Rate, "rate", 5, "requests per second, for the plan's lookups and the run's estimate (0: unlimited)")
	fl.IntVar(&f.submit.Burst, "burst", 1, "requests allowed at once after an idle spell")
	fl.IntVar(&f.submit.Workers, "workers", 4, "requests in flight at once")
	fl.IntVar(&f.submit.Retries, "retries", 3, "retries of 429, 5xx and network errors, with backoff")
	return cmd
}

func planRoster(cmd *cobra.Command, f *planFlags, path string) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	switch {
	case f.submit.Rate < 0:
		return usagef(cmd, "--rate %g: use 0 (unlimited) or more", f.submit.Rate)
	case f.submit.Workers < 1:
		return usagef(cmd, "--workers %d: use 1 or more", f.submit.Workers)
	case f.submit.Retries < 0:
		return usagef(cmd, "--retries %d: use 0 or more", f.submit.Retries)
	case f.timeout < 0:
		return usagef(cmd, "--timeout %s: must not be negative", f.timeout)
	case f.offline && f.simulate:
		return usagef(cmd, "--offline and --simulate: choose one")
	}
	var err error
	if f.submit.Existing, err = submit.ParseExisting(f.existing); err != nil {
		return usagef(cmd, "--existing %v", err)
	}
	// Before anything is opened or started: where credentials go.
	if f.baseURL != "" && !f.simulate && !f.offline {
		if err := providers.CheckBaseURL(f.baseURL, f.insecure); err != nil {
			return fatal(err)
		}
	}
	if f.submit.Retries == 0 {
		f.submit.Retries = -1 // the flag's 0 means none; submit's 0 means default
	}
	src, err := f.in.open(ctx, path)
	if err != nil {
		return err
	}
	defer src.reader.Close()
	reg := src.reg

	opt := batch.PlanOptions{Submit: f.submit, Update: f.update}
	var (
		cfg  providers.Config
		stop func()
	)
	switch {
	case f.sims != nil:
		cfg, _, stop, err = f.sims.vendorConfig(stderr, reg, f.simulate, f.offline, f.baseURL, f.config)
	case f.simulate && !f.noState:
		// The simulated vendor the runs with this state store left, read
		// only: plan writes nothing.
		cfg, _, stop, err = startSimulator(stderr, reg, simulatorFile(f.stateFile, reg.ID), false)
	default:
		cfg, _, stop, err = vendorConfig(stderr, reg, f.simulate, f.offline, f.baseURL, f.config)
	}
	if err != nil {
		return fatal(fmt.Errorf("%w (plan --offline needs none)", err))
	}
	defer stop()
	// One pooled client: about --workers connections, deadlines on each
	// call, no redirect off the host.
	cfg.HTTP = providers.NewHTTPClient(providers.HTTPOptions{Timeout: f.timeout, Conns: f.submit.Workers})
	if f.offline && f.update {
		// The update call's rules (what it takes, what it needs) are the
		// client's own, asked of a client that never calls: every
		// credential it reads set to a placeholder, nothing sent.
		dummy := providers.Config{BaseURL: cfg.BaseURL, Credentials: map[string]string{}}
		for _, name := range credentialNames(reg.Credentials) {
			dummy.Credentials[name] = "offline"
		}
		if c, err := reg.New(dummy); err == nil {
			up, ok := c.(providers.Updater)
			if !ok {
				return fatal(fmt.Errorf("--update: %s documents no update call; plan without --update", reg.ID))
			}
			opt.Updater = up
		}
	}
	if !f.offline {
		client, err := reg.New(cfg)
		if err != nil {
			return fatal(fmt.Errorf("%w (plan --offline needs no credentials)", clientError(reg, err, cfg.Credentials, f.config)))
		}
		up, ok := client.(providers.Updater)
		if f.update && !ok {
			return fatal(fmt.Errorf("--update: %s documents no update call; plan without --update", reg.ID))
		}
		opt.Updater = up
		if uc, ok := client.(providers.UpdateChecker); f.update && ok {
			if err := uc.CheckUpdate(ctx); err != nil {
				return fatal(fmt.Errorf("%s: %w", reg.ID, err))
			}
		}
		finder, ok := client.(providers.Finder)
		if !ok {
			fmt.Fprintf(stderr, "note: %s has no lookup: people the state store does not know are planned as create\n", reg.ID)
		}
		opt.Finder = finder
	}
	if !f.noState {
		st, err := openStateReadOnly(f.stateFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stderr, "note: no state store at %s yet: planning as if no run had happened\n", stores.Name(f.stateFile))
		case err != nil:
			return fatal(err)
		default:
			defer st.Close()
			if v := st.UpgradedFrom(); v > 0 {
				fmt.Fprintf(stderr, "note: %s was written by an older onboard (schema %d): planning from an upgraded copy; the next run upgrades the file itself\n", f.stateFile, v)
			}
			opt.State = st
			opt.Scope = state.Scope{Provider: reg.ID, BaseURL: cfg.BaseURL}
			if f.simulate {
				opt.Scope.BaseURL = simulatedBaseURL(reg.ID) // as run --simulate keeps it
			}
			if reg.Tenant != nil && !f.simulate {
				opt.Scope.Tenant = reg.Tenant(cfg)
			}
			if !f.simulate {
				otherScopes(stderr, st, opt.Scope)
			}
		}
	}

	sum := batch.NewSummary("plan", reg.ID, path)
	sum.Warnings = src.warnings()
	sum.HeaderRow = src.reader.HeaderRow()
	sum.Sheet = src.sheet()
	warn(stderr, sum.Warnings)
	var est batch.PlanEstimate
	var sink batch.Sink = &planPrinter{w: cmd.OutOrStdout(), max: 20}
	if f.out != "" {
		if sink, err = reports.NewPlan(f.out, src.mapper.Header(), &est, f.noBOM); err != nil {
			return fatal(err)
		}
	}
	prog := newProgress(stderr, f.quiet, "planning", path)
	opt.Progress = prog.update
	if f.progress != nil {
		opt.Progress = func(sum *batch.Summary) { prog.update(sum); f.progress(sum) }
	}
	est, err = batch.Plan(ctx, src.reader, reg.Schema, src.mapper, sink, sum, opt)
	prog.finish()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		reports.Abort(sink)
		var pe *providers.Error
		if errors.As(err, &pe) {
			return fatal(fmt.Errorf("plan stopped: the vendor's lookup answered %v", pe))
		}
		if ctx.Err() != nil {
			return &exitError{code: exitInterrupted, err: errors.New("interrupted; no plan written")}
		}
		return fatal(err)
	}
	if err := sink.Close(sum); err != nil {
		return fatal(fmt.Errorf("write plan: %w", err))
	}
	if f.planned != nil {
		f.planned(sum, &est)
	}
	for _, l := range reports.PlanLines(sum, &est) {
		fmt.Fprintln(cmd.OutOrStdout(), l)
	}
	if sum.ByStatus[batch.Invalid]+sum.ByStatus[batch.PlanConflict] > 0 {
		return &exitError{code: exitSomeFailed}
	}
	return nil
}

// planPrinter is the sink when no plan sheet is asked for: it prints the
// first rows that a run would not simply create, so a quick look needs no
// spreadsheet.
type planPrinter struct {
	w     io.Writer
	max   int
	shown int
	more  int
}

func (p *planPrinter) Write(o batch.Outcome) error {
	if o.Status == batch.PlanCreate && len(o.Problems) == 0 {
		return nil
	}
	if p.shown >= p.max {
		p.more++
		return nil
	}
	p.shown++
	var why []string
	for _, pr := range o.Problems {
		why = append(why, strings.TrimSpace(strings.TrimSpace(pr.Code+" "+pr.Field)+": "+pr.Message))
	}
	_, err := fmt.Fprintf(p.w, "row %d: %s %s\n", o.Line, o.Status, strings.Join(why, "; "))
	return err
}

func (p *planPrinter) Close(*batch.Summary) error {
	if p.more > 0 {
		_, err := fmt.Fprintf(p.w, "... and %d more rows (write them all with -o plan.xlsx)\n", p.more)
		return err
	}
	return nil
}

// otherScopes says so when the state store knows nobody at the plan's
// vendor host but knows people of the same provider elsewhere: a plan
// without --base-url reads the production host's scope, and would plan
// to create everyone the store knows at the host meant.
func otherScopes(w io.Writer, st state.Ledger, sc state.Scope) {
	if known, err := anyCreated(st, sc); err != nil || known {
		return
	}
	others, err := st.KnownElsewhere(sc)
	if err != nil || len(others) == 0 {
		return
	}
	o := others[0]
	where := o.Scope.BaseURL
	if o.Scope.Tenant != "" {
		where += " (tenant " + o.Scope.Tenant + ")"
	}
	fmt.Fprintf(w, "note: the state store knows no %s people at %s, but %d at %s: did you mean --base-url %s?\n",
		sc.Provider, sc.BaseURL, o.People, where, o.Scope.BaseURL)
}

// anyCreated reports whether st holds anyone created in sc, asking a
// store that can say so without counting them (SQLite: a whole scope's
// count was most of a small plan's start).
func anyCreated(st state.Ledger, sc state.Scope) (bool, error) {
	if a, ok := st.(interface {
		AnyCreated(state.Scope) (bool, error)
	}); ok {
		return a.AnyCreated(sc)
	}
	n, err := st.Count(sc)
	return n > 0, err
}
