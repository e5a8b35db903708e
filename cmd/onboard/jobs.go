package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/reports"
	"github.com/onboard/onboard/reports/outfile"
)

// isPostgres reports whether a --state value names a PostgreSQL database.
func isPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// jobsDatabase is the job queue's connection string: spec (the state
// store, from stateSpec) when it is a postgres:// URL, else ONBOARD_STATE
// from the environment or the --config file (a run or worker whose ledger
// is a file of its own).
func jobsDatabase(spec, config string) (string, error) {
	if isPostgres(spec) {
		return spec, nil
	}
	u, err := configuredState(config)
	if err != nil {
		return "", err
	}
	if isPostgres(u) {
		return u, nil
	}
	return "", fmt.Errorf("no job queue: give --state postgres://HOST/DB, or set %s to one in the environment or the --config file", stateEnv)
}

// openJobs opens the queue the flags name.
func openJobs(ctx context.Context, state, config string) (*jobs.Store, error) {
	u, err := jobsDatabase(state, config)
	if err != nil {
		return nil, err
	}
	oc, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := jobs.Open(oc, u)
	if err != nil {
		// pgx lists every address tried on lines of their own: one line.
		return nil, fmt.Errorf("%s (check the connection string in --state or %s)", strings.Join(strings.Fields(err.Error()), " "), stateEnv)
	}
	return st, nil
}

// enqueueRoster is `onboard run --queue`: the roster, its mapping and the
// run's options become a job any `onboard worker` can take. Nothing is
// sent and no output is written here.
func enqueueRoster(cmd *cobra.Command, f *runFlags, path string) error {
	if err := checkQueued(f); err != nil {
		return err
	}
	if ext := strings.ToLower(filepath.Ext(f.out)); ext != ".xlsx" && ext != ".csv" {
		return fatal(fmt.Errorf("%s: unsupported output format (use .xlsx or .csv)", f.out))
	}
	ctx := cmd.Context()
	args, in, attempts, err := rosterJob(ctx, f, path)
	if err != nil {
		return err
	}
	st, err := openJobs(ctx, f.stateFile, f.config)
	if err != nil {
		return fatal(err)
	}
	defer st.Close()
	id, err := st.Enqueue(ctx, args, in, attempts)
	if err != nil {
		return fatal(err)
	}
	if f.json {
		b, _ := json.Marshal(map[string]any{"job": id, "file": args.File, "provider": args.Vendor, "status": "queued"})
		fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "queued job %d: %s for %s; an 'onboard worker' runs it. See it with 'onboard jobs', download its results with 'onboard jobs get %d'\n",
		id, args.File, args.Vendor, id)
	return nil
}

// checkQueued refuses the run flags a job must not carry (run --queue,
// watch --queue): the worker's own configuration says where credentials
// go and whom to tell.
func checkQueued(f *runFlags) error {
	switch {
	case f.baseURL != "":
		return fatal(errors.New("--base-url with --queue: the worker's own --base-url or configuration says where its credentials go"))
	case f.insecure:
		return fatal(errors.New("--insecure-http with --queue: give it to the worker"))
	case f.notify:
		return fatal(errors.New("--notify with --queue: not yet; read the job's report with 'onboard jobs'"))
	}
	if err := f.check(); err != nil {
		return fatal(err)
	}
	return nil
}

// rosterJob reads the roster at path and its mapping into a job: a bad
// file or mapping is refused now, not on a worker at night. attempts is
// how often a worker may run it.
func rosterJob(ctx context.Context, f *runFlags, path string) (args jobs.Args, in []jobs.File, attempts int, err error) {
	src, err := f.in.open(ctx, path)
	if err != nil {
		return args, nil, 0, err
	}
	src.reader.Close()
	roster, err := os.ReadFile(path)
	if err != nil {
		return args, nil, 0, fatal(fmt.Errorf("read %s: %w", path, err))
	}
	file := filepath.Base(path)
	if f.recordAs != "" {
		file = filepath.Base(f.recordAs)
	}
	in = []jobs.File{{Name: file, Data: roster}}
	args = jobs.Args{File: file, Vendor: src.reg.ID, Output: filepath.Base(f.out), Who: whoAmI(),
		Options: jobs.Options{Sheet: f.in.sheet, Delimiter: f.in.delimiter, Encoding: f.in.encoding, HeaderRow: f.in.headerRow,
			Simulate: f.simulate, NoState: f.noState, NoBOM: f.noBOM, Update: f.update, Partial: f.partial, Existing: f.existing,
			Timeout: f.timeout, Rate: f.submit.Rate, Burst: f.submit.Burst, Workers: f.submit.Workers, Retries: f.submit.Retries,
			Breaker: f.submit.Breaker, MaxCreates: f.submit.MaxCreates, MaxFailures: f.submit.MaxFailures}}
	if f.failedOut != "" {
		args.FailedOut = filepath.Base(f.failedOut)
	}
	if f.in.mapping != "" {
		m, err := os.ReadFile(f.in.mapping)
		if err != nil {
			return args, nil, 0, fatal(fmt.Errorf("read %s: %w", f.in.mapping, err))
		}
		args.Mapping = "mapping-" + filepath.Base(f.in.mapping) // never the roster's name
		in = append(in, jobs.File{Name: args.Mapping, Data: m})
	}
	attempts = 3
	if f.noState {
		attempts = 1 // without a ledger a second attempt would create people twice
	}
	return args, in, attempts, nil
}

