package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/batch/metrics"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
)

type workerFlags struct {
	stateFile   string
	config      string
	baseURL     string
	insecure    bool
	metrics     string
	concurrency int
	jobTimeout  time.Duration
	rescueAfter time.Duration
}

func newWorkerCmd() *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker [--state postgres://HOST/DB] [--metrics ADDR]",
		Short: "Run the jobs queued with 'onboard run --queue', on this machine (any number of workers, on any machines)",
		Long: `worker takes the runs queued with 'onboard run --queue' from the job queue in
PostgreSQL and runs each exactly as 'onboard run' would, storing its results,
fix file and report with the job ('onboard jobs get ID'). Start as many as you
like, on as many machines: each job runs on one of them. Credentials and the
vendor host are the worker's own (environment or --config), never the job's.

The queue is --state postgres://HOST/DB, or ONBOARD_STATE in the environment
or the --config file (a password only there, or in PGPASSWORD / ~/.pgpass).

A job whose worker dies is run again by another once --job-timeout and a
margin have passed since it started; a run longer than --job-timeout stops,
keeps its results and is retried; the ledger makes a re-run skip whoever was
created. SIGINT or SIGTERM stops softly: runs in flight write their results
and their jobs go back to the queue at once, the attempt not counted.`,
		Example: `  ONBOARD_STATE=postgres://onboard@db.example.org/onboard ONBOARD_TOKEN=... onboard worker --state /var/lib/onboard/ledger.db --metrics 9464`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runWorker(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stateFile, "state", defaultStateFile, "the job queue and the ledger of its runs: postgres://HOST/DB (a file: the ledger only, the queue in "+stateEnv+")"+stateFlagHelp)
	fl.StringVar(&f.config, "config", "", "credentials file of KEY=VALUE lines, "+stateEnv+" too (the environment wins)")
	fl.StringVar(&f.baseURL, "base-url", "", "vendor host for every job (default: the vendor's production host, or its base-URL variable)")
	fl.BoolVar(&f.insecure, "insecure-http", false, "allow a plain http:// --base-url to a host that is not this machine (credentials travel unencrypted)")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics; a bare port listens on loopback only (default: off)")
	fl.IntVar(&f.concurrency, "jobs", 1, "jobs this worker runs at once (each with its own --workers requests in flight)")
	fl.DurationVar(&f.jobTimeout, "job-timeout", 2*time.Hour, "a run taking longer stops, keeps its results and is retried; a dead worker's job is run again a margin after this")
	fl.DurationVar(&f.rescueAfter, "rescue-after", 0, "a job still running this long after it started is taken as its worker's death and run again (default: --job-timeout plus a tenth, at most 10m more)")
	_ = fl.MarkHidden("rescue-after")
	return cmd
}

// metricsAddr is where --metrics listens: a bare port is loopback.
func metricsAddr(s string) string {
	if !strings.Contains(s, ":") {
		return "127.0.0.1:" + s
	}
	if strings.HasPrefix(s, ":") {
		return "127.0.0.1" + s
	}
	return s
}

func runWorker(cmd *cobra.Command, f *workerFlags) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	switch {
	case f.concurrency < 1:
		return fatal(fmt.Errorf("--jobs %d: want 1 or more", f.concurrency))
	case f.jobTimeout <= 0:
		return fatal(fmt.Errorf("--job-timeout %s: want more than 0", f.jobTimeout))
	case f.rescueAfter != 0 && f.rescueAfter <= f.jobTimeout:
		return fatal(fmt.Errorf("--rescue-after %s: want more than --job-timeout %s", f.rescueAfter, f.jobTimeout))
	}
	// The ledger is the queue's database (the normal case: a job rescued
	// on another machine skips whom the dead worker created, and looks up
	// whom it left maybe sent), or a file of this worker's own.
	var err error
	if f.stateFile, err = stateSpec(f.stateFile, cmd.Flags().Changed("state"), f.config); err != nil {
		return fatal(err)
	}
	if f.baseURL != "" {
		if err := providers.CheckBaseURL(f.baseURL, f.insecure); err != nil {
			return fatal(err)
		}
	}
	st, err := openJobs(ctx, f.stateFile, f.config)
	if err != nil {
		return fatal(err)
	}
	defer st.Close()
	m := metrics.New()
	if f.metrics != "" {
		ln, err := net.Listen("tcp", metricsAddr(f.metrics))
		if err != nil {
			return fatal(fmt.Errorf("--metrics %s: %w", f.metrics, err))
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", m.Handler())
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Close
		defer srv.Close()
		fmt.Fprintf(stderr, "metrics at http://%s/metrics\n", ln.Addr())
	}
	id := fmt.Sprintf("%s-%d-%x", whoAmI(), os.Getpid(), time.Now().UnixNano()&0xffffff)
	fmt.Fprintf(stderr, "worker %s: waiting for jobs (Ctrl-C stops)\n", id)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	err = st.Work(ctx, jobs.WorkerConfig{ID: id, Concurrency: f.concurrency, JobTimeout: f.jobTimeout, RescueAfter: f.rescueAfter,
		Logger: logger, Ended: m.Job},
		func(ctx context.Context, job *jobs.Job, in []jobs.File) ([]jobs.File, any, error) {
			return f.runJob(ctx, stderr, m, job, in)
		})
	if err != nil {
		return fatal(err)
	}
	return nil
}

