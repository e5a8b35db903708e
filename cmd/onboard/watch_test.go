package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// syncBuffer is a bytes.Buffer safe to read while a watcher writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// reportsOf parses the JSON lines a watcher printed.
func reportsOf(t *testing.T, stdout string) []reports.Report {
	t.Helper()
	var out []reports.Report
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var r reports.Report
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		out = append(out, r)
	}
	return out
}

// people writes a smartapp roster of n people whose addresses start with tag.
func people(tag string, n int) string {
	var b strings.Builder
	b.WriteString("First Name,Last Name,E-mail,Company,Location\n")
	for i := range n {
		fmt.Fprintf(&b, "P%d,Person,%s%03d@smartapp.com,smartapp.com,headquarters\n", i, tag, i)
	}
	return b.String()
}

func drop(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// watchArgs are a watch over box against the simulator at url.
func watchArgs(box, url string, extra ...string) []string {
	return append([]string{"watch", "-q", "--inbox", box, "-p", "smartapp", "--base-url", url, "--rate", "0",
		"--state", filepath.Join(box, "..", "state.db"), "--settle", "0s"}, extra...)
}

// sheets lists the results sheets in box's results folder.
func sheets(t *testing.T, box string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(box, inbox.Results, "*.xlsx"))
	require.NoError(t, err)
	return m
}

func newInbox(t *testing.T) string {
	t.Helper()
	box := filepath.Join(t.TempDir(), "inbox")
	require.NoError(t, os.Mkdir(box, 0o700))
	return box
}

func TestWatchOnceTwoFilesAndABrokenOne(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 3))
	drop(t, box, "b.csv", people("b", 2))
	drop(t, box, "broken.csv", "\x00\x01\x02PK junk\x00")
	drop(t, box, "upload.csv.part", people("c", 2))
	drop(t, box, ".hidden.csv", people("d", 2))
	drop(t, box, "c.csv.tmp", people("e", 2))

	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 1, code, "a file failed: %s", stderr)
	assert.Equal(t, 5, s.Store.Len(), "a and b created, nothing from ignored names")
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 3, stdout)
	byFile := map[string]reports.Report{}
	for _, r := range rs {
		byFile[filepath.Base(r.File)] = r
	}
	assert.Equal(t, "done", byFile["a.csv"].Status)
	assert.Equal(t, 3, byFile["a.csv"].Counts["created"])
	assert.Equal(t, 2, byFile["b.csv"].Counts["created"])
	assert.Equal(t, "failed", byFile["broken.csv"].Status)
	assert.Contains(t, byFile["broken.csv"].Error, "not a CSV or XLSX file")

	assert.ElementsMatch(t, []string{"a.csv", "b.csv"}, names(t, filepath.Join(box, inbox.Archive)))
	assert.Equal(t, []string{"broken.csv", "broken.csv.error.txt"}, names(t, filepath.Join(box, inbox.Failed)), "the file and why it failed")
	assert.Empty(t, names(t, filepath.Join(box, inbox.Processing)))
	assert.ElementsMatch(t, []string{".hidden.csv", ".onboard-watch.lock", "archive", "c.csv.tmp", "failed", "processing", "results", "upload.csv.part"}, names(t, box))
	for _, f := range []string{"a.csv", "b.csv"} {
		r := byFile[f]
		assert.FileExists(t, r.Results)
		assert.Equal(t, filepath.Join(box, "results"), filepath.Dir(r.Results))
		assert.True(t, strings.HasPrefix(filepath.Base(r.Results), strings.TrimSuffix(f, ".csv")+"-"), r.Results)
		assert.Equal(t, filepath.Join(box, "archive", f), r.Archived)
	}

	// Clean files only: exit 0. The same name again never overwrites.
	drop(t, box, "a.csv", people("f", 1))
	// The five of the first night are not in this night's drop: listed
	// once, on the night's own line, after the file's.
	code, stdout, stderr = onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 0, code, stderr)
	rs = reportsOf(t, stdout)
	require.Len(t, rs, 2)
	assert.Equal(t, filepath.Join(box, "archive", "a-2.csv"), rs[0].Archived)
	assert.Nil(t, rs[0].Missing, "a file of a watched night lists nobody")
	assert.Equal(t, "night", rs[1].Kind)
	require.NotNil(t, rs[1].Missing)
	assert.Equal(t, 5, *rs[1].Missing)
	assert.FileExists(t, rs[1].MissingList)
	assert.Len(t, sheets(t, box), 3, "three results sheets, none overwritten")

	// Nothing there: exit 0, no line.
	code, stdout, _ = onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout)
}

