package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports"
)

// hookRecorder is a webhook on loopback that keeps what it was posted.
type hookRecorder struct {
	mu    sync.Mutex
	posts []map[string]any
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	h.mu.Lock()
	h.posts = append(h.posts, m)
	h.mu.Unlock()
}

func (h *hookRecorder) all() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.posts...)
}

const dayHead = "Employee ID,firstName,lastName,email,phone,companyName,companyLocationName\n"

func dayRow(id, first, last, email, phone string) string {
	return strings.Join([]string{id, first, last, email, phone, "Acme Corp", "Boston"}, ",") + "\n"
}

// oneReport is the one JSON line of a run --json.
func oneReport(t *testing.T, stdout string) reports.Report {
	t.Helper()
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1, stdout)
	return rs[0]
}

// intp reads a nullable count of the morning report.
func intp(t *testing.T, p *int, what string) int {
	t.Helper()
	require.NotNil(t, p, "%s is checked", what)
	return *p
}

// TestDayByDay lives through the days the issue saw: day one; day two
// with a changed phone, a changed email, a leaver, a newcomer, an in-file
// duplicate and an invalid row of a known person; the fix file run back;
// day two again with --update; then a night of three files in one watched
// inbox. Every count, list and next step is asserted, in the JSON line,
// the webhook and the outputs.
func TestDayByDay(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	hook := &hookRecorder{}
	hs := httptest.NewServer(hook)
	t.Cleanup(hs.Close)
	t.Setenv(notifyEnv, hs.URL)
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.db")
	mapping := write(t, "map.yaml", "identity: Employee ID\n")
	run := func(name, roster string, extra ...string) (int, reports.Report, string, string) {
		in := roster
		if !strings.HasPrefix(roster, "/") {
			in = write(t, name+".csv", roster)
		}
		out := filepath.Join(dir, name+"-results.csv")
		fix := filepath.Join(dir, name+"-fix.csv")
		args := append([]string{"run", "-q", "-p", "smartapp", "-m", mapping, "--base-url", url, "--rate", "0",
			"--state", stateFile, "-o", out, "--failed-out", fix, "--json", "--notify"}, extra...)
		code, stdout, stderr := onboard(t, append(args, in)...)
		return code, oneReport(t, stdout), stderr, fix
	}
	ann := dayRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")
	bob := dayRow("E2", "Bob", "Ray", "bob@acme.test", "555-0102")
	cy := dayRow("E3", "Cy", "Day", "cy@acme.test", "555-0103")
	di := dayRow("E4", "Di", "Fox", "di@acme.test", "555-0104")
	eve := dayRow("E5", "Eve", "Ng", "eve@acme.test", "555-0105")
	alex := dayRow("E6", "Alex", "Kim", "alex@acme.test", "555-0106")
	alexandra := dayRow("E7", "Alexandra", "Kimball", "alex@acme.test", "555-0107")

	// Day one: six people created, Alexandra refused as a duplicate.
	code, r, stderr, fix1 := run("day1", dayHead+ann+bob+cy+di+eve+alex+alexandra)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 6, r.Counts["created"])
	assert.Equal(t, 1, r.Counts["invalid"])
	assert.Equal(t, 0, intp(t, r.Missing, "missing"))
	assert.Equal(t, 0, intp(t, r.StillMissing, "still_missing"))
	assert.Equal(t, "the fix file lists 1 invalid row, each with its reason: fix them and run the fix file", r.Next)
	assert.Contains(t, stderr, "fix file: "+fix1+" (1 invalid; fix them and run it again as it is)")
	require.Len(t, readCSV(t, fix1), 2)
	assert.Equal(t, 6, s.Store.Len())
	alexID := ""
	for _, row := range readCSV(t, filepath.Join(dir, "day1-results.csv")) {
		if row[0] == "7" {
			alexID = row[2]
		}
	}
	require.NotEmpty(t, alexID)

	// Day two.
	fay := dayRow("E8", "Fay", "Oz", "fay@acme.test", "555-0108")
	day2 := dayHead +
		dayRow("E1", "Ann", "Lee", "ann@acme.test", "555-0999") + // changed phone
		dayRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102") + // changed email
		dayRow("E4", "", "Fox", "di@acme.test", "555-0104") + // invalid row of a known person
		eve + alex + alexandra + fay // Cy left, Fay is new, Alexandra still a duplicate
	code, r, stderr, fix2 := run("day2", day2)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 1, r.Counts["created"], "Fay")
	assert.Equal(t, 3, r.Counts["skipped"], "Ann, Eve, Alex")
	assert.Equal(t, 2, r.Counts["invalid"], "Di, Alexandra")
	assert.Equal(t, 1, r.Counts["conflict"], "Bob")
	assert.Equal(t, 1, r.Conflict)
	assert.Equal(t, 1, r.Changed, "Ann")
	assert.Equal(t, 0, r.Updated)
	assert.Equal(t, 1, intp(t, r.Missing, "missing"), "Cy; Di's invalid row and Bob's conflict are people seen")
	assert.Equal(t, 0, intp(t, r.StillMissing, "still_missing"))
	assert.Equal(t, reports.MissingPath(filepath.Join(dir, "day2-results.csv")), r.MissingList)
	missing := readCSV(t, r.MissingList)
	require.Len(t, missing, 2)
	assert.Equal(t, "email:cy@acme.test", missing[1][0])
	assert.Contains(t, r.Next, "2 invalid rows, 1 conflict (decide who the person is")
	assert.Contains(t, stderr, "(2 invalid, 1 conflict (decide who the person is); fix them and run it again as it is)")
	fixRows := readCSV(t, fix2)
	require.Len(t, fixRows, 4, "Bob's conflict, Di and Alexandra: %v", fixRows)
	errCol := len(fixRows[0]) - 1
	assert.Equal(t, "onboard_error", fixRows[0][errCol])
	assert.Contains(t, fixRows[1][errCol], "IDENTITY_CHANGED")

	// The fix file run back, Di fixed and nothing else touched: Alexandra
	// is another person on Alex's key (KEY_TAKEN), never his update, even
	// with --update; nobody is missing from a fix file.
	fixRows[2][1] = "Di"
	fixed := filepath.Join(dir, "fixed.csv")
	f, err := os.Create(fixed)
	require.NoError(t, err)
	require.NoError(t, csv.NewWriter(f).WriteAll(fixRows))
	require.NoError(t, f.Close())
	code, r, stderr, fix3 := run("fixback", fixed, "--update")
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 1, r.Counts["skipped"], "Di, unchanged")
	assert.Equal(t, 2, r.Counts["conflict"], "Bob and Alexandra")
	assert.Equal(t, 0, r.Updated)
	assert.Equal(t, 0, r.Changed)
	assert.Nil(t, r.Missing, "a fix file lists nobody missing")
	assert.Contains(t, r.MissingNote, "fix file")
	assert.NotContains(t, stderr, "missing from the file")
	assert.Len(t, readCSV(t, fix3), 3, "a day of only conflicts writes a fix file: Bob and Alexandra")
	assert.Contains(t, r.Next, "2 conflicts (decide who the person is")
	results := readCSV(t, filepath.Join(dir, "fixback-results.csv"))
	var codes []string
	for _, row := range results[1:] {
		codes = append(codes, row[3])
	}
	assert.ElementsMatch(t, []string{"IDENTITY_CHANGED", "ALREADY_ONBOARDED", "KEY_TAKEN"}, codes)
	u, ok := s.Store.ByID(alexID)
	require.True(t, ok)
	assert.Equal(t, "Kim", u.Fields["lastName"], "the vendor's Alex Kim is not renamed")

	// Day two again, with --update: Ann's phone is sent; Cy is still
	// missing, counted and not listed again.
	code, r, stderr, _ = run("day2b", day2, "--update")
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 1, r.Updated, "Ann")
	assert.Equal(t, 1, r.Counts["updated"])
	assert.Equal(t, 0, intp(t, r.Missing, "missing"))
	assert.Equal(t, 1, intp(t, r.StillMissing, "still_missing"), "Cy")
	assert.Empty(t, r.MissingList, "nobody newly missing: no list to act on")
	assert.Contains(t, stderr, "1 still missing (listed before)")

	// The webhook had every run's report, day-two counts included.
	posts := hook.all()
	require.Len(t, posts, 4)
	assert.EqualValues(t, 1, posts[1]["missing"])
	assert.EqualValues(t, 1, posts[1]["conflict"])
	assert.EqualValues(t, 1, posts[1]["changed"])
	assert.Contains(t, posts[1]["text"], "missing: 1 newly missing")
	assert.EqualValues(t, 1, posts[3]["updated"])
	assert.EqualValues(t, 1, posts[3]["still_missing"])

	// A night of three files in one watched inbox: Eve left tonight. Each
	// file's line lists nobody; the night's line lists Eve, once, over the
	// whole drop, and counts Cy as still missing.
	box := newInbox(t)
	drop(t, box, "a.csv", dayHead+dayRow("E1", "Ann", "Lee", "ann@acme.test", "555-0999")+dayRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102"))
	drop(t, box, "b.csv", dayHead+di)
	drop(t, box, "c.csv", dayHead+alex+fay)
	code, stdout, stderr := onboard(t, "watch", "-q", "--inbox", box, "-p", "smartapp", "-m", mapping, "--base-url", url, "--rate", "0",
		"--state", stateFile, "--settle", "0s", "--once", "--format", "csv")
	assert.Equal(t, 1, code, "Bob's conflict: %s", stderr)
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 4, stdout)
	for _, fr := range rs[:3] {
		assert.Nil(t, fr.Missing, "%s lists nobody", fr.File)
		assert.Contains(t, fr.MissingNote, "once the night's drop is complete")
	}
	nr := rs[3]
	assert.Equal(t, "night", nr.Kind)
	assert.Equal(t, 1, intp(t, nr.Missing, "night missing"))
	assert.Equal(t, 1, intp(t, nr.StillMissing, "night still missing"))
	list := readCSV(t, nr.MissingList)
	require.Len(t, list, 2)
	assert.Equal(t, "email:eve@acme.test", list[1][0])
	assert.Contains(t, nr.Next, "deactivate at the vendor those who left")
	assert.Equal(t, 7, s.Store.Len(), "nobody deleted, nobody created twice")
	code, hist, _ := onboard(t, "history", "--limit", "1", "--state", stateFile)
	require.Equal(t, 0, code)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(strings.Split(hist, "\n")[1]), " 1"), "history counts the night's one gone on its last file: %s", hist)

	// The next night has the same three files: Eve is still missing, not
	// listed again.
	drop(t, box, "a.csv", dayHead+dayRow("E1", "Ann", "Lee", "ann@acme.test", "555-0999"))
	drop(t, box, "b.csv", dayHead+di+dayRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102"))
	drop(t, box, "c.csv", dayHead+alex+fay)
	_, stdout, _ = onboard(t, "watch", "-q", "--inbox", box, "-p", "smartapp", "-m", mapping, "--base-url", url, "--rate", "0",
		"--state", stateFile, "--settle", "0s", "--once", "--format", "csv")
	rs = reportsOf(t, stdout)
	require.Len(t, rs, 4, stdout)
	assert.Equal(t, 0, intp(t, rs[3].Missing, "missing"))
	assert.Equal(t, 2, intp(t, rs[3].StillMissing, "still missing: Cy and Eve"))
	assert.Empty(t, rs[3].MissingList)

	// lookup finds a person by identity.
	code, stdout, _ = onboard(t, "lookup", "E3", "--state", stateFile)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "email:cy@acme.test")
}