// whoAmI is user@host, for the list of jobs.
func whoAmI() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

type jobsFlags struct {
	storeFlags
	limit int
	out   string
	json  bool
}

func (f *jobsFlags) register(cmd *cobra.Command) {
	f.storeFlags.register(cmd, "the job queue: postgres://HOST/DB")
}

func newJobsCmd() *cobra.Command {
	var f jobsFlags
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List the queued runs and their outcomes (onboard run --queue, onboard worker)",
		Long: `jobs lists the runs queued with 'onboard run --queue', newest first: id, state,
who queued it, when, the file, the vendor and its counts. 'onboard jobs get ID'
downloads a job's results and fix file; 'onboard jobs cancel ID' cancels one.`,
		Example: `  ONBOARD_STATE=postgres://onboard@db.example.org/onboard onboard jobs
  onboard jobs get 42 -o ./job42
  onboard jobs cancel 42`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listJobs(cmd, &f) },
	}
	f.register(cmd)
	cmd.Flags().IntVarP(&f.limit, "limit", "n", 50, "at most this many jobs")
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON line per job")

	var g jobsFlags
	get := &cobra.Command{
		Use:   "get ID [-o DIR]",
		Short: "Download a job's results, fix file and report into DIR",
		Args:  oneJobID,
		RunE:  func(cmd *cobra.Command, args []string) error { return getJob(cmd, &g, args[0]) },
	}
	g.register(get)
	get.Flags().StringVarP(&g.out, "output", "o", ".", "folder to write the files into (created if missing)")

	var c jobsFlags
	cancel := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a job: a queued one never runs, a running one stops softly and keeps its results",
		Args:  oneJobID,
		RunE:  func(cmd *cobra.Command, args []string) error { return cancelJob(cmd, &c, args[0]) },
	}
	c.register(cancel)
	cmd.AddCommand(get, cancel)
	return cmd
}

// oneJobID is the argument check of jobs get and jobs cancel.
func oneJobID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef(cmd, "want one argument, the job's ID (as 'onboard jobs' lists it), got %d", len(args))
	}
	return nil
}

func parseJobID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fatal(fmt.Errorf("job %q: want the number 'onboard jobs' lists", s))
	}
	return id, nil
}

