package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/batch/jobs"
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
	// missingAfter is how long the inbox stays quiet after a file before
	// the night's drop counts as complete and its missing people are
	// listed, once, over all of its files.
	missingAfter time.Duration
	queue        bool // --queue: each file becomes a job for 'onboard worker'
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
			var err error
			if w.run.stateFile, err = stateSpec(w.run.stateFile, cmd.Flags().Changed("state"), w.run.config); err != nil {
				return fatal(err)
			}
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
	fl.DurationVar(&w.missingAfter, "missing-after", 30*time.Minute, "the night's drop is complete once no file came for this long: then the people none of its files held are listed as missing, once (--once: when it exits)")
	fl.BoolVar(&w.queue, "queue", false, "enqueue each file as a job for 'onboard worker' (any number, any machine) instead of running it here: needs a job queue (--state postgres://… or "+stateEnv+"); its results stay with the job ('onboard jobs get ID')")
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
	night  *night
	jobs   *jobs.Store // --queue: where each file goes instead of a run here
}

// night is a watched night's drop: the files run since the inbox last went
// quiet. Their runs list nobody as missing; once the inbox has been quiet
// for --missing-after (or --once is done), the people that none of the
// night's files held are listed once, over the whole drop: six files of
// 250 people each are one roster of 1,500, not six rosters that each lack
// the others.
type night struct {
	after   time.Duration
	first   map[state.Scope]int64 // scope → the night's first run in it
	lastRun map[state.Scope]int64 // and its latest
	whole   map[state.Scope]bool  // a file of the night was a whole roster (not a fix file, not --partial)
	order   []state.Scope
	last    time.Time // when the latest file's run began
	start   time.Time
}

func newNight(after time.Duration) *night {
	return &night{after: after, first: map[state.Scope]int64{}, lastRun: map[state.Scope]int64{}, whole: map[state.Scope]bool{}}
}

// note is why a file's run lists no missing people.
func (n *night) note() string {
	return fmt.Sprintf("listed once the night's drop is complete (no new file for --missing-after %s), over all of its files", n.after)
}

// begin counts a file's run into the night; whole says it was a roster,
// not a fix file or a --partial file.
func (n *night) begin(sc state.Scope, runID int64, whole bool) {
	if len(n.first) == 0 {
		n.start = time.Now()
	}
	if _, ok := n.first[sc]; !ok {
		n.first[sc] = runID
		n.order = append(n.order, sc)
	}
	n.lastRun[sc] = runID
	n.whole[sc] = n.whole[sc] || whole
	n.last = time.Now()
}

// same counts into the night a file not run because its content is that
// of run runID: its people were seen by that run.
func (n *night) same(sc state.Scope, runID int64) {
	if first, ok := n.first[sc]; !ok || runID < first {
		n.begin(sc, runID, true)
		n.first[sc] = runID
	}
	n.lastRun[sc] = max(n.lastRun[sc], runID)
}

// open reports whether runs of the night wait for their missing list.
func (n *night) open() bool { return len(n.first) > 0 }

// closeNight lists, per scope, the people none of the night's files held,
// once: a file in results/ and one report line (kind "night"). The night
// then starts afresh.
func (wr *watcher) closeNight() error {
	n := wr.night
	if !n.open() {
		return nil
	}
	defer func() { *n = *newNight(n.after) }()
	st, err := openState(context.Background(), wr.w.run.stateFile, state.Options{LockWait: wr.w.run.stateWait}, nil)
	if err != nil {
		return fatal(err)
	}
	defer st.Close()
	for _, sc := range n.order {
		since := n.first[sc]
		if !n.whole[sc] {
			fmt.Fprintf(wr.stderr, "onboard watch: the night's drop held only fix files or --partial files for %s: nobody listed missing\n", sc)
			continue
		}
		count, err := st.Missing(sc, since, func(state.Person) error { return nil })
		var still int
		if err == nil {
			still, err = st.StillMissing(sc, since)
		}
		if err == nil && count == 0 {
			// Nobody newly gone: no list, and a line only when people
			// listed on earlier nights are still missing.
			fmt.Fprintf(wr.stderr, "onboard watch: the night's drop is complete: nobody newly missing, %d still missing\n", still)
			if still == 0 {
				continue
			}
		}
		now := time.Now().UTC()
		r := &reports.Report{Kind: "night", File: wr.w.dir, Provider: sc.Provider, Status: "done", Counts: map[string]int{},
			Start: n.start.UTC(), End: now}
		listed := 0
		if err == nil && count > 0 {
			var path string
			path, err = wr.box.Free(inbox.Results, "missing.csv", "-"+n.start.UTC().Format("20060102T150405Z"))
			if err == nil {
				listed, err = reports.WriteMissingCSV(path, wr.w.run.noBOM, batch.MissingList(st, sc, since))
			}
			if err == nil {
				err = st.MarkMissing(sc, since, n.lastRun[sc])
			}
			if err == nil {
				err = st.NightMissing(n.lastRun[sc], listed, still)
			}
			if err == nil {
				r.MissingList = path
				fmt.Fprintf(wr.stderr, "onboard watch: the night's drop is complete: %d newly missing (%s), %d still missing\n", listed, path, still)
			}
		}
		if err != nil {
			r.Status, r.Error = "failed", err.Error()
			wr.bad = true
		} else {
			r.Missing, r.StillMissing = &listed, &still
			r.Next = missingNext(listed)
		}
		wr.emit(r)
	}
	return nil
}

