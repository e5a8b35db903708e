package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/state"
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
	existing  string
	submit    submit.Options
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
			return runRoster(cmd, &f, args[0])
		},
	}
	f.in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "results sheet, .xlsx or .csv")
	fl.StringVar(&f.failedOut, "failed-out", "", "also write the rows that did not succeed, in the input's own columns and format, to fix and run again")
	fl.StringVar(&f.baseURL, "base-url", "", "vendor host (default: the vendor's production host)")
	fl.StringVar(&f.config, "config", "", "credentials file of KEY=VALUE lines (the environment wins)")
	fl.BoolVar(&f.simulate, "simulate", false, "run against the vendor's simulator, started in-process on loopback (no credentials needed)")
	fl.StringVar(&f.stateFile, "state", "onboard-state.db", "state store that makes re-runs create each person once")
	fl.BoolVar(&f.noState, "no-state", false, "run without a state store (re-runs may create people twice)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.Float64Var(&f.submit.Rate, "rate", 5, "create requests per second (0: unlimited)")
	fl.IntVar(&f.submit.Burst, "burst", 1, "requests allowed at once after an idle spell")
	fl.IntVar(&f.submit.Workers, "workers", 4, "requests in flight at once")
	fl.IntVar(&f.submit.Retries, "retries", 3, "retries of 429, 5xx and network errors, with backoff")
	fl.StringVar(&f.existing, "existing", "adopt", "a person the vendor already has: adopt (look up, record, status adopted), skip, or fail")
	fl.IntVar(&f.submit.Breaker, "breaker", submit.DefaultBreaker, "stop sending after this many rows in a row fail the same way, not about the row (0: off)")
	fl.IntVar(&f.submit.MaxCreates, "max-creates", 0, "stop sending once this many people are created (0: no limit)")
	fl.IntVar(&f.submit.MaxFailures, "max-failures", 0, "stop sending once this many rows failed or ended unknown (0: no limit)")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

func runRoster(cmd *cobra.Command, f *runFlags, path string) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	// Before anything is opened, written or started.
	if err := f.check(); err != nil {
		return fatal(err)
	}
	if f.submit.Retries == 0 {
		f.submit.Retries = -1 // the flag's 0 means none; submit's 0 means default
	}
	if f.submit.Breaker == 0 {
		f.submit.Breaker = -1 // likewise: the flag's 0 is off
	}
	src, err := f.in.open(path)
	if err != nil {
		return err
	}
	defer src.reader.Close()
	reg := src.reg

	cfg := providers.Config{BaseURL: f.baseURL}
	if f.simulate {
		s := reg.Simulator(sim.Options{})
		srv := httptest.NewServer(s.Handler)
		defer srv.Close()
		cfg.BaseURL, cfg.Credentials = srv.URL, s.Credentials
		fmt.Fprintf(stderr, "simulating %s at %s\n", reg.ID, srv.URL)
	} else {
		if cfg.Credentials, err = loadCredentials(f.config, reg.Credentials); err != nil {
			return fatal(err)
		}
		if cfg.BaseURL == "" {
			cfg.BaseURL = reg.DefaultBaseURL
		}
	}
	client, err := reg.New(cfg)
	if err != nil {
		return fatal(fmt.Errorf("%s: %w", reg.ID, err))
	}

	sum := batch.NewSummary("run", reg.ID, path)
	sum.Warnings = src.mapper.Warnings()
	warn(stderr, sum.Warnings)
	sum.Settings = settings(f, cfg.BaseURL)

	// Order: the state store (a run already using it stops us before any
	// output exists), then the outputs, then the run record, so that no
	// failure here leaves a half-written file or a run marked running.
	opt := batch.RunOptions{Submit: f.submit}
	var hash string
	if !f.noState {
		st, err := state.Open(f.stateFile, state.Options{})
		if err != nil {
			return fatal(err)
		}
		defer st.Close()
		if hash, err = state.HashFile(path); err != nil {
			return fatal(err)
		}
		opt.State = st
		opt.Scope = state.Scope{Provider: reg.ID, BaseURL: cfg.BaseURL}
		if reg.Tenant != nil {
			opt.Scope.Tenant = reg.Tenant(cfg)
		}
	}
	sinks, err := openSinks(f, src)
	if err != nil {
		return fatal(err)
	}
	if opt.State != nil {
		if opt.RunID, err = opt.State.BeginRun(path, hash, opt.Scope); err != nil {
			_ = sinks.Close(sum)
			return fatal(err)
		}
	}

	prog := newProgress(stderr, f.quiet, "onboarding", path)
	opt.Progress = prog.update
	runErr := batch.Run(ctx, src.reader, reg.Schema, src.mapper, client, sinks, sum, opt)
	prog.finish()
	if err := sinks.Close(sum); err != nil {
		return fatal(fmt.Errorf("write results: %w", err))
	}
	if opt.State != nil {
		status := state.RunDone
		if runErr != nil || ctx.Err() != nil {
			status = state.RunInterrupted
		}
		if err := opt.State.EndRun(opt.RunID, counts4state(sum), status); err != nil {
			fmt.Fprintln(stderr, "warning: state store:", err)
		}
	}
	fmt.Fprintln(stderr, reports.SummaryLine(sum))
	return runExit(ctx, sum, runErr)
}

// check refuses flag values that make no sense, naming the flag.
func (f *runFlags) check() error {
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
		return &exitError{code: exitInterrupted, err: errors.New("interrupted; results written")}
	}
	for st, n := range sum.ByStatus {
		if n > 0 && st != batch.Created && st != batch.Skipped && st != batch.Adopted {
			return &exitError{code: exitSomeFailed}
		}
	}
	return nil
}

func counts4state(s *batch.Summary) state.Counts {
	return state.Counts{Rows: s.RowsRead, Created: s.ByStatus[batch.Created], Skipped: s.ByStatus[batch.Skipped],
		Invalid: s.ByStatus[batch.Invalid], Failed: s.ByStatus[batch.Failed], NotAttempted: s.ByStatus[batch.NotAttempted],
		Recovered: s.Recovered}
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
		"state": f.stateFile, "mapping": f.in.mapping,
		"existing": cmp.Or(f.existing, "adopt"), "breaker": strconv.Itoa(max(f.submit.Breaker, 0)),
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
	var errs []error
	for _, s := range m {
		errs = append(errs, s.Close(sum))
	}
	return errors.Join(errs...)
}

func openSinks(f *runFlags, src *input) (multiSink, error) {
	res, err := reports.NewResults(f.out, src.mapper.Header())
	if err != nil {
		return nil, err
	}
	sinks := multiSink{res}
	if f.failedOut != "" {
		// Mirror the input: its delimiter when it was a CSV.
		comma := ','
		if d, ok := src.reader.(interface{ Delimiter() rune }); ok {
			comma = d.Delimiter()
		}
		fo, err := reports.NewFailedOut(f.failedOut, src.mapper.Header(), reports.FailedOutOptions{Delimiter: comma})
		if err != nil {
			_ = res.Close(batch.NewSummary("run", "", ""))
			return nil, err
		}
		sinks = append(sinks, fo)
	}
	return sinks, nil
}