func TestWatchOnceExitCodesForInvalidRows(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	bad := "Sam,Okafor,sokafor@globex,Globex,headquarters\n"
	drop(t, box, "r.csv", people("a", 2)+bad)
	code, stdout, _ := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 1, code, "a new invalid row")
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1)
	assert.Equal(t, 1, *rs[0].NewInvalid)
	assert.FileExists(t, rs[0].FixFile)
	assert.Equal(t, filepath.Join(box, "results"), filepath.Dir(rs[0].FixFile))

	// Tomorrow's file: one more person, the same old invalid row.
	drop(t, box, "r.csv", people("a", 3)+bad)
	code, stdout, _ = onboard(t, watchArgs(box, url, "--once")...)
	rs = reportsOf(t, stdout)
	require.Len(t, rs, 1)
	assert.Equal(t, 0, code, "only an old invalid row: %+v", rs[0])
	assert.Equal(t, []int{0, 1}, []int{*rs[0].NewInvalid, *rs[0].StillInvalid})
	assert.Equal(t, 1, rs[0].Counts["created"])
}

func TestWatchSameFileTwiceRunsOnce(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	content := people("a", 2)
	drop(t, box, "r.csv", content)
	code, _, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)
	requests := s.Stats.Requests.Load()

	drop(t, box, "r.csv", content)
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1)
	assert.Equal(t, "same_file", rs[0].Status)
	assert.Contains(t, rs[0].Next, "--rerun-same")
	assert.Contains(t, stderr, "archived without a run")
	assert.Equal(t, requests, s.Stats.Requests.Load(), "no request for the same file")
	assert.Len(t, names(t, filepath.Join(box, inbox.Archive)), 2)
	assert.Len(t, sheets(t, box), 1, "no results for a run that did not happen")

	drop(t, box, "r.csv", content)
	code, stdout, _ = onboard(t, watchArgs(box, url, "--once", "--rerun-same")...)
	require.Equal(t, 0, code)
	rs = reportsOf(t, stdout)
	require.Len(t, rs, 1)
	assert.Equal(t, "done", rs[0].Status)
	assert.Equal(t, 2, rs[0].Counts["skipped"], "run again, nobody created twice")
	assert.Equal(t, 2, s.Store.Len())
}

