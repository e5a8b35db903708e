package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/pgtest"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// queueDB starts a PostgreSQL server for t (skipping t without one) and
// puts a fresh database's URL in ONBOARD_STATE, as an admin would.
func queueDB(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	u := pgtest.Start(t).CreateDB(t, "jobs")
	t.Setenv(stateEnv, u)
	return u
}

// testWorker is `onboard worker` running in-process until stopped.
type testWorker struct {
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
	code   int
}

func startWorker(t *testing.T, args ...string) *testWorker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &testWorker{cancel: cancel, done: make(chan int, 1), stderr: &syncBuffer{}, code: -1}
	go func() { w.done <- execute(ctx, append([]string{"worker"}, args...), io.Discard, w.stderr) }()
	t.Cleanup(func() { w.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(w.stderr.String(), "waiting for jobs") {
		require.True(t, time.Now().Before(deadline), "the worker did not start: %s", w.stderr)
		select {
		case code := <-w.done:
			t.Fatalf("the worker ended with %d: %s", code, w.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return w
}

// stop stops the worker softly and returns its exit code.
func (w *testWorker) stop(t *testing.T) int {
	t.Helper()
	w.cancel()
	if w.code >= 0 {
		return w.code
	}
	select {
	case w.code = <-w.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the worker did not stop: %s", w.stderr)
	}
	return w.code
}

// enqueue runs `onboard run --queue` and returns the job's id.
func enqueue(t *testing.T, args ...string) int64 {
	t.Helper()
	code, out, stderr := onboard(t, append([]string{"run", "--queue", "-q"}, args...)...)
	require.Equal(t, 0, code, stderr)
	m := regexp.MustCompile(`queued job (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	id, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	return id
}

// waitJob waits until job id is in one of states (River's) and returns it.
func waitJob(t *testing.T, db string, id int64, within time.Duration, states ...string) *jobs.Job {
	t.Helper()
	st, err := jobs.Open(context.Background(), db)
	require.NoError(t, err)
	defer st.Close()
	deadline := time.Now().Add(within)
	for {
		j, err := st.Get(context.Background(), id)
		require.NoError(t, err)
		if slices.Contains(states, j.State) {
			return j
		}
		require.True(t, time.Now().Before(deadline), "job %d is still %s after %s (want %v); last error %q", id, j.State, within, states, j.LastError)
		time.Sleep(100 * time.Millisecond)
	}
}

// inputs is how many input files job id still holds.
func inputs(t *testing.T, db string, id int64) int {
	t.Helper()
	st, err := jobs.Open(context.Background(), db)
	require.NoError(t, err)
	defer st.Close()
	files, err := st.Files(context.Background(), id, "in")
	require.NoError(t, err)
	return len(files)
}

// without drops the named column from every row.
func without(rows [][]string, name string) [][]string {
	i := slices.Index(rows[0], name)
	out := make([][]string, len(rows))
	for r, row := range rows {
		out[r] = slices.Delete(slices.Clone(row), i, i+1)
	}
	return out
}

// TestQueuedJobRunsLikeRun: a roster queued with run --queue and run by a
// worker gives the same results and fix file as `onboard run` by hand
// (the vendor's generated ids aside); the worker's /metrics counts its
// requests and people.
func TestQueuedJobRunsLikeRun(t *testing.T) {
	db := queueDB(t)
	dir := t.TempDir()
	roster := write(t, "staff.csv", smartappGood+"Sam,Okafor,sokafor@globex,Globex,headquarters,\nAna,Lima,alima@smartapp.com,smartapp.com,headquarters,\n")

	// By hand, against a simulator of its own.
	_, url2 := simulator(t, "smartapp", sim.Options{})
	hand := filepath.Join(dir, "hand")
	require.NoError(t, os.Mkdir(hand, 0o700))
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url2, "--rate", "0", "--workers", "1",
		"--state", filepath.Join(dir, "hand.db"), "-o", filepath.Join(hand, "results.csv"), "--failed-out", filepath.Join(hand, "fix.csv"), roster)
	require.Equal(t, 1, code, stderr)

	// The worker's simulator (its credentials replace the first's).
	s, url := simulator(t, "smartapp", sim.Options{})
	id := enqueue(t, "-p", "smartapp", "--rate", "0", "--workers", "1", "-o", "results.csv", "--failed-out", "fix.csv", roster)
	assert.Equal(t, 0, s.Store.Len(), "queued, not run")
	code, out, _ := onboard(t, "jobs")
	require.Equal(t, 0, code)
	assert.Regexp(t, fmt.Sprintf(`(?m)^%d\s+available\s+\S+@\S+\s.*staff\.csv\s+smartapp`, id), out)

	w := startWorker(t, "--state", filepath.Join(dir, "worker.db"), "--base-url", url, "--metrics", "127.0.0.1:0")
	j := waitJob(t, db, id, 60*time.Second, "completed", "cancelled", "discarded")
	require.Equal(t, "completed", j.State, j.LastError)
	assert.Equal(t, 3, s.Store.Len(), "the worker created the valid people")
	assert.Zero(t, inputs(t, db, id), "a finished job drops its roster and mapping")

	code, out, _ = onboard(t, "jobs")
	require.Equal(t, 0, code)
	assert.Regexp(t, fmt.Sprintf(`(?m)^%d\s+done\s+.*staff\.csv\s+smartapp\s+3 created, 1 invalid`, id), out)

	got := filepath.Join(dir, "got")
	code, out, stderr = onboard(t, "jobs", "get", strconv.FormatInt(id, 10), "-o", got)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, filepath.Join(got, "results.csv"))
	for _, name := range []string{"results.csv", "fix.csv"} {
		want, have := readCSV(t, filepath.Join(hand, name)), readCSV(t, filepath.Join(got, name))
		if name == "results.csv" {
			ids := column(have, "id")
			for i, st := range column(have, "status") {
				assert.Equal(t, st == "created", ids[i] != "", "row %d: %s with id %q", i+2, st, ids[i])
			}
			want, have = without(want, "id"), without(have, "id")
		}
		assert.Equal(t, want, have, name)
	}
	a, _ := os.ReadFile(filepath.Join(hand, "fix.csv"))
	b, _ := os.ReadFile(filepath.Join(got, "fix.csv"))
	assert.Equal(t, string(a), string(b), "the fix file byte for byte")

	body := scrape(t, w)
	for _, line := range []string{
		`onboard_requests_total{call="create",code="OK",tenant="smartapp"} 3`,
		`onboard_people_total{status="created",tenant="smartapp"} 3`,
		`onboard_people_total{status="invalid",tenant="smartapp"} 1`,
		`onboard_jobs_total{outcome="done"} 1`,
		`onboard_token_wait_seconds_total{tenant="smartapp"}`,
	} {
		assert.Contains(t, body, line)
	}
	assert.Equal(t, 0, w.stop(t), w.stderr.String())
}

// TestTwoWorkersOneJobEach: two workers, two slow jobs: each worker takes
// one, both finish.
func TestTwoWorkersOneJobEach(t *testing.T) {
	db := queueDB(t)
	s, url := simulator(t, "smartapp", sim.Options{Latency: 40 * time.Millisecond})
	dir := t.TempDir()
	w1 := startWorker(t, "--state", filepath.Join(dir, "w1.db"), "--base-url", url)
	w2 := startWorker(t, "--state", filepath.Join(dir, "w2.db"), "--base-url", url)
	var ids []int64
	for i := range 2 {
		var b strings.Builder
		b.WriteString("First Name,Last Name,E-mail,Company,Location\n")
		for p := range 30 {
			fmt.Fprintf(&b, "P%d,Person,f%dp%02d@smartapp.com,smartapp.com,headquarters\n", p, i, p)
		}
		ids = append(ids, enqueue(t, "-p", "smartapp", "--rate", "0", "--workers", "1", "-o", "results.csv", write(t, fmt.Sprintf("file%d.csv", i), b.String())))
	}
	var by []string
	for _, id := range ids {
		j := waitJob(t, db, id, 60*time.Second, "completed", "cancelled", "discarded")
		require.Equal(t, "completed", j.State, j.LastError)
		require.Len(t, j.By, 1, "one attempt")
		by = append(by, j.By[0])
	}
	assert.NotEqual(t, by[0], by[1], "each worker took one job")
	assert.Equal(t, 60, s.Store.Len())
	for key, n := range s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
	assert.Equal(t, 0, w1.stop(t))
	assert.Equal(t, 0, w2.stop(t))
}

// TestKilledWorkersJobIsRescued: a worker SIGKILLed mid-job; River's rescuer
// hands the job to another worker on another machine, which finishes it on
// the same PostgreSQL ledger (the queue's database, the normal case):
// whom the dead worker created is skipped, whom it left maybe sent is
// looked up before any create, so nobody is created twice. The simulator
// saves each create before its latency (a kill leaves people created whose
// answer was never read) and counts every second create of an email, which
// a vendor accepting duplicate emails would hold as a second account.
func TestKilledWorkersJobIsRescued(t *testing.T) {
	db := queueDB(t) + "&onboard_lease=2s" // the dead run's claims lapse before the rescue
	t.Setenv(stateEnv, db)
	bin := binary(t)
	const n = 40
	reg, err := providers.Lookup("smartapp")
	require.NoError(t, err)
	s := reg.Simulator(sim.Options{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, r) // done at once, answered after the latency
		time.Sleep(50 * time.Millisecond)
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes()) //nolint:errcheck // the client may be gone
	}))
	t.Cleanup(front.Close)
	url := front.URL
	for k, v := range s.Credentials {
		t.Setenv(k, v)
	}
	timing := []string{"--job-timeout", "8s", "--rescue-after", "9s"}
	cmd := exec.Command(bin, append([]string{"worker", "--base-url", url}, timing...)...)
	cmd.Env = os.Environ()
	var aErr syncBuffer
	cmd.Stderr = &aErr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	id := enqueue(t, "-p", "smartapp", "--rate", "0", "--workers", "2", "-o", "results.csv", roster(t, n))
	deadline := time.Now().Add(30 * time.Second)
	for s.Store.Len() < 5 {
		require.True(t, time.Now().Before(deadline), "the first worker created nobody: %s", aErr.String())
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	killedAt := s.Store.Len()
	require.Less(t, killedAt, n, "killed mid-job")
	t.Logf("killed with %d of %d created", killedAt, n)

	w := startWorker(t, append([]string{"--base-url", url, "--metrics", "127.0.0.1:0"}, timing...)...)
	j := waitJob(t, db, id, 120*time.Second, "completed", "cancelled", "discarded")
	require.Equal(t, "completed", j.State, "%s\n%s", j.LastError, w.stderr.String())
	require.Len(t, j.By, 2, "taken by the killed worker, then by the second")
	assert.NotEqual(t, j.By[0], j.By[1])

	// Exactly once: everyone at the vendor, nobody's email sent twice.
	assert.Equal(t, n, s.Store.Len(), "everyone at the vendor")
	assert.Empty(t, s.Store.Duplicates(), "no second create of anyone")
	for key, c := range s.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
	// The ledger holds the vendor's ID of everyone.
	ledger, err := pgstate.Open(context.Background(), db, pgstate.Options{ReadOnly: true})
	require.NoError(t, err)
	defer ledger.Close()
	users := map[string]string{}
	for _, u := range s.Store.Users() {
		users[u.Key] = u.ID
	}
	keys := slices.Collect(maps.Keys(users))
	got, err := ledger.Get(state.Scope{Provider: "smartapp", BaseURL: url}, keys)
	require.NoError(t, err)
	for _, k := range keys {
		assert.Equal(t, state.StatusCreated, got[k].Status, k)
		assert.Equal(t, users[k], got[k].VendorID, k)
	}

	out := t.TempDir()
	code, _, stderr := onboard(t, "jobs", "get", strconv.FormatInt(id, 10), "-o", out)
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, filepath.Join(out, "results.csv"))
	require.Len(t, rows, n+1, "one results row per roster row")
	by := map[string]int{}
	for i, st := range column(rows, "status") {
		assert.Contains(t, []string{"created", "skipped"}, st, "row %d", i+2)
		by[st]++
	}
	t.Logf("the rescued run: %v", by)
	assert.Equal(t, n, by["created"]+by["skipped"], "skipped (recorded by the dead worker) or created (by either, found by lookup when maybe sent)")
	m := regexp.MustCompile(`onboard_lease_takeovers_total\{tenant="smartapp"\} (\d+)`).FindStringSubmatch(scrape(t, w))
	require.NotNil(t, m, "the worker counts the people it took over from the dead run")
	taken, _ := strconv.Atoi(m[1])
	assert.Positive(t, taken)
}

// TestWatchQueueFeedsWorkers: watch --queue on a PostgreSQL state takes
// each dropped file, enqueues it as a job instead of running it, and files
// it in archive/ (a file that cannot be read: failed/, nothing queued);
// two workers on the same ledger run the jobs, each person created once.
// Without --queue, watch runs the files itself (the TestWatch* tests).
func TestWatchQueueFeedsWorkers(t *testing.T) {
	db := queueDB(t)
	s, url := simulator(t, "smartapp", sim.Options{Latency: 20 * time.Millisecond})
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 6))
	drop(t, box, "b.csv", people("b", 4))
	drop(t, box, "broken.csv", "\x00\x01\x02PK junk\x00")

	code, stdout, stderr := onboard(t, "watch", "-q", "--inbox", box, "-p", "smartapp", "--rate", "0", "--workers", "1",
		"--settle", "0s", "--once", "--queue")
	assert.Equal(t, 1, code, "a file failed: %s", stderr)
	assert.Zero(t, s.Store.Len(), "queued, not run here")
	byFile := map[string]reports.Report{}
	for _, r := range reportsOf(t, stdout) {
		byFile[filepath.Base(r.File)] = r
	}
	require.Len(t, byFile, 3, stdout)
	var ids []int64
	for _, f := range []string{"a.csv", "b.csv"} {
		r := byFile[f]
		assert.Equal(t, "queued", r.Status, f)
		assert.Positive(t, r.Job, f)
		assert.Contains(t, r.Next, fmt.Sprintf("onboard jobs get %d", r.Job))
		assert.Equal(t, filepath.Join(box, "archive", f), r.Archived)
		ids = append(ids, r.Job)
	}
	assert.NotEqual(t, ids[0], ids[1])
	assert.Equal(t, "failed", byFile["broken.csv"].Status)
	assert.Contains(t, byFile["broken.csv"].Error, "not a CSV or XLSX file")
	assert.Equal(t, filepath.Join(box, "failed", "broken.csv"), byFile["broken.csv"].Archived)
	assert.Empty(t, names(t, filepath.Join(box, inbox.Results)), "the results are the jobs'")

	w1 := startWorker(t, "--base-url", url)
	w2 := startWorker(t, "--base-url", url)
	for _, id := range ids {
		j := waitJob(t, db, id, 60*time.Second, "completed", "cancelled", "discarded")
		require.Equal(t, "completed", j.State, j.LastError)
	}
	assert.Equal(t, 10, s.Store.Len())
	assert.Empty(t, s.Store.Duplicates())
	got := t.TempDir()
	code, _, stderr = onboard(t, "jobs", "get", strconv.FormatInt(ids[0], 10), "-o", got)
	require.Equal(t, 0, code, stderr)
	xlsx, err := filepath.Glob(filepath.Join(got, "a-*.xlsx"))
	require.NoError(t, err)
	assert.NotEmpty(t, xlsx, "the job's results sheet, named as watch names them: %v", names(t, got))
	assert.Equal(t, 0, w1.stop(t))
	assert.Equal(t, 0, w2.stop(t))
}

// scrape reads a worker's /metrics.
func scrape(t *testing.T, w *testWorker) string {
	t.Helper()
	m := regexp.MustCompile(`metrics at (http://\S+)`).FindStringSubmatch(w.stderr.String())
	require.NotNil(t, m, w.stderr.String())
	resp, err := http.Get(m[1])
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// TestJobThatCannotRunFails: a job the worker cannot run (no credentials
// for its vendor here) fails at once, is not retried, and says why.
func TestJobThatCannotRunFails(t *testing.T) {
	db := queueDB(t)
	for _, k := range []string{"ALPHALEARN_API_KEY", "ONBOARD_TOKEN"} {
		t.Setenv(k, "")
	}
	id := enqueue(t, "-p", "alphalearn", "-o", "results.csv", "../../samples/alphalearn/roster.csv")
	w := startWorker(t, "--state", filepath.Join(t.TempDir(), "w.db"), "--metrics", "127.0.0.1:0")
	j := waitJob(t, db, id, 30*time.Second, "cancelled", "completed", "discarded")
	assert.Equal(t, 1, j.Attempt, "not retried")
	code, out, _ := onboard(t, "jobs")
	require.Equal(t, 0, code)
	assert.Regexp(t, fmt.Sprintf(`(?m)^%d\s+failed\s+.*roster\.csv\s+alphalearn\s+.*ONBOARD_TOKEN is not set`, id), out)
	code, _, stderr := onboard(t, "jobs", "get", strconv.FormatInt(id, 10), "-o", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is failed: no results")
	assert.Contains(t, scrape(t, w), `onboard_jobs_total{outcome="failed"} 1`)
}

// TestCancelJob: a queued job cancelled never runs; a running job cancelled
// stops softly and keeps the results of the rows it sent.
func TestCancelJob(t *testing.T) {
	db := queueDB(t)
	s, url := simulator(t, "smartapp", sim.Options{Latency: 40 * time.Millisecond})
	dir := t.TempDir()

	queued := enqueue(t, "-p", "smartapp", "-o", "results.csv", write(t, "q.csv", smartappGood))
	code, out, stderr := onboard(t, "jobs", "cancel", strconv.FormatInt(queued, 10))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "cancelled")
	code, _, stderr = onboard(t, "jobs", "cancel", "999")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "job 999: no such job")

	const n = 100
	running := enqueue(t, "-p", "smartapp", "--rate", "0", "--workers", "1", "-o", "results.csv", roster(t, n))
	w := startWorker(t, "--state", filepath.Join(dir, "w.db"), "--base-url", url)
	deadline := time.Now().Add(30 * time.Second)
	for s.Store.Len() < 5 {
		require.True(t, time.Now().Before(deadline), "the worker created nobody: %s", w.stderr.String())
		time.Sleep(5 * time.Millisecond)
	}
	code, out, stderr = onboard(t, "jobs", "cancel", strconv.FormatInt(running, 10))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "told to stop")
	j := waitJob(t, db, running, 30*time.Second, "cancelled", "completed", "discarded")
	assert.Equal(t, "cancelled", j.State)
	assert.Zero(t, inputs(t, db, running), "a cancelled job drops its roster once stopped")
	assert.Zero(t, inputs(t, db, queued))
	created := s.Store.Len()
	assert.Less(t, created, n, "stopped before the end")

	got := t.TempDir()
	code, _, stderr = onboard(t, "jobs", "get", strconv.FormatInt(running, 10), "-o", got)
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, filepath.Join(got, "results.csv"))
	require.Len(t, rows, n+1, "the stopped run's results account for every row")
	sts := column(rows, "status")
	assert.Equal(t, created, strings.Count(strings.Join(sts, ","), "created"))
	assert.Contains(t, sts, "not_attempted")

	qj := waitJob(t, db, queued, time.Second, "cancelled")
	assert.Empty(t, qj.By, "the cancelled queued job never ran")
	assert.Equal(t, 0, w.stop(t))
}

// TestStateSpec: where every command's state store and job queue come
// from (--state, else ONBOARD_STATE from the environment, else from the
// --config file, else the file onboard-state.db), and that a password
// never rides on the command line.
func TestStateSpec(t *testing.T) {
	cfg := write(t, "onboard.conf", stateEnv+"=postgres://u:secret@db.example.org/onboard\n")
	require.NoError(t, os.Chmod(cfg, 0o600))
	tests := []struct {
		name        string
		state       string
		given       bool
		env         string
		config      string
		want, err   string
		queue, qerr string
	}{
		{"flag", "postgres://u@db/onboard", true, "postgres://other/x", cfg, "postgres://u@db/onboard", "", "postgres://u@db/onboard", ""},
		{"password in argv", "postgres://u:secret@db/onboard", true, "", "", "", "the password is readable on the command line", "", ""},
		{"a file given, the queue configured", "ledger.db", true, "", cfg, "ledger.db", "", "postgres://u:secret@db.example.org/onboard", ""},
		{"environment", defaultStateFile, false, "postgresql://u:pw@db/onboard", cfg, "postgresql://u:pw@db/onboard", "", "postgresql://u:pw@db/onboard", ""},
		{"config file", defaultStateFile, false, "", cfg, "postgres://u:secret@db.example.org/onboard", "", "postgres://u:secret@db.example.org/onboard", ""},
		{"none", defaultStateFile, false, "", "", defaultStateFile, "", "", "no job queue: give --state postgres://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(stateEnv, tc.env)
			got, err := stateSpec(tc.state, tc.given, tc.config)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			q, err := jobsDatabase(got, tc.config)
			if tc.qerr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.qerr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.queue, q)
		})
	}
}

// TestConfigFileNamesTheStore: ONBOARD_STATE in the --config file names
// the store for run, plan, history and lookup alike (the same key the
// worker and jobs read for the queue).
func TestConfigFileNamesTheStore(t *testing.T) {
	t.Setenv(stateEnv, "")
	dir := t.TempDir()
	ledger := filepath.Join(dir, "from-config.db")
	cfg := write(t, "store.conf", stateEnv+"="+ledger+"\n")
	require.NoError(t, os.Chmod(cfg, 0o600))
	roster := write(t, "staff.csv", smartappGood)
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--config", cfg, "-o", filepath.Join(dir, "r.csv"), roster)
	require.Contains(t, []int{0, 1}, code, stderr)
	_, err := os.Stat(ledger)
	require.NoError(t, err, "run kept its ledger where the config file said")
	code, out, stderr := onboard(t, "history", "--config", cfg)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "staff.csv")
	code, _, stderr = onboard(t, "plan", "-p", "smartapp", "--offline", "--config", cfg, roster)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "no state store", "plan read the ledger the config file names")
	code, out, stderr = onboard(t, "lookup", "--config", cfg, "ccarr@smartapp.com")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "email:ccarr@smartapp.com")
}

