package main

import (
	"context"
	"errors"
	"fmt"
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
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

func runRoster(cmd *cobra.Command, f *runFlags, path string) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	if f.submit.Retries == 0 {
		f.submit.Retries = -1 // the flag's 0 means none; submit's 0 means default
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
	sum.Warnings = src.warnings()
	sum.HeaderRow = src.reader.HeaderRow()
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

// runExit maps a finished run to the documented exit codes.
func runExit(ctx context.Context, sum *batch.Summary, err error) error {
	var pe *providers.Error
	switch {
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
		if n > 0 && st != batch.Created && st != batch.Skipped {
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
