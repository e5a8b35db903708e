package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
)

// TestRealFileDayTwo runs the HR sample (1,000 rows, 89 of them a second
// person on an EEID already used) into iSpring as the issue did: day one,
// its fix file run back with --update, the whole file again. The 83
// duplicates whose names differ are KEY_TAKEN conflicts, never updates;
// nobody is renamed at the vendor; nobody is falsely missing; iSpring
// updates that would lack an email are never sent, and plan counts none.
func TestRealFileDayTwo(t *testing.T) {
	roster := realFile(t, "employee-sample-data-excel.xlsx")
	s, url := simulator(t, "ispring", sim.Options{})
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	mapping := write(t, "map.yaml", `columns:
  EEID: login
split:
  Full Name: [first_name, last_name]
constants:
  departmentId: 6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7
`)
	run := func(name, in string, extra ...string) (int, string, string) {
		args := append([]string{"run", "-q", "-p", "ispring", "-m", mapping, "--base-url", url, "--rate", "0", "--workers", "8",
			"--state", stateFile, "-o", filepath.Join(dir, name+".csv"), "--failed-out", filepath.Join(dir, name+"-fix.xlsx"), "--json"}, extra...)
		return onboard(t, append(args, in)...)
	}
	names := func() map[string]string {
		out := map[string]string{}
		for _, u := range s.Store.Users() {
			out[u.ID] = fmt.Sprint(u.Fields["first_name"], " ", u.Fields["last_name"])
		}
		return out
	}

	code, stdout, stderr := run("day1", roster)
	require.Equal(t, 1, code, stderr)
	r := oneReport(t, stdout)
	require.Equal(t, 911, r.Counts["created"], stderr)
	require.Equal(t, 89, r.Counts["invalid"])
	assert.Equal(t, 0, intp(t, r.Missing, "missing"))
	before := names()

	code, stdout, stderr = run("fixback", filepath.Join(dir, "day1-fix.xlsx"), "--update")
	require.Equal(t, 1, code, stderr)
	r = oneReport(t, stdout)
	assert.Equal(t, 83, r.Counts["conflict"], "a second person on a used EEID is KEY_TAKEN")
	assert.Equal(t, 6, r.Counts["invalid"], "EEIDs three times in the file are still duplicates within the fix file")
	assert.Equal(t, 0, r.Updated, "no update of other people")
	assert.Equal(t, 0, r.Changed)
	assert.Nil(t, r.Missing, "a fix file lists nobody missing")
	assert.Equal(t, before, names(), "nobody renamed at the vendor")
	results := readCSV(t, filepath.Join(dir, "fixback.csv"))
	assert.Equal(t, 83, strings.Count(fmt.Sprint(column(results, "error_code")), "KEY_TAKEN"))

	code, stdout, stderr = run("day2", roster, "--update")
	require.Equal(t, 1, code, stderr)
	r = oneReport(t, stdout)
	assert.Equal(t, 911, r.Counts["skipped"])
	assert.Equal(t, 0, intp(t, r.Missing, "missing"), "no false missing people")
	assert.Equal(t, 0, intp(t, r.StillMissing, "still missing"))
	assert.Equal(t, 0, r.Updated)
	assert.Equal(t, 0, r.Counts["failed"])
	assert.Equal(t, before, names())

	code, stdout, stderr = onboard(t, "plan", "-q", "-p", "ispring", "-m", mapping, "--base-url", url, "--state", stateFile, "--update", roster)
	require.Equal(t, 1, code, stderr)
	assert.Contains(t, stdout, "a run would make 0 API calls")
}