// missingNext is the night report's next step.
func missingNext(listed int) string {
	if listed == 0 {
		return ""
	}
	return fmt.Sprintf("check the %d people on the missing list with HR: deactivate at the vendor those who left (onboard never does); a person who comes back in a later file is simply seen again", listed)
}

// tick is how often the inbox is scanned again: events are the fast path,
// the scan the safety net (network shares drop events) and the settle clock.
func tick(settle time.Duration) time.Duration {
	return min(max(settle/4, 20*time.Millisecond), 2*time.Second)
}

func watch(ctx context.Context, stdout, stderr io.Writer, w *watchFlags) error {
	// The notifier's goroutine writes here too (its retries), while the
	// watcher goes on with the next file or the night's list.
	stderr = &lockedWriter{w: stderr}
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
	if w.missingAfter < 0 {
		return fatal(fmt.Errorf("--missing-after %s: must not be negative", w.missingAfter))
	}
	wr := &watcher{w: w, box: box, group: group, stdout: stdout, stderr: stderr, night: newNight(w.missingAfter)}
	if w.queue {
		// The workers run the files: the night's missing people, the
		// same-content check and the results are theirs.
		if err := checkQueued(&w.run); err != nil {
			return err
		}
		if wr.jobs, err = openJobs(ctx, w.run.stateFile, w.run.config); err != nil {
			return fatal(err)
		}
		defer wr.jobs.Close()
	} else if !w.run.noState && !w.run.partial {
		w.run.night = wr.night
	}
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
		if len(ready) == 0 && pending == 0 && wr.night.open() && !w.once && time.Since(wr.night.last) >= w.missingAfter {
			if err := wr.closeNight(); err != nil {
				return err
			}
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
	// --once: what is there is the night's drop.
	if err := wr.closeNight(); err != nil {
		return err
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
func sameAsLastRun(st state.Ledger, fr *fileRun) (bool, error) {
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
	if wr.jobs != nil {
		return wr.enqueue(ctx, &f, src, name, start)
	}
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
		if f.night != nil {
			f.night.same(fr.scope, fr.same.ID)
		}
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

// enqueue is process under --queue: the file becomes a job any worker
// takes, and goes to archive/ (queued) or failed/ (it cannot be read, or
// the queue refused it). Its report says which job to follow.
func (wr *watcher) enqueue(ctx context.Context, f *runFlags, src, name string, start time.Time) error {
	r := &reports.Report{File: name, Provider: f.in.provider, Start: start}
	args, in, attempts, err := rosterJob(ctx, f, src)
	var id int64
	if err == nil {
		id, err = wr.jobs.Enqueue(ctx, args, in, attempts)
	}
	r.End = time.Now().UTC()
	sub := inbox.Archive
	if err != nil {
		sub, wr.bad = inbox.Failed, true
		r.Status, r.Error = "failed", strings.ReplaceAll(err.Error(), src, filepath.Base(src))
		r.Next = "fix what the error names, then move the file from failed/ back into the inbox"
		fmt.Fprintf(wr.stderr, "onboard watch: %s: %v\n", name, err)
	} else {
		r.Status, r.Job, r.Provider = "queued", id, args.Vendor
		r.Next = fmt.Sprintf("an 'onboard worker' runs it: follow it with 'onboard jobs', download its results with 'onboard jobs get %d'", id)
		fmt.Fprintf(wr.stderr, "onboard watch: %s: queued job %d\n", name, id)
	}
	if r.Archived, err = wr.box.Finish(src, sub); err != nil {
		return fatal(err)
	}
	if err := wr.group.file(r.Archived); err != nil {
		fmt.Fprintf(wr.stderr, "onboard watch: %v\n", err)
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

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