// startWatch runs a long-lived watcher in-process until the returned stop
// is called; stop returns the exit code.
func startWatch(t *testing.T, args ...string) (stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	codec := make(chan int, 1)
	go func() { codec <- execute(ctx, args, stdout, stderr) }()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-codec:
			case <-time.After(20 * time.Second):
				t.Error("the watcher did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

func TestWatchTakesASlowFileOnceWhenComplete(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	// Pieces come every 100ms, settle is ten times that: a loaded machine
	// may delay a write, never by a second.
	const settle = time.Second
	stdout, stderr, stop := startWatch(t, append(watchArgs(box, url), "--settle", settle.String())...)

	// Written in pieces, each within the settle time of the last.
	content := people("a", 6)
	f, err := os.OpenFile(filepath.Join(box, "slow.csv"), os.O_WRONLY|os.O_CREATE, 0o600)
	require.NoError(t, err)
	for _, piece := range strings.SplitAfter(content, "\n") {
		_, err := f.WriteString(piece)
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
		assert.Equal(t, 0, s.Store.Len(), "read before it was complete")
		assert.Empty(t, stdout.String())
	}
	require.NoError(t, f.Close())
	require.Eventually(t, func() bool { return strings.Count(stdout.String(), "\n") == 1 }, 10*time.Second, 10*time.Millisecond, stderr.String())

	// A second file with a .done marker goes at once, settle or not.
	drop(t, box, "marked.csv", people("b", 2))
	drop(t, box, "marked.csv.done", "")
	require.Eventually(t, func() bool { return strings.Count(stdout.String(), "\n") == 2 }, 10*time.Second, 10*time.Millisecond, stderr.String())
	time.Sleep(300 * time.Millisecond) // nothing more to take
	assert.Equal(t, 0, stop())

	rs := reportsOf(t, stdout.String())
	require.Len(t, rs, 2, "each file taken once")
	assert.Equal(t, 6, rs[0].Rows, "the whole file")
	assert.Equal(t, 6, rs[0].Counts["created"])
	assert.Equal(t, 2, rs[1].Counts["created"])
	assert.Equal(t, 8, s.Store.Len())
	assert.ElementsMatch(t, []string{"marked.csv", "slow.csv"}, names(t, filepath.Join(box, inbox.Archive)))
	assert.NotContains(t, names(t, box), "marked.csv.done", "the marker goes with its file")
}

func TestWatchStopsAfterTheCurrentFileOnSIGTERM(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{Latency: 20 * time.Millisecond})
	box := newInbox(t)
	drop(t, box, "big.csv", people("a", 200))
	stdout, stderr, stop := startWatch(t, append(watchArgs(box, url), "--workers", "2")...)
	require.Eventually(t, func() bool { return s.Store.Len() >= 10 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, exitInterrupted, stop(), stderr.String())
	rs := reportsOf(t, stdout.String())
	require.Len(t, rs, 1)
	assert.Equal(t, "interrupted", rs[0].Status)
	assert.Equal(t, s.Store.Len(), rs[0].Counts["created"], "requests in flight finished and were recorded")
	assert.Positive(t, rs[0].Counts["not_attempted"])
	assert.FileExists(t, rs[0].Results, "results written")
	assert.Equal(t, []string{"big.csv"}, names(t, filepath.Join(box, inbox.Processing)), "left to run again first")

	code, stdout2, stderr2 := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 0, code, stderr2)
	assert.Contains(t, stderr2, "was interrupted; running it again first")
	rs = reportsOf(t, stdout2)
	require.Len(t, rs, 1)
	assert.Equal(t, 200, rs[0].Counts["created"]+rs[0].Counts["skipped"])
	assert.Equal(t, 200, s.Store.Len())
	for key, c := range s.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
}

// TestWatchCrashThenRestart kills a real watcher mid-file with SIGKILL; the
// restart runs the file left in processing/ first and creates nobody twice.
func TestWatchCrashThenRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	bin := binary(t)
	const n = 200
	s, url := simulator(t, "smartapp", sim.Options{Latency: 15 * time.Millisecond, DropRate: 0.03, Seed: 3})
	box := newInbox(t)
	drop(t, box, "night.csv", people("a", n))
	args := append(watchArgs(box, url, "--once"), "--workers", "2", "--retries", "5")
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for s.Store.Len() < 150 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Equal(t, []string{"night.csv"}, names(t, filepath.Join(box, inbox.Processing)))

	code, stdout, stderr := onboard(t, args...)
	assert.Equal(t, 0, code, stderr)
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1)
	assert.Equal(t, n, s.Store.Len(), "every person created")
	for key, c := range s.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
	assert.Equal(t, []string{"night.csv"}, names(t, filepath.Join(box, inbox.Archive)))

	// The killed run shows its counts so far, not 0 created.
	statuses := historyStatuses(t, filepath.Join(box, "..", "state.db"))
	assert.Equal(t, []string{"done", "crashed"}, statuses)
	_, out, _ := onboard(t, "history", "--state", filepath.Join(box, "..", "state.db"))
	var crashed []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " crashed ") {
			crashed = strings.Fields(l)
		}
	}
	require.Len(t, crashed, 12, out) // GONE (i8c) is the last column
	assert.NotContains(t, out, "smartapp, 0 recovered", "not shown at 0")
	assert.Contains(t, out, ": "+filepath.Join(box, "night.csv")+"\n", "the inbox name, not processing/")
	assert.NotEqual(t, "0", crashed[6], "created so far: %s", out)
}

