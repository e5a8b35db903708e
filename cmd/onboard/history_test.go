package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// historyStatuses runs `onboard history` and returns each run's status,
// newest first, checking the layout on the way.
func historyStatuses(t *testing.T, stateFile string) []string {
	t.Helper()
	code, out, stderr := onboard(t, "history", "--state", stateFile)
	require.Equal(t, 0, code, stderr)
	var statuses []string
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.True(t, strings.HasPrefix(lines[0], "RUN  STARTED"), out)
	for _, l := range lines {
		// A detail line may be longer only by the path it ends with.
		short := l
		if strings.HasPrefix(l, " ") {
			if i := strings.LastIndex(l, " "); i > 0 {
				short = l[:i]
			}
		}
		assert.LessOrEqual(t, len(short), 100, "history fits 100 columns: %q", l)
		assert.Equal(t, l, strings.TrimRight(l, " "), "no trailing blanks")
		if f := strings.Fields(l); len(f) > 4 && f[0] != "RUN" && !strings.HasPrefix(l, " ") {
			statuses = append(statuses, f[4])
		}
	}
	return statuses
}

func TestHistoryStatusPerStopReason(t *testing.T) {
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	roster := write(t, "r.csv", smartappGood)
	run := func(url string, extra ...string) int {
		args := append([]string{"run", "-q", "-p", "smartapp", "--base-url", url, "--workers", "1", "--rate", "0",
			"--state", stateFile, "-o", filepath.Join(dir, "results.csv")}, extra...)
		code, _, _ := onboard(t, append(args, roster)...)
		return code
	}

	_, url := simulator(t, "smartapp", sim.Options{Licences: 1})
	assert.Equal(t, 1, run(url), "licences")
	_, url = simulator(t, "smartapp", sim.Options{})
	t.Setenv("ONBOARD_TOKEN", "wrong")
	assert.Equal(t, 2, run(url), "auth")
	_, url = simulator(t, "smartapp", sim.Options{})
	assert.Equal(t, 0, run(url), "done")

	// A soft stop (Ctrl-C): the command's context is cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := runFlags{in: inputFlags{provider: "smartapp"}, out: filepath.Join(dir, "x.csv"), baseURL: url, stateFile: stateFile, quiet: true}
	_, err := runFile(ctx, io.Discard, &f, write(t, "new.csv", strings.ReplaceAll(smartappGood, "smartapp.com,", "example.com,")))
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, exitInterrupted, ee.code)

	// A second Ctrl-C: the abort hook records the run before the exit.
	_, slow := simulator(t, "smartapp", sim.Options{Latency: 300 * time.Millisecond})
	f.baseURL = slow
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = runFile(context.Background(), io.Discard, &f, write(t, "other.csv", strings.ReplaceAll(smartappGood, "@smartapp.com", "@globex.com")))
	}()
	require.Eventually(t, func() bool { return abortHook.Load() != nil }, 5*time.Second, 5*time.Millisecond)
	runAbortHook()
	<-done

	assert.Equal(t, []string{"aborted", "interrupted", "done", "auth_failed", "licences"}, historyStatuses(t, stateFile))
	code, out, _ := onboard(t, "history", "--state", stateFile)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "results: "+filepath.Join(dir, "results.csv"))
	assert.Contains(t, out, "smartapp: "+roster)
}

func TestRunJSONComparesInvalidRowsWithThePreviousRun(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	bad := "Sam,Okafor,sokafor@globex,Globex,headquarters,\n"
	worse := "Ann,Lee,alee@,Globex,headquarters,\n"
	run := func(content string) *reports.Report {
		out := filepath.Join(dir, "results.csv")
		_, stdout, stderr := onboard(t, "run", "-q", "--json", "-p", "smartapp", "--base-url", url, "--rate", "0",
			"--state", stateFile, "-o", out, "--failed-out", filepath.Join(dir, "fix.csv"), write(t, "r.csv", content))
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		require.Len(t, lines, 1, "one JSON line: %s %s", stdout, stderr)
		var r reports.Report
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &r))
		return &r
	}
	first := run(smartappGood + bad)
	assert.Equal(t, "done", first.Status)
	assert.Equal(t, map[string]int{"created": 2, "skipped": 0, "invalid": 1, "failed": 0, "not_attempted": 0}, first.Counts)
	require.NotNil(t, first.NewInvalid)
	assert.Equal(t, []int{1, 0}, []int{*first.NewInvalid, *first.StillInvalid})
	assert.Equal(t, filepath.Join(dir, "fix.csv"), first.FixFile)
	assert.Equal(t, filepath.Join(dir, "results.csv"), first.Results)

	second := run(smartappGood + bad + worse)
	assert.Equal(t, 2, second.Counts["skipped"])
	assert.Equal(t, []int{1, 1}, []int{*second.NewInvalid, *second.StillInvalid}, "one old, one new")
	assert.Contains(t, second.Next, "the fix file lists 2 invalid rows")

	// Nothing to fix: no fix file is written, and the report names none
	// (yesterday's is still there, but it is not this run's).
	third := run(smartappGood)
	assert.Empty(t, third.FixFile)
	assert.FileExists(t, filepath.Join(dir, "fix.csv"))

	_, stdout, _ := onboard(t, "run", "-q", "--json", "-p", "nosuchvendor", "--no-state", "-o", filepath.Join(dir, "x.csv"), write(t, "r.csv", smartappGood))
	var failed reports.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &failed), stdout)
	assert.Equal(t, "failed", failed.Status)
	assert.NotEmpty(t, failed.Error)
}

func TestTookAndCrashedCounts(t *testing.T) {
	now := time.Now()
	assert.Equal(t, "-", took(state.Run{Status: state.RunCrashed, Started: now}, now))
	assert.Equal(t, "1m5s", took(state.Run{Status: state.RunDone, Started: now, Ended: now.Add(65 * time.Second)}, now))
	assert.Equal(t, "2.5s", took(state.Run{Status: state.RunRunning, Started: now.Add(-2500 * time.Millisecond)}, now))
}
