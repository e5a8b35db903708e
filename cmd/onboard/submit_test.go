package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
)

// Bad flag values are refused before any output or state file is touched
// and before a simulator starts.
func TestRunFlagChecks(t *testing.T) {
	roster := write(t, "r.csv", smartappGood)
	tests := []struct {
		flag, value, want string
	}{
		{"--rate", "-1", "--rate -1"},
		{"--workers", "0", "--workers 0"},
		{"--retries", "-1", "--retries -1"},
		{"--breaker", "-2", "--breaker -2"},
		{"--max-creates", "-1", "--max-creates -1"},
		{"--max-failures", "-3", "--max-failures -3"},
		{"--existing", "merge", `--existing "merge" is not adopt, skip or fail`},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			dir := t.TempDir()
			out, failed, st := filepath.Join(dir, "results.xlsx"), filepath.Join(dir, "fix.csv"), filepath.Join(dir, "state.db")
			code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--state", st, "-o", out,
				"--failed-out", failed, tt.flag, tt.value, roster)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tt.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one clear error line: %q", stderr)
			assert.NotContains(t, stderr, "simulating", "no simulator started")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no output or state file touched")
		})
	}
}

// The vendor already has both people (a lost state file): adopt records
// them with the vendor's IDs and exits 0, and the next run skips them.
func TestRunExistingPeople(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	roster := write(t, "r.csv", smartappGood)
	dir := t.TempDir()
	out := filepath.Join(dir, "results.csv")
	base := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "-o", out}
	code, _, stderr := onboard(t, append(base, "--no-state", roster)...)
	require.Equal(t, 0, code, stderr)
	ids := column(readCSV(t, out), "id")

	for _, tt := range []struct {
		existing string
		code     int
		status   string
		errCode  string
	}{
		{"fail", 1, "failed", "ALREADY_EXISTS"},
		{"skip", 0, "skipped", "ALREADY_EXISTS"},
	} {
		t.Run(tt.existing, func(t *testing.T) {
			code, _, stderr := onboard(t, append(base, "--state", filepath.Join(t.TempDir(), "s.db"), "--existing", tt.existing, roster)...)
			assert.Equal(t, tt.code, code, stderr)
			rows := readCSV(t, out)
			assert.Equal(t, []string{tt.status, tt.status}, column(rows, "status"))
			assert.Equal(t, []string{tt.errCode, tt.errCode}, column(rows, "error_code"))
		})
	}

	t.Run("adopt", func(t *testing.T) {
		st := filepath.Join(t.TempDir(), "s.db")
		code, _, stderr := onboard(t, append(base, "--state", st, roster)...)
		assert.Equal(t, 0, code, "adopted rows are a success: %s", stderr)
		rows := readCSV(t, out)
		assert.Equal(t, []string{"adopted", "adopted"}, column(rows, "status"))
		assert.Equal(t, ids, column(rows, "id"), "the vendor's IDs, from its lookup")

		code, _, stderr = onboard(t, append(base, "--state", st, roster)...)
		assert.Equal(t, 0, code, stderr)
		rows = readCSV(t, out)
		assert.Equal(t, []string{"skipped", "skipped"}, column(rows, "status"))
		assert.Equal(t, []string{"ALREADY_ONBOARDED", "ALREADY_ONBOARDED"}, column(rows, "error_code"))
		assert.Equal(t, ids, column(rows, "id"))
	})
	assert.Equal(t, 2, s.Store.Len())
}

// A vendor host that is down trips the breaker: 10 rows, then nothing more is
// sent; nothing was created, so exit 2, and the message says what to check.
func TestRunBreakerStopsADeadHost(t *testing.T) {
	_, _ = simulator(t, "smartapp", sim.Options{}) // credentials only
	down := httptest.NewServer(nil)
	url := down.URL
	down.Close()
	var b strings.Builder
	b.WriteString("First Name,Last Name,E-mail,Company,Location\n")
	const n = 30
	for i := range n {
		b.WriteString("A,B,p" + strings.Repeat("x", i+1) + "@smartapp.com,smartapp.com,headquarters\n")
	}
	dir := t.TempDir()
	out, st := filepath.Join(dir, "results.csv"), filepath.Join(dir, "state.db")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--state", st, "--rate", "0", "--retries", "0",
		"--workers", "2", "-o", out, write(t, "r.csv", b.String()))
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "10 calls in a row to the vendor got no answer")
	assert.Contains(t, stderr, "check the network, --base-url")
	statuses := column(readCSV(t, out), "status")
	require.Len(t, statuses, n)
	var notAttempted int
	for _, s := range statuses {
		if s == "not_attempted" {
			notAttempted++
		}
	}
	assert.GreaterOrEqual(t, notAttempted, n-12, "stopped after about 10 rows: %v", statuses)
	assert.Equal(t, []string{"breaker"}, historyStatuses(t, st), "history says why it stopped")
}

// --max-creates stops the run at that many creates: the rest are
// not_attempted, exit 1, and a second run goes on from there.
func TestRunMaxCreates(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	var b strings.Builder
	b.WriteString("First Name,Last Name,E-mail,Company,Location\n")
	const n = 12
	for i := range n {
		b.WriteString("A,B,m" + strings.Repeat("x", i+1) + "@smartapp.com,smartapp.com,headquarters\n")
	}
	roster := write(t, "r.csv", b.String())
	dir := t.TempDir()
	out, st := filepath.Join(dir, "results.csv"), filepath.Join(dir, "state.db")
	args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--state", st, "--rate", "0", "-o", out, "--max-creates", "5", roster}
	code, _, stderr := onboard(t, args...)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "--max-creates 5 reached")
	assert.Equal(t, 5, s.Store.Len(), "exactly 5 created")
	var created, notAttempted int
	for _, st := range column(readCSV(t, out), "status") {
		switch st {
		case "created":
			created++
		case "not_attempted":
			notAttempted++
		}
	}
	assert.Equal(t, 5, created)
	assert.Equal(t, n-5, notAttempted)

	code, _, stderr = onboard(t, args...)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 10, s.Store.Len(), "the next run creates the next 5")
	code, hist, _ := onboard(t, "history", "--state", st)
	require.Equal(t, 0, code)
	assert.Contains(t, hist, "interrupted")
}
