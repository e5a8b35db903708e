package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// TestRunMissingPeople: the second day's file lacks one person: they are
// listed in -missing.csv beside the CSV results, counted in the summary
// line and in history's GONE column, and nothing is done to them.
func TestRunMissingPeople(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "results.csv")
	head := "firstName,lastName,email,companyName,companyLocationName\n"
	ann := "Ann,Lee,ann@acme.test,Acme Corp,Boston\n"
	bob := "Bob,Ray,bob@acme.test,Acme Corp,Boston\n"
	run := func(roster string) (int, string) {
		code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0",
			"--state", stateFile, "-o", out, write(t, "r.csv", roster))
		return code, stderr
	}
	code, stderr := run(head + ann + bob)
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, reports.MissingPath(out))
	require.Len(t, rows, 2, "nobody missing on day one: %v", rows)

	code, stderr = run(head + ann)
	require.Equal(t, 0, code, stderr)
	rows = readCSV(t, reports.MissingPath(out))
	require.Len(t, rows, 2)
	assert.Equal(t, "email:bob@acme.test", rows[1][0])
	assert.Contains(t, stderr, "1 newly missing from the file")
	assert.Equal(t, 2, s.Store.Len(), "nothing deactivated or deleted")

	code, hist, _ := onboard(t, "history", "--state", stateFile)
	require.Equal(t, 0, code)
	lines := strings.Split(hist, "\n")
	require.Contains(t, lines[0], "GONE")
	assert.True(t, strings.HasSuffix(strings.TrimSpace(lines[1]), " 1"), "newest run: one gone: %q", lines[1])

	// --partial: some people, not the roster: nobody listed, the report
	// says why.
	code, stdout, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0",
		"--state", stateFile, "-o", filepath.Join(dir, "partial.csv"), "--partial", "--json", write(t, "p.csv", head+ann))
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "missing")
	assert.NoFileExists(t, reports.MissingPath(filepath.Join(dir, "partial.csv")))
	assert.Contains(t, stdout, `"missing":null`)
	assert.Contains(t, stdout, `"missing_note":"not checked: --partial`)

	// The same -o as the whole roster's: its old list is replaced by the
	// reason there is none, so it cannot be read as today's.
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0",
		"--state", stateFile, "-o", out, "--partial", write(t, "p2.csv", head+ann))
	require.Equal(t, 0, code, stderr)
	rows = readCSV(t, reports.MissingPath(out))
	require.Len(t, rows, 2)
	assert.Equal(t, "(not checked: --partial (the file is not the whole roster))", rows[1][0])
}

// TestRunUpdateRefusedUpFront: a vendor without a documented update call
// refuses --update before any output is written, naming the vendor.
func TestRunUpdateRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "results.csv")
	b, err := os.ReadFile(filepath.Join("..", "..", "samples", "alphalearn", "roster.csv"))
	require.NoError(t, err)
	code, _, stderr := onboard(t, "run", "-q", "-p", "alphalearn", "--simulate", "--update",
		"--state", filepath.Join(dir, "state.db"), "-o", out, write(t, "r.csv", string(b)))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--update: alphalearn documents no update call")
	_, err = os.Stat(out)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing written")
}