// TestOneNextStep: after the licences run out the run says one next step,
// right for the cause (free licences, run the same command again); the
// fix file's line counts the rows not sent apart from the rows to fix and
// gives no second step. A finished run's one step is the fix file.
func TestOneNextStep(t *testing.T) {
	_, url := simulator(t, "ispring", sim.Options{Licences: 2})
	dir := t.TempDir()
	head := "login,email,first_name,last_name,departmentId\n"
	var b strings.Builder
	b.WriteString(head)
	for i := range 6 {
		fmt.Fprintf(&b, "p%d,p%d@acme.test,P%d,Person,6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7\n", i, i, i)
	}
	b.WriteString("bad,not-an-email,Bad,Row,6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7\n")
	fix := filepath.Join(dir, "fix.csv")
	code, stdout, stderr := onboard(t, "run", "-q", "-p", "ispring", "--base-url", url, "--rate", "0", "--workers", "1",
		"--state", filepath.Join(dir, "state.db"), "-o", filepath.Join(dir, "r.csv"), "--failed-out", fix, "--json",
		write(t, "roster.csv", b.String()))
	require.Equal(t, 1, code, stderr)
	r := oneReport(t, stdout)
	require.Equal(t, "licences", r.Status, stderr)
	assert.Equal(t, "free licences or buy more at the vendor, then run the same command again; the 2 already created will be skipped", r.Next,
		"one step: not also 'fix the invalid rows'")
	assert.Regexp(t, `fix file: .*fix\.csv \(1 invalid, 1 failed at the vendor, 3 not sent\)\n`, stderr, "rows not sent are not 'to fix', and no second step")
	assert.Equal(t, 1, strings.Count(strings.ToLower(stderr), "run the same command again"), stderr)
	assert.NotContains(t, stderr, "rows to fix")

	// The breaker: the same one step, on the exit line.
	_, url2 := simulator(t, "smartapp", sim.Options{FailRate: 1})
	code, stdout, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url2, "--rate", "0", "--workers", "1", "--retries", "0",
		"--breaker", "3", "--state", filepath.Join(dir, "state2.db"), "-o", filepath.Join(dir, "r2.csv"), "--failed-out", filepath.Join(dir, "fix2.csv"), "--json",
		write(t, "roster2.csv", people("b", 8)))
	require.Equal(t, 2, code, "nothing created: %s", stderr)
	r = oneReport(t, stdout)
	require.Equal(t, "breaker", r.Status)
	assert.Regexp(t, `\(3 failed at the vendor, 5 not sent\)\n`, stderr)
	assert.Equal(t, 1, strings.Count(strings.ToLower(stderr), "run the same command again"), stderr)
}

// TestPlanSaysWhereTheStoreKnowsPeople: plan --offline without --base-url
// reads the production host's scope; when the state store knows nobody
// there but people of the provider elsewhere, plan says where and asks.
func TestPlanSaysWhereTheStoreKnowsPeople(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	st := filepath.Join(dir, "state.db")
	roster := write(t, "r.csv", people("k", 7))
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--state", st, "-o", filepath.Join(dir, "r.xlsx"), roster)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := onboard(t, "plan", "-q", "-p", "smartapp", "--offline", "--state", st, roster)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "the state store knows no smartapp people at https://")
	assert.Contains(t, stderr, "but 7 at http://localhost:")
	assert.Contains(t, stderr, "did you mean --base-url http://localhost:")
	assert.Contains(t, stdout, "create")

	code, _, stderr = onboard(t, "plan", "-q", "-p", "smartapp", "--offline", "--base-url", url, "--state", st, roster)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "did you mean")
}

// TestPlanOfflineCountsOnlySendableUpdates: plan --offline --update knows
// the update call's rules without asking the vendor: an iSpring person
// whose row has no email is changed, but no call.
func TestPlanOfflineCountsOnlySendableUpdates(t *testing.T) {
	_, url := simulator(t, "ispring", sim.Options{})
	dir := t.TempDir()
	st := filepath.Join(dir, "state.db")
	head := "login,email,first_name,last_name,departmentId\n"
	dept := ",6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7\n"
	code, _, stderr := onboard(t, "run", "-q", "-p", "ispring", "--base-url", url, "--rate", "0", "--state", st,
		"-o", filepath.Join(dir, "r.csv"), write(t, "d1.csv", head+"ann,,Ann,Lee"+dept+"bob,bob@acme.test,Bob,Ray"+dept))
	require.Equal(t, 0, code, stderr)
	for _, k := range []string{"ONBOARD_TOKEN", "ONBOARD_CLIENT_ID", "ONBOARD_CLIENT_SECRET"} {
		t.Setenv(k, "")
	}
	code, stdout, stderr := onboard(t, "plan", "-p", "ispring", "--offline", "--update", "--base-url", url, "--state", st,
		write(t, "d2.csv", head+"ann,,Ann,Lee-Park"+dept+"bob,bob@acme.test,Bob,Ray-Park"+dept))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "a run with --update cannot send it: iSpring's update call needs the person's login and email, and this row has no email")
	assert.Contains(t, stdout, "a run would make 1 API call")
}