// TestQueueRefusals: run --queue refuses what a job must not carry, and a
// bad roster before anything is queued (no database needed to say so).
func TestQueueRefusals(t *testing.T) {
	t.Setenv(stateEnv, "")
	good := write(t, "good.csv", smartappGood)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"base url", []string{"-p", "smartapp", "-o", "r.csv", "--base-url", "https://vendor.example.org", good}, "the worker's own --base-url"},
		{"bad roster", []string{"-p", "smartapp", "-o", "r.csv", write(t, "x.csv", "\x00\x01\x02PK junk\x00")}, "not a CSV or XLSX file"},
		{"bad flag", []string{"-p", "smartapp", "-o", "r.csv", "--workers", "0", good}, "--workers 0"},
		{"results format", []string{"-p", "smartapp", "-o", "r.txt", good}, "r.txt: unsupported output format (use .xlsx or .csv)"},
		{"no queue", []string{"-p", "smartapp", "-o", "r.csv", good}, "no job queue"},
		{"password in argv", []string{"-p", "smartapp", "-o", "r.csv", "--state", "postgres://u:hunter2@db/x", good}, "the password is readable on the command line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := onboard(t, append([]string{"run", "--queue", "-q"}, tc.args...)...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tc.msg)
			assert.NotContains(t, stderr, "hunter2")
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one clear error line: %q", stderr)
		})
	}
}

