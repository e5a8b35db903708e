package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/samples"
)

// plan against each vendor's simulator, on the vendor's sample roster:
// before any run every valid row is create; after a run with a state
// store its people are already_onboarded; with another state store they
// are exists_at_vendor (the vendor's lookup found them). Plan creates
// nobody and writes nothing to the state store.
func TestPlanEachSimulator(t *testing.T) {
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			s, url := simulator(t, id, sim.Options{})
			dir := t.TempDir()
			b, err := samples.FS.ReadFile(id + "/roster.csv")
			require.NoError(t, err)
			roster := filepath.Join(dir, "roster.csv")
			require.NoError(t, os.WriteFile(roster, b, 0o600))
			stateFile := filepath.Join(dir, "state.db")
			plan := func(stateFile string) [][]string {
				t.Helper()
				out := filepath.Join(dir, "plan.csv")
				code, stdout, stderr := onboard(t, "plan", "-q", "-p", id, "--base-url", url, "--rate", "0", "--state", stateFile, "-o", out, roster)
				require.Contains(t, []int{0, 1}, code, stderr)
				assert.Contains(t, stdout, "a run would make")
				return readCSV(t, out)
			}

			before := plan(stateFile)
			assert.NoFileExists(t, stateFile, "plan creates no state store")
			decisions := column(before, "plan")
			creates := strings.Count(strings.Join(decisions, " "), "create")
			require.Positive(t, creates, "the sample has valid rows: %v", decisions)
			for _, d := range decisions {
				assert.Contains(t, []string{"create", "invalid"}, d)
			}
			assert.Zero(t, s.Store.Len(), "plan creates nobody")

			results := filepath.Join(dir, "results.csv")
			code, _, stderr := onboard(t, "run", "-q", "-p", id, "--base-url", url, "--rate", "0", "--state", stateFile, "-o", results, roster)
			require.Contains(t, []int{0, 1}, code, stderr)
			created := s.Store.Len()
			require.Positive(t, created)
			statuses := column(readCSV(t, results), "status")

			// Created rows are already onboarded; a row the vendor refused
			// would be tried again.
			after := plan(stateFile)
			want := make([]string, len(decisions))
			for i, d := range decisions {
				want[i] = d
				if statuses[i] == "created" {
					want[i] = "already_onboarded"
				}
			}
			assert.Equal(t, want, column(after, "plan"))
			assert.Equal(t, column(readCSV(t, results), "id"), column(after, "id")[:len(statuses)], "the stored vendor IDs")

			// A state store that does not know them (a lost state file):
			// the vendor's lookup finds them.
			other := filepath.Join(dir, "other.db")
			st, err := state.Open(other, state.Options{})
			require.NoError(t, err)
			require.NoError(t, st.Close())
			lost := plan(other)
			for i, d := range column(lost, "plan") {
				if statuses[i] == "created" {
					assert.Equal(t, "exists_at_vendor", d, "row %s", lost[i+1][0])
					assert.NotEmpty(t, lost[i+1][2], "the vendor's ID")
				} else {
					assert.Equal(t, decisions[i], d)
				}
			}
			assert.Equal(t, created, s.Store.Len(), "plan creates nobody")
		})
	}
}

func TestPlanCredentialsAndFailures(t *testing.T) {
	dir := t.TempDir()
	roster := write(t, "r.csv", smartappGood)
	for _, k := range []string{"ONBOARD_TOKEN", "ONBOARD_EMAIL", "ONBOARD_PASSWORD"} {
		t.Setenv(k, "")
	}

	// Offline: no credentials, no vendor, the state store alone.
	code, stdout, stderr := onboard(t, "plan", "-q", "-p", "smartapp", "--offline", "--no-state", roster)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "  create             2\n")
	assert.Contains(t, stdout, "a run would make 2 API calls")

	// Without credentials it says how to plan without them.
	code, _, stderr = onboard(t, "plan", "-q", "-p", "smartapp", "--no-state", roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--offline")

	// A vendor that refuses the credentials: no plan written, exit 2.
	_, url := simulator(t, "smartapp", sim.Options{})
	t.Setenv("ONBOARD_TOKEN", "wrong-token")
	out := filepath.Join(dir, "plan.xlsx")
	code, _, stderr = onboard(t, "plan", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "-o", out, roster)
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "AUTH_FAILED")
	assert.NotContains(t, stderr, "wrong-token")
	assert.NoFileExists(t, out)

	code, _, stderr = onboard(t, "plan", "-q", "-p", "smartapp", "--offline", "--workers", "0", roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--workers 0")
}

// A --base-url that would send credentials in the clear is refused before
// anything is read or asked.
func TestPlanChecksBaseURL(t *testing.T) {
	t.Setenv("ONBOARD_TOKEN", "t0ken")
	code, _, stderr := onboard(t, "plan", "-q", "-p", "smartapp", "--no-state", "--base-url", "http://vendor.example", write(t, "r.csv", smartappGood))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "http://")
	assert.NotContains(t, stderr, "t0ken")
}

// Without -o the rows a run would not simply create are listed on stdout.
func TestPlanListsRowsWithoutSheet(t *testing.T) {
	code, stdout, stderr := onboard(t, "plan", "-q", "-p", "smartapp", "--offline", "--no-state",
		write(t, "r.csv", smartappGood+"Sam,Okafor,sokafor@globex,Globex,headquarters,\n"))
	require.Equal(t, 1, code, stderr)
	assert.Contains(t, stdout, "row 4: invalid INVALID_VALUE email: ")
	assert.NotContains(t, stdout, "row 2:")
}

// Day two, end to end: plan after a run with identity: in the mapping
// says conflict for a changed email and changed for a changed surname.
func TestPlanConflictAndChanged(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	mp := write(t, "map.yaml", "identity: Employee ID\n")
	head := "Employee ID,First Name,Last Name,E-mail,Company,Location\n"
	stateFile := filepath.Join(dir, "state.db")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "-m", mp, "--base-url", url, "--rate", "0", "--state", stateFile,
		"-o", filepath.Join(dir, "r.csv"), write(t, "d1.csv", head+"E1,Ann,Lee,ann@smartapp.com,smartapp.com,headquarters\nE2,Bob,Ray,bob@smartapp.com,smartapp.com,headquarters\n"))
	require.Equal(t, 0, code, stderr)
	out := filepath.Join(dir, "plan.csv")
	code, stdout, stderr := onboard(t, "plan", "-q", "-p", "smartapp", "-m", mp, "--base-url", url, "--state", stateFile, "-o", out,
		write(t, "d2.csv", head+"E1,Ann,Leigh,ann@smartapp.com,smartapp.com,headquarters\nE2,Bob,Ray,bob.ray@smartapp.com,smartapp.com,headquarters\n"))
	require.Equal(t, 1, code, stderr) // a conflict needs a person
	rows := readCSV(t, out)
	assert.Equal(t, []string{"changed", "conflict"}, column(rows, "plan"))
	assert.Equal(t, []string{"ALREADY_ONBOARDED", "IDENTITY_CHANGED"}, column(rows, "code"))
	assert.Contains(t, stdout, "a run would make 0 API calls: nothing to send")
}