// queuedJobView is a queued job as the list shows it.
type queuedJobView struct {
	ID       int64          `json:"id"`
	State    string         `json:"state"`
	Who      string         `json:"who"`
	Queued   time.Time      `json:"queued"`
	Finished *time.Time     `json:"finished,omitempty"`
	File     string         `json:"file"`
	Vendor   string         `json:"provider"`
	Worker   string         `json:"worker,omitempty"`
	Attempt  int            `json:"attempt"`
	Counts   map[string]int `json:"counts,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// viewJob tells a job's state in onboard's words: River's "completed" is
// the run's own status (done, or the early stop), a job ended without a
// retry because of its file or options is "failed", not "cancelled".
func viewJob(j *jobs.Job) queuedJobView {
	v := queuedJobView{ID: j.ID, State: j.State, Who: j.Args.Who, Queued: j.Created, Finished: j.Finished, File: j.Args.File,
		Vendor: j.Args.Vendor, Attempt: j.Attempt, Error: j.LastError}
	if n := len(j.By); n > 0 {
		v.Worker = j.By[n-1]
	}
	var r reports.Report
	if len(j.Report) > 0 && json.Unmarshal(j.Report, &r) == nil {
		v.Counts = r.Counts
		switch {
		case j.State == "completed":
			v.State = r.Status
		case j.State == "cancelled" && r.Status == "failed":
			v.State = "failed"
		}
		if r.Error != "" {
			v.Error = r.Error
		}
	}
	if j.State == "retryable" {
		v.State = "retrying"
	}
	return v
}

func jobCounts(c map[string]int) string {
	var parts []string
	for _, k := range []string{"created", "adopted", "updated", "skipped", "invalid", "failed", "conflict", "not_attempted"} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	return strings.Join(parts, ", ")
}

func listJobs(cmd *cobra.Command, f *jobsFlags) error {
	if f.limit < 1 {
		return fatal(fmt.Errorf("--limit %d: want 1 or more", f.limit))
	}
	if err := f.resolve(cmd); err != nil {
		return err
	}
	st, err := openJobs(cmd.Context(), f.state, f.config)
	if err != nil {
		return fatal(err)
	}
	defer st.Close()
	list, err := st.List(cmd.Context(), f.limit)
	if err != nil {
		return fatal(err)
	}
	w := cmd.OutOrStdout()
	if f.json {
		for _, j := range list {
			b, _ := json.Marshal(viewJob(j))
			fmt.Fprintf(w, "%s\n", b)
		}
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no jobs: queue one with 'onboard run --queue'")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tWHO\tQUEUED\tFILE\tVENDOR\tCOUNTS")
	for _, j := range list {
		v := viewJob(j)
		counts := jobCounts(v.Counts)
		if v.Error != "" && v.State != "done" {
			counts = strings.TrimPrefix(counts+"; "+v.Error, "; ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.State, v.Who, v.Queued.Local().Format("2006-01-02 15:04"),
			v.File, v.Vendor, counts)
	}
	return tw.Flush()
}

// openFor is the job ID arg and the queue the flags name, for a command
// about one job.
func (f *jobsFlags) openFor(cmd *cobra.Command, arg string) (int64, *jobs.Store, error) {
	id, err := parseJobID(arg)
	if err != nil {
		return 0, nil, err
	}
	if err := f.resolve(cmd); err != nil {
		return 0, nil, err
	}
	st, err := openJobs(cmd.Context(), f.state, f.config)
	if err != nil {
		return 0, nil, fatal(err)
	}
	return id, st, nil
}

func getJob(cmd *cobra.Command, f *jobsFlags, arg string) error {
	id, st, err := f.openFor(cmd, arg)
	if err != nil {
		return err
	}
	defer st.Close()
	j, err := st.Get(cmd.Context(), id)
	if err != nil {
		return fatal(err)
	}
	files, err := st.Files(cmd.Context(), id, "out")
	if err != nil {
		return fatal(err)
	}
	v := viewJob(j)
	if len(files) == 0 {
		return fatal(fmt.Errorf("job %d is %s: no results yet", id, v.State))
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fatal(err)
	}
	for _, file := range files {
		p := filepath.Join(f.out, filepath.Base(file.Name))
		if err := writeFileAtomic(p, file.Data); err != nil {
			return fatal(fmt.Errorf("job %d: %w", id, err))
		}
		fmt.Fprintln(cmd.OutOrStdout(), p)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "job %d: %s", id, v.State)
	if c := jobCounts(v.Counts); c != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), ": %s", c)
	}
	fmt.Fprintln(cmd.ErrOrStderr())
	return nil
}

// writeFileAtomic writes whole or not at all, as every output.
func writeFileAtomic(path string, data []byte) error {
	return outfile.WriteTo(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func cancelJob(cmd *cobra.Command, f *jobsFlags, arg string) error {
	id, st, err := f.openFor(cmd, arg)
	if err != nil {
		return err
	}
	defer st.Close()
	j, err := st.Cancel(cmd.Context(), id)
	if err != nil {
		return fatal(err)
	}
	v := viewJob(j)
	switch j.State {
	case "cancelled":
		fmt.Fprintf(cmd.OutOrStdout(), "job %d cancelled\n", id)
	case "running":
		fmt.Fprintf(cmd.OutOrStdout(), "job %d: its worker is told to stop; it writes and keeps the results so far\n", id)
	default:
		fmt.Fprintf(cmd.OutOrStdout(), "job %d had ended (%s): nothing to cancel\n", id, v.State)
	}
	return nil
}
