package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/reports"
	"github.com/onboard/onboard/reports/outfile"
)

type watchFlags struct {
	run       runFlags
	dir       string
	once      bool
	settle    time.Duration
	format    string
	rerunSame bool
	log       string
	notifyURL string
	group     string // --group: outputs readable by this group too
	inboxAs   string // --inbox-as: the inbox as its users reach it, for the webhook
}

func newWatchCmd() *cobra.Command {
	var w watchFlags
	cmd := &cobra.Command{
		Use:   "watch --inbox DIR -p PROVIDER [run flags] [--once] [--settle 30s]",
		Short: "Run every roster dropped into a folder, once, and report each as a JSON line",
		Long: `watch takes each complete file dropped into --inbox (its size and modification
time unchanged for --settle, or a NAME.done file beside it), moves it into
processing/, runs it exactly as 'onboard run' would, and moves it to archive/
(the run finished) or failed/ (it could not run, or stopped early: bad
credentials, licences used up, the breaker). Results sheets and fix files go
to results/, named after the input and the run's start time. Each file's
outcome is one JSON line on stdout (and in --log); with a webhook URL (the
ONBOARD_NOTIFY_URL environment variable or config key) it is also posted as
a message Slack and Teams show.

Names starting with "." or ending in .tmp, .part or .filepart are left until
renamed. A file found in processing/ at start-up was interrupted and is run
first; the state store makes that safe. A file with the same content as the
last finished run of its scope is archived without a run (--rerun-same runs
it). One watcher per inbox. --once processes what is there and exits: 0 when
every run finished with nothing failed and no new invalid rows, 1 otherwise.
Without --once it runs until SIGTERM or Ctrl-C, then lets the current file's
requests in flight finish, writes its results and exits.`,
		Example: `  onboard watch --inbox /srv/drop -p smartapp --state /srv/onboard/state.db --once
  ONBOARD_NOTIFY_URL=https://hooks.slack.com/services/... onboard watch --inbox /srv/drop -p smartapp --log /var/log/onboard.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return watch(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), &w)
		},
	}
	w.run.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&w.dir, "inbox", "", "folder the roster files are dropped into")
	fl.BoolVar(&w.once, "once", false, "process the files there now and exit (cron, CI)")
	fl.DurationVar(&w.settle, "settle", 30*time.Second, "a file is complete when its size and time have not changed for this long")
	fl.StringVar(&w.format, "format", "xlsx", "results sheet format: xlsx or csv")
	fl.BoolVar(&w.rerunSame, "rerun-same", false, "run a file even when its content is the same as the last finished run's")
	fl.StringVar(&w.log, "log", "", "also append each file's JSON line to this file")
	fl.StringVar(&w.notifyURL, "notify-url", "", "webhook to post each file's report to (a secret: prefer ONBOARD_NOTIFY_URL, since arguments show in ps)")
	fl.StringVar(&w.group, "group", "", "make the inbox's folders (0750) and outputs (0640) readable by this group too, e.g. hr (never by everyone)")
	fl.StringVar(&w.inboxAs, "inbox-as", "", `the inbox as its users reach it, e.g. \\files\hr\drop or S:\Onboarding: the webhook names files under it (default: relative to the inbox, results/NAME.xlsx)`)
	_ = cmd.MarkFlagRequired("inbox")
	return cmd
}

// watcher is one watch command at work.
type watcher struct {
	w      *watchFlags
	box    *inbox.Inbox
	group  *shareGroup
	stdout io.Writer
	stderr io.Writer
	log    *os.File
	notify *notifier
	bad    bool // a file failed, or had failed or new invalid rows (--once exits 1)
	cut    bool // a run was interrupted (exit 130)
}

// tick is how often the inbox is scanned again: events are the fast path,
// the scan the safety net (network shares drop events) and the settle clock.
func tick(settle time.Duration) time.Duration {
	return min(max(settle/4, 20*time.Millisecond), 2*time.Second)
}

func watch(ctx context.Context, stdout, stderr io.Writer, w *watchFlags) error {
	if w.format != "xlsx" && w.format != "csv" {
		return fatal(fmt.Errorf("--format %q: use xlsx or csv", w.format))
	}
	if err := w.run.check(); err != nil {
		return fatal(err)
	}
	if w.settle < 0 {
		return fatal(fmt.Errorf("--settle %s: must not be negative", w.settle))
	}
	if w.notifyURL != "" {
		fmt.Fprintln(stderr, "warning: --notify-url shows in ps and shell history; set ONBOARD_NOTIFY_URL or put it in the --config file")
	}
	hook, err := notifyURL(w.notifyURL, w.run.config)
	if err != nil {
		return fatal(err)
	}
	group, err := lookupGroup(w.group)
	if err != nil {
		return fatal(err)
	}
	box, err := inbox.Open(w.dir)
	if err != nil {
		return fatal(err)
	}
	defer box.Close()
	box.Notice = func(msg string) { fmt.Fprintln(stderr, "onboard watch:", msg) }
	for _, sub := range []string{inbox.Processing, inbox.Archive, inbox.Failed, inbox.Results} {
		if err := group.dir(filepath.Join(w.dir, sub)); err != nil {
			return fatal(err)
		}
	}
	wr := &watcher{w: w, box: box, group: group, stdout: stdout, stderr: stderr}
	if w.log != "" {
		if wr.log, err = os.OpenFile(w.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			return fatal(fmt.Errorf("--log: %w", err))
		}
		defer wr.log.Close()
	}
	if hook != "" {
		wr.notify = newNotifier(hook, stderr)
		defer wr.notify.close(30 * time.Second)
	}
	// Waiting for the state store is normal here: a hand-run 'onboard run'
	// may hold it. Ctrl-C ends the wait.
	w.run.stateWait = 24 * time.Hour
	if !w.rerunSame {
		w.run.skipSame = sameAsLastRun
	}

	// Interrupted files first: they were taken, so they are complete.
	left, err := box.Interrupted()
	if err != nil {
		return fatal(err)
	}
	for _, name := range left {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stderr, "onboard watch: %s was interrupted; running it again first\n", name)
		if err := wr.process(ctx, box.Path(inbox.Processing, name), box.Path("", name)); err != nil {
			return err
		}
	}
	if wr.cut {
		return wr.stopped()
	}

	var events <-chan fsnotify.Event
	if !w.once {
		fw, err := fsnotify.NewWatcher()
		if err == nil {
			err = fw.Add(w.dir)
		}
		if err != nil {
			fmt.Fprintf(stderr, "onboard watch: no file events (%v); scanning every %s\n", err, tick(w.settle))
		} else {
			defer fw.Close()
			events = fw.Events
			go func() { // errors only slow us down to the scan
				for err := range fw.Errors {
					fmt.Fprintln(stderr, "onboard watch: file events:", err)
				}
			}()
		}
		fmt.Fprintf(stderr, "onboard watch: watching %s (settle %s)\n", w.dir, w.settle)
	}

	// --once waits for files still being written, but not forever.
	deadline := time.Now().Add(10*w.settle + time.Minute)
	t := time.NewTicker(tick(w.settle))
	defer t.Stop()
	for {
		ready, pending, err := box.Scan(time.Now(), w.settle)
		if err != nil {
			return fatal(err)
		}
		for _, name := range ready {
			if ctx.Err() != nil {
				break
			}
			src, err := box.Take(name)
			if err != nil {
				fmt.Fprintln(stderr, "onboard watch:", err)
				continue
			}
			if err := wr.process(ctx, src, box.Path("", name)); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			return wr.stopped()
		}
		if w.once && len(ready) == 0 {
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(stderr, "onboard watch: %d files still being written; left for the next run\n", pending)
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-events:
		}
	}
	if wr.bad {
		return &exitError{code: exitSomeFailed}
	}
	return nil
}

// stopped is the exit after Ctrl-C or SIGTERM: 0 when it came between
// files, 130 when it cut a run short.
func (wr *watcher) stopped() error {
	if wr.cut {
		return &exitError{code: exitInterrupted, err: errors.New("watch stopped; the interrupted file is in processing/ and runs first next time")}
	}
	return nil
}

// sameAsLastRun skips a file whose content the scope's last finished run
// had already.
func sameAsLastRun(st *state.Store, fr *fileRun) (bool, error) {
	last, ok, err := st.LastDone(fr.scope)
	if err != nil {
		return false, fatal(err)
	}
	if ok && last.FileHash == fr.hash {
		fr.same = &last
		return true, nil
	}
	return false, nil
}

// process runs one file from processing/ and files it away. name is the
// path the file had in the inbox, for the report. Only an error of the
// watcher itself (a move that fails) is returned: a file's own errors are
// in its report.
func (wr *watcher) process(ctx context.Context, src, name string) error {
	f := wr.w.run // a copy: the outputs are this file's
	start := time.Now().UTC()
	base := filepath.Base(src)
	suffix := "-" + start.Format("20060102T150405Z")
	var err error
	if f.out, err = wr.box.Free(inbox.Results, base, suffix, "."+wr.w.format); err != nil {
		return fatal(err)
	}
	fixExt := strings.ToLower(filepath.Ext(base))
	if fixExt != ".xlsx" && fixExt != ".csv" && fixExt != ".tsv" && fixExt != ".txt" {
		fixExt = ".csv"
	}
	if f.failedOut, err = wr.box.Free(inbox.Results, base, suffix+"-fix", fixExt); err != nil {
		return fatal(err)
	}
	f.recordAs = name
	fr, runErr := runFile(ctx, wr.stderr, &f, src)
	r := fr.report(&f, src, runErr)
	r.File = name
	if errors.Is(runErr, state.ErrNotThisFile) {
		// The state store is refused (moved, emptied, a stale -wal): every
		// next file would be too. Stop; this one waits in processing/.
		r.Archived = src
		r.Next = "put the state store right as the error says; this file is in processing/ and runs first when watch starts again"
		wr.emit(r)
		return runErr
	}
	if fr != nil && fr.same != nil {
		r.Status, r.Results, r.FixFile = "same_file", "", ""
		r.Next = fmt.Sprintf("nothing: the same content as run %d on %s; --rerun-same runs it anyway",
			fr.same.ID, fr.same.Started.Local().Format(time.DateTime))
		fmt.Fprintf(wr.stderr, "onboard watch: %s: same content as run %d; archived without a run\n", name, fr.same.ID)
	}

	switch {
	case fr != nil && fr.sum.Stop == state.RunInterrupted && ctx.Err() != nil:
		// Left in processing/: the next start runs it again first.
		r.Archived = src
		wr.bad, wr.cut = true, true
	case fr == nil || (fr.sum.Stop != state.RunDone && fr.sum.Stop != ""):
		if r.Archived, err = wr.box.Finish(src, inbox.Failed); err != nil {
			return fatal(err)
		}
		wr.bad = true
		if fr == nil {
			r.Start = start
			r.Next = "fix what the error names (the file, the mapping or the credentials), then move the file from failed/ back into the inbox"
		} else {
			r.Next += "; the file is in failed/: move it back into the inbox to run it again"
		}
	default:
		if r.Archived, err = wr.box.Finish(src, inbox.Archive); err != nil {
			return fatal(err)
		}
		if fr.same == nil && runExitCode(runErr, r) != exitOK {
			wr.bad = true
		}
	}
	if runErr != nil {
		var ee *exitError
		if errors.As(runErr, &ee) && ee.err != nil {
			fmt.Fprintf(wr.stderr, "onboard watch: %s: %v\n", name, ee.err)
		}
	}
	shared := []string{f.out, f.failedOut}
	if strings.EqualFold(filepath.Ext(f.out), ".csv") {
		shared = append(shared, reports.MissingPath(f.out))
	}
	if filepath.Base(filepath.Dir(r.Archived)) == inbox.Failed {
		note, err := wr.failedNote(r, src)
		if err != nil {
			fmt.Fprintf(wr.stderr, "onboard watch: %s: %v\n", name, err)
		} else {
			fmt.Fprintf(wr.stderr, "onboard watch: %s: moved to %s; why, and what to do: %s\n", name, r.Archived, note)
			shared = append(shared, note)
		}
	}
	if r.Archived != src { // the input, once filed away (not left in processing/)
		shared = append(shared, r.Archived)
	}
	for _, p := range shared {
		if err := wr.group.file(p); err != nil {
			fmt.Fprintf(wr.stderr, "onboard watch: %v\n", err)
		}
	}
	wr.emit(r)
	return nil
}

// failedNote writes failed/NAME.error.txt beside a file moved to failed/:
// why it did not run through and the next step, for whoever looks in the
// folder (they may never see the JSON line or the webhook). A newer
// failure of the same name replaces it.
func (wr *watcher) failedNote(r *reports.Report, src string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "onboard could not finish %s (%s, moved here %s UTC).\n\n", filepath.Base(r.File), r.Provider, r.End.UTC().Format(time.DateTime))
	// The error names the file where it was read, processing/NAME, which
	// is gone from there: the person knows it by its name.
	why := strings.ReplaceAll(r.Error, src, filepath.Base(src))
	if why == "" {
		why = "the run stopped early: " + r.Status
	}
	fmt.Fprintf(&b, "Why: %s\n", why)
	if r.Next != "" {
		fmt.Fprintf(&b, "Next step: %s\n", r.Next)
	}
	for _, f := range []struct{ what, path string }{{"Results", r.Results}, {"Fix file", r.FixFile}} {
		if f.path != "" {
			fmt.Fprintf(&b, "%s: %s\n", f.what, wr.seenAs(f.path))
		}
	}
	path := r.Archived + inbox.ErrorSuffix
	return path, outfile.WriteFile(path, []byte(b.String()))
}

// seenAs is path as the inbox's users see it: under --inbox-as, or
// relative to the inbox (results/NAME.xlsx). A path outside the inbox
// stays as it is.
func (wr *watcher) seenAs(path string) string {
	if path == "" {
		return ""
	}
	rel, err := filepath.Rel(wr.w.dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	prefix := wr.w.inboxAs
	if prefix == "" {
		return filepath.ToSlash(rel)
	}
	sep := "/"
	if strings.Contains(prefix, `\`) && !strings.Contains(prefix, "/") {
		sep = `\` // a Windows share or drive: S:\Onboarding\results\NAME.xlsx
	}
	return strings.TrimRight(prefix, sep) + sep + strings.ReplaceAll(filepath.ToSlash(rel), "/", sep)
}

// runExitCode is --once's view of a finished run: failed rows count, and
// invalid rows only when they are new since the scope's previous run.
func runExitCode(runErr error, r *reports.Report) int {
	for st, n := range r.Counts {
		if n > 0 && st != "created" && st != "skipped" && st != "invalid" && st != "adopted" {
			return exitSomeFailed
		}
	}
	if r.NewInvalid != nil {
		if *r.NewInvalid > 0 {
			return exitSomeFailed
		}
		return exitOK
	}
	if r.Counts["invalid"] > 0 || runErr != nil {
		return exitSomeFailed
	}
	return exitOK
}

// emit writes a file's report line to stdout and the log, and posts it.
func (wr *watcher) emit(r *reports.Report) {
	if err := printReport(wr.stdout, r); err != nil {
		fmt.Fprintln(wr.stderr, "onboard watch: stdout:", err)
	}
	if wr.log != nil {
		if err := printReport(wr.log, r); err != nil {
			fmt.Fprintln(wr.stderr, "onboard watch: --log:", err)
		}
	}
	if wr.notify != nil {
		// The webhook is read by the inbox's users: its paths are theirs,
		// not the service's (/srv/onboard/inbox/...).
		c := *r
		c.File, c.Results, c.FixFile, c.Archived = wr.seenAs(r.File), wr.seenAs(r.Results), wr.seenAs(r.FixFile), wr.seenAs(r.Archived)
		wr.notify.send(&c)
	}
}