// TestJobsUsage: wrong command lines of jobs and worker get one line and
// exit 2, before any database is asked.
func TestJobsUsage(t *testing.T) {
	t.Setenv(stateEnv, "")
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"jobs", "get"}, "want one argument, the job's ID"},
		{[]string{"jobs", "cancel", "1", "2"}, "want one argument, the job's ID"},
		{[]string{"jobs", "get", "abc"}, `job "abc": want the number 'onboard jobs' lists`},
		{[]string{"jobs", "--limit", "0"}, "--limit 0: want 1 or more"},
		{[]string{"jobs"}, "no job queue"},
		{[]string{"worker", "--jobs", "0"}, "--jobs 0: want 1 or more"},
		{[]string{"worker", "--job-timeout", "1m", "--rescue-after", "30s"}, "--rescue-after 30s: want more than --job-timeout 1m0s"},
		{[]string{"worker", "--state", "postgres://u:hunter2@db/x"}, "the password is readable on the command line"},
		{[]string{"worker", "--base-url", "http://vendor.example.org"}, "http"},
		{[]string{"worker"}, "no job queue"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := onboard(t, tc.args...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tc.msg)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one clear error line: %q", stderr)
		})
	}
}

// TestStoppedWorkerPutsTheJobBack: a worker stopped softly (SIGTERM) in the
// middle of a job stores what its run wrote and puts the job back in the
// queue, the attempt not counted; the next worker on the same ledger
// finishes it, creating nobody twice.
func TestStoppedWorkerPutsTheJobBack(t *testing.T) {
	db := queueDB(t)
	const n = 60
	s, url := simulator(t, "smartapp", sim.Options{Latency: 30 * time.Millisecond})
	ledger := filepath.Join(t.TempDir(), "ledger.db")
	id := enqueue(t, "-p", "smartapp", "--rate", "0", "--workers", "1", "-o", "results.csv", roster(t, n))
	a := startWorker(t, "--state", ledger, "--base-url", url)
	deadline := time.Now().Add(30 * time.Second)
	for s.Store.Len() < 5 {
		require.True(t, time.Now().Before(deadline), "the worker created nobody: %s", a.stderr.String())
		time.Sleep(5 * time.Millisecond)
	}
	require.Equal(t, 0, a.stop(t), a.stderr.String())
	j := waitJob(t, db, id, 10*time.Second, "available", "retryable", "completed")
	require.Equal(t, "available", j.State, "back in the queue at once")
	assert.Equal(t, 0, j.Attempt, "the stop is not counted as an attempt: %+v", j)
	stopped := s.Store.Len()
	require.Less(t, stopped, n)
	assert.Equal(t, 1, inputs(t, db, id), "the roster stays for the next worker")
	got := t.TempDir()
	code, _, stderr := onboard(t, "jobs", "get", strconv.FormatInt(id, 10), "-o", got)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, column(readCSV(t, filepath.Join(got, "results.csv")), "status"), "not_attempted", "the stopped run's results are kept")

	b := startWorker(t, "--state", ledger, "--base-url", url)
	j = waitJob(t, db, id, 60*time.Second, "completed", "cancelled", "discarded")
	require.Equal(t, "completed", j.State, j.LastError)
	assert.Equal(t, n, s.Store.Len())
	for key, c := range s.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
	code, _, stderr = onboard(t, "jobs", "get", strconv.FormatInt(id, 10), "-o", got)
	require.Equal(t, 0, code, stderr)
	sts := column(readCSV(t, filepath.Join(got, "results.csv")), "status")
	assert.Equal(t, stopped, strings.Count(strings.Join(sts, ","), "skipped"), "the second run skips whom the first created")
	assert.Equal(t, 0, b.stop(t))
}