func TestWatchPathTricksTouchNothingOutside(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	require.NoError(t, os.Mkdir(outside, 0o700))
	secret := filepath.Join(outside, "payroll.csv")
	require.NoError(t, os.WriteFile(secret, []byte(people("x", 2)), 0o600))
	box := filepath.Join(root, "inbox")
	require.NoError(t, os.Mkdir(box, 0o700))
	require.NoError(t, os.Symlink(secret, filepath.Join(box, "link.csv")))
	require.NoError(t, os.Symlink("../outside/payroll.csv", filepath.Join(box, "rel.csv")))
	require.NoError(t, os.Link(secret, filepath.Join(box, "hard.csv")))
	require.NoError(t, os.Symlink(outside, filepath.Join(box, "dir.csv")))
	drop(t, box, "..csv", people("y", 1)) // a dot name: ignored

	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.Equal(t, 0, s.Store.Len(), "nothing read through a link")
	assert.Contains(t, stderr, "link.csv: left alone: a symbolic link")
	assert.Contains(t, stderr, "hard.csv: left alone: a hard link")
	assert.Equal(t, []string{"payroll.csv"}, names(t, outside))
	b, err := os.ReadFile(secret)
	require.NoError(t, err)
	assert.Equal(t, people("x", 2), string(b))
	for _, sub := range []string{inbox.Archive, inbox.Failed, inbox.Processing, inbox.Results} {
		assert.Empty(t, names(t, filepath.Join(box, sub)), sub)
	}

	// A folder of the inbox replaced by a link out is refused.
	box2 := filepath.Join(root, "inbox2")
	require.NoError(t, os.Mkdir(box2, 0o700))
	require.NoError(t, os.Symlink(outside, filepath.Join(box2, inbox.Archive)))
	drop(t, box2, "r.csv", people("z", 1))
	code, _, stderr = onboard(t, watchArgs(box2, url, "--once")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "must be a folder, not a link")
	assert.Equal(t, []string{"payroll.csv"}, names(t, outside))
}

func TestWatchOneWatcherPerInbox(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	first, err := inbox.Open(box)
	require.NoError(t, err)
	defer first.Close()
	code, _, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is already watched by another onboard (pid=")
}

func TestWatchNotifiesAWebhook(t *testing.T) {
	old := notifyBackoff
	notifyBackoff = []time.Duration{time.Millisecond, time.Millisecond}
	t.Cleanup(func() { notifyBackoff = old })
	var (
		mu     sync.Mutex
		bodies []map[string]any
		calls  int
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable) // the first try fails
			return
		}
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		assert.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		bodies = append(bodies, m)
	}))
	defer hook.Close()
	secretURL := hook.URL + "/services/T000/B000/s3cr3t"
	t.Setenv("ONBOARD_NOTIFY_URL", secretURL)

	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "r.csv", people("a", 3)+"Sam,Okafor,sokafor@globex,Globex,headquarters\n")
	logFile := filepath.Join(t.TempDir(), "onboard.jsonl")
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once", "--log", logFile)...)
	assert.Equal(t, 1, code, stderr)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 1, "delivered once, after one retry: %s", stderr)
	m := bodies[0]
	text, _ := m["text"].(string)
	assert.Contains(t, text, "r.csv")
	assert.Contains(t, text, "3 created")
	assert.Contains(t, text, "1 invalid")
	assert.Contains(t, text, "next: the fix file lists 1 invalid row")
	assert.Equal(t, map[string]any{"created": 3.0, "skipped": 0.0, "invalid": 1.0, "failed": 0.0, "not_attempted": 0.0}, m["counts"])
	assert.Equal(t, 1.0, m["new_invalid"])
	assert.Equal(t, "done", m["status"])
	assert.Contains(t, stderr, "failed (HTTP 503); retrying")
	logged, err := os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Equal(t, stdout, string(logged), "--log holds the same lines")
	for _, out := range []string{stdout, stderr, string(logged)} {
		assert.NotContains(t, out, "s3cr3t", "the webhook URL is a secret")
	}
}