// runJob runs one job exactly as 'onboard run' would run it by hand
// (runFile, the same pipeline), in a folder of its own, and returns the
// files it wrote and its report. The worker's flags give what the job
// never carries: the state store, the credentials and the vendor host.
func (wf *workerFlags) runJob(ctx context.Context, stderr io.Writer, m *metrics.Metrics, job *jobs.Job, in []jobs.File) ([]jobs.File, any, error) {
	a := job.Args
	dir, err := os.MkdirTemp("", fmt.Sprintf("onboard-job%d-", job.ID))
	if err != nil {
		return nil, nil, err // this machine, not the job: retried
	}
	defer os.RemoveAll(dir)
	inDir, outDir := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	for _, d := range []string{inDir, outDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, nil, err
		}
	}
	for _, file := range in {
		if n := filepath.Base(file.Name); n == "." || n == ".." || n == "/" {
			return nil, nil, jobs.Final(fmt.Errorf("job %d: a stored file named %q", job.ID, file.Name))
		}
		if err := os.WriteFile(filepath.Join(inDir, filepath.Base(file.Name)), file.Data, 0o600); err != nil {
			return nil, nil, err
		}
	}
	o := a.Options
	f := runFlags{
		in:        inputFlags{provider: a.Vendor, sheet: o.Sheet, delimiter: o.Delimiter, encoding: o.Encoding, headerRow: o.HeaderRow},
		out:       filepath.Join(outDir, filepath.Base(a.Output)),
		baseURL:   wf.baseURL,
		config:    wf.config,
		simulate:  o.Simulate,
		stateFile: wf.stateFile,
		noState:   o.NoState,
		quiet:     true,
		insecure:  wf.insecure,
		timeout:   o.Timeout,
		noBOM:     o.NoBOM,
		existing:  o.Existing,
		update:    o.Update,
		partial:   o.Partial,
		recordAs:  a.File,
		// Another run on the same ledger file (a second job of this
		// worker) is waited for, not refused.
		stateWait: wf.jobTimeout,
		submit: submit.Options{Rate: o.Rate, Burst: o.Burst, Workers: o.Workers, Retries: o.Retries, Breaker: o.Breaker,
			MaxCreates: o.MaxCreates, MaxFailures: o.MaxFailures},
	}
	if f.timeout == 0 {
		f.timeout = providers.DefaultTimeout
	}
	if a.Mapping != "" {
		f.in.mapping = filepath.Join(inDir, filepath.Base(a.Mapping))
	}
	if a.FailedOut != "" {
		f.failedOut = filepath.Join(outDir, filepath.Base(a.FailedOut))
	}
	var mu sync.Mutex // the takeover hook runs on the pipeline's goroutines
	tenant := a.Vendor
	f.observe = func(t string) submit.Observer {
		mu.Lock()
		tenant = t
		mu.Unlock()
		return m.Observer(t)
	}
	f.takeover = func(_ state.Scope, n int) {
		mu.Lock()
		t := tenant
		mu.Unlock()
		for range n {
			m.LeaseTakeover(t)
		}
	}
	fmt.Fprintf(stderr, "job %d: %s for %s (queued by %s, attempt %d)\n", job.ID, a.File, a.Vendor, a.Who, job.Attempt)
	var fr *fileRun
	runErr := f.check()
	if runErr != nil {
		runErr = fatal(runErr)
	} else {
		fr, runErr = runFile(ctx, stderr, &f, filepath.Join(inDir, filepath.Base(a.File)))
	}
	report := fr.report(&f, a.File, runErr)
	report.Results = filepath.Base(a.Output)
	if report.FixFile != "" {
		report.FixFile = filepath.Base(report.FixFile)
	}
	if report.MissingList != "" {
		report.MissingList = filepath.Base(report.MissingList)
	}
	if fr != nil {
		by := map[string]int{}
		for st, n := range fr.sum.ByStatus {
			by[string(st)] = n
		}
		m.People(tenant, by)
	}
	out, err := readOut(outDir)
	if err != nil {
		return nil, report, err
	}
	return out, report, jobError(fr, runErr, o.NoState)
}

// readOut reads every file the run wrote.
func readOut(dir string) ([]jobs.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []jobs.File
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, jobs.File{Name: e.Name(), Data: b})
	}
	return out, nil
}

// jobError says how a run's exit ends its job. A run that finished, even
// with failed rows, is done (its report counts them). A run that never
// began (bad file, mapping, flags, credentials) fails for good: the same
// file fails the same way. A run stopped midway (interrupted, the vendor
// down, an error writing) is retried, which the ledger makes safe: the
// re-run skips whoever was created. Without a state store nothing is
// retried: a re-run would create people twice.
func jobError(fr *fileRun, err error, noState bool) error {
	var ee *exitError
	if err == nil || (errors.As(err, &ee) && ee.code == exitSomeFailed) {
		return nil
	}
	if fr == nil || noState {
		return jobs.Final(err)
	}
	return err
}