func TestWatchNotificationFailureIsNotFatal(t *testing.T) {
	old := notifyBackoff
	notifyBackoff = []time.Duration{time.Millisecond}
	t.Cleanup(func() { notifyBackoff = old })
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/hook/s3cr3t"
	dead.Close() // connection refused
	t.Setenv("ONBOARD_NOTIFY_URL", deadURL)
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "r.csv", people("a", 1))
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 0, code, stderr)
	assert.Len(t, reportsOf(t, stdout), 1)
	assert.Contains(t, stderr, "not delivered")
	assert.NotContains(t, stderr, "s3cr3t")

	t.Setenv("ONBOARD_NOTIFY_URL", "http://hooks.example.com/x")
	code, _, stderr = onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "use https")
}

// TestWatchListsTheNightsMissingOnceQuiet: a long-running watcher lists
// the night's missing people once no file has come for --missing-after,
// over every file of the night, on one line of its own.
func TestWatchListsTheNightsMissingOnceQuiet(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "day1.csv", people("a", 3))
	code, _, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)

	all := strings.Split(strings.TrimSpace(people("a", 3)), "\n") // the header, a000, a001, a002
	head := all[0] + "\n"
	drop(t, box, "x.csv", head+all[1]+"\n"+all[2]+"\n")
	drop(t, box, "y.csv", head+all[1]+"\n"+all[3]+"\n")
	stdout, stderr2, stop := startWatch(t, append(watchArgs(box, url), "--missing-after", "300ms")...)
	require.Eventually(t, func() bool { return len(reportsOf(t, stdout.String())) >= 2 }, 10*time.Second, 10*time.Millisecond, stderr2.String())
	require.Eventually(t, func() bool { return strings.Contains(stderr2.String(), "the night's drop is complete") }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, 0, stop(), stderr2.String())
	assert.Contains(t, stderr2.String(), "the night's drop is complete: nobody newly missing, 0 still missing")
	rs := reportsOf(t, stdout.String())
	require.Len(t, rs, 2, "x and y together miss nobody: no night line: %s", stdout.String())
	for _, r := range rs {
		assert.Nil(t, r.Missing)
	}

	// Another night with only a000 and a001: a002 goes missing, listed
	// once the inbox has been quiet.
	drop(t, box, "n2.csv", head+all[1]+"\n"+all[2]+"\n") // before the start: --settle 0s takes a file being written
	stdout, stderr2, stop = startWatch(t, append(watchArgs(box, url), "--missing-after", "300ms")...)
	require.Eventually(t, func() bool { return len(reportsOf(t, stdout.String())) >= 2 }, 10*time.Second, 10*time.Millisecond, stderr2.String())
	assert.Equal(t, 0, stop())
	rs = reportsOf(t, stdout.String())
	require.Len(t, rs, 2)
	assert.Equal(t, "night", rs[1].Kind)
	require.NotNil(t, rs[1].Missing)
	assert.Equal(t, 1, *rs[1].Missing)
	assert.Equal(t, "email:a002@smartapp.com", readCSV(t, rs[1].MissingList)[1][0])
}

// TestWatchNightOfOnlyAFixFileListsNobody: a fix file dropped into the
// inbox is a correction: a night of nothing else lists nobody missing.
func TestWatchNightOfOnlyAFixFileListsNobody(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "day1.csv", people("a", 3))
	code, _, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)
	all := strings.Split(strings.TrimSpace(people("a", 3)), "\n")
	drop(t, box, "fix.csv", all[0]+",onboard_row,onboard_error\n"+all[1]+",2,INVALID_VALUE email: was wrong\n")
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1, "no night line: %s", stdout)
	assert.Nil(t, rs[0].Missing)
	assert.Contains(t, rs[0].MissingNote, "fix file")
	assert.Contains(t, stderr, "held only fix files or --partial files")
}
