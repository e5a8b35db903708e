package state

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crash leaves s as a kill -9 does: the marks rows and the run still
// running in the file (Close settles nothing it does not remember).
func crash(t *testing.T, s *Store) {
	t.Helper()
	s.marks.mu.Lock()
	s.marks.by, s.marks.n, s.marks.ids, s.marks.dead, s.marks.rows = nil, 0, nil, nil, false
	s.marks.mu.Unlock()
	require.NoError(t, s.Close())
}

// rowOf reads a person's status and prev_status straight from people.
func rowOf(t *testing.T, s *Store, key string) (status, prev string, ok bool) {
	t.Helper()
	err := s.db.QueryRow(`SELECT status, prev_status FROM people WHERE key = ?`, key).Scan(&status, &prev)
	if err != nil {
		return "", "", false
	}
	return status, prev, true
}

func marksRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM marks`).Scan(&n))
	return n
}

// A v8 file takes the marks table; its people stay as they were.
func TestMigrateToV9AddsMarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 8))
	_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', 'running');
		INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, prev_status, identity, seen_run)
			VALUES (1, 'email:cy@x.org', 'in_flight', 1762048860000, 1762048860000, 1, 'failed', 'E3', 1);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openMigrated(t, path)
	assert.Zero(t, marksRows(t, s))
	cy, ok := get(t, s, scopeA, "email:cy@x.org")
	require.True(t, ok)
	assert.Equal(t, StatusInFlight, cy.Status)
	assert.Equal(t, []int64{1}, s.CrashedRuns())
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:dee@x.org", Identity: "E4"}}))
	assert.Equal(t, 1, marksRows(t, s))
	_, _, inPeople := rowOf(t, s, "email:dee@x.org")
	assert.False(t, inPeople, "the mark is a marks row, not a person")
}

// The marks without an outcome are in flight in people after EndRun, as a
// mark in people left them; the marks rows are gone.
func TestUnknownOutcomeInFlightAfterEndRun(t *testing.T) {
	s, _ := openTemp(t)
	run1 := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run1, []string{"email:old@x.org"}))
	require.NoError(t, s.Record(scopeA, run1, []Outcome{{Key: "email:old@x.org", Status: StatusFailed}}))
	require.NoError(t, s.EndRun(run1, Counts{}, RunDone))

	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:a@x.org", Identity: "EA"}, {Key: "email:b@x.org"}}))
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:c@x.org"}, {Key: "email:old@x.org", Identity: "EO"}}))
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:d@x.org"}}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:b@x.org", Status: StatusCreated, VendorID: "VB"}}))
	require.NoError(t, s.EndRun(run, Counts{}, RunInterrupted))

	assert.Zero(t, marksRows(t, s))
	assertRows(t, s, map[string][2]string{
		"email:a@x.org":   {StatusInFlight, ""},
		"email:c@x.org":   {StatusInFlight, ""},
		"email:d@x.org":   {StatusInFlight, ""},
		"email:old@x.org": {StatusInFlight, StatusFailed},
		"email:b@x.org":   {StatusCreated, ""},
	})
	a, _ := get(t, s, scopeA, "email:a@x.org")
	assert.Equal(t, "EA", a.Identity)
	assert.Equal(t, run, a.UpdatedRun)
	old, _ := get(t, s, scopeA, "email:old@x.org")
	assert.Equal(t, "EO", old.Identity)
}

// A run killed after its marks: the next writable Open puts the keys it
// sent without an answer in flight (the next run looks them up), leaves
// those it recorded as they were, and deletes the marks rows.
func TestMarksOfADeadRunFoldOnOpen(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:prev@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:prev@x.org", Status: StatusFailed}}))
	require.NoError(t, s.EndRun(run, Counts{}, RunDone))
	run = beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:sent@x.org", Identity: "E1"}, {Key: "email:made@x.org"},
		{Key: "email:prev@x.org", Identity: "E2"}, {Key: "email:gone@x.org"}}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:made@x.org", Status: StatusCreated, VendorID: "V1"}}))
	crash(t, s)

	// Before the next run: a reader sees the dead run's marks.
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	got, err := ro.Get(scopeA, []string{"email:sent@x.org", "email:made@x.org", "email:prev@x.org"})
	require.NoError(t, err)
	assert.Equal(t, StatusInFlight, got["email:sent@x.org"].Status)
	assert.Equal(t, StatusCreated, got["email:made@x.org"].Status, "the recorded outcome, not the mark")
	assert.Equal(t, StatusInFlight, got["email:prev@x.org"].Status)
	require.NoError(t, ro.Close())

	s, err = Open(path, Options{Now: tickClock()})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.Equal(t, []int64{run}, s.CrashedRuns())
	assert.Zero(t, marksRows(t, s))
	assertRows(t, s, map[string][2]string{
		"email:sent@x.org": {StatusInFlight, ""},
		"email:gone@x.org": {StatusInFlight, ""},
		"email:prev@x.org": {StatusInFlight, StatusFailed},
		"email:made@x.org": {StatusCreated, ""},
	})
	sent, _ := get(t, s, scopeA, "email:sent@x.org")
	assert.Equal(t, "E1", sent.Identity)
	assert.Equal(t, run, sent.UpdatedRun)
	byID, err := s.ByIdentity(scopeA, []string{"E1", "E2"})
	require.NoError(t, err)
	assert.Equal(t, "email:sent@x.org", byID["E1"].Key)
	assert.Equal(t, "email:prev@x.org", byID["E2"].Key)
}

// A marks row whose every key has an outcome is deleted by a later
// Record: a never-sent new person does not come back in flight after a
// crash, and the file keeps no row a dead run's fold would read.
func TestMarksRowsWithEveryOutcomeGo(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org", "email:b@x.org"}))
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:c@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:a@x.org", Status: StatusCreated}, {Key: "email:b@x.org"}}))
	assert.Equal(t, 2, marksRows(t, s), "deleted by the next Record")
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:x@x.org", Status: StatusFailed}}))
	assert.Equal(t, 1, marksRows(t, s))
	crash(t, s)

	s, err := Open(path, Options{Now: tickClock()})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, _, ok := rowOf(t, s, "email:b@x.org")
	assert.False(t, ok, "never sent: no record")
	status, _, _ := rowOf(t, s, "email:c@x.org")
	assert.Equal(t, StatusInFlight, status)
}

// While a run goes on, a read-only store (plan, lookup, the page) reads
// its marks without an outcome as in flight, and its outcomes as recorded.
func TestReadOnlySeesALiveRunsMarks(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:old@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:old@x.org", Status: StatusCreated, VendorID: "V0"}}))
	require.NoError(t, s.EndRun(run, Counts{}, RunDone))
	run = beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:ann@x.org", Identity: "E1"}, {Key: "email:bob@x.org", Identity: "E2"}}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:bob@x.org", Status: StatusCreated, VendorID: "V2"}}))

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	got, err := ro.Get(scopeA, []string{"email:ann@x.org", "email:bob@x.org", "email:old@x.org"})
	require.NoError(t, err)
	assert.Equal(t, StatusInFlight, got["email:ann@x.org"].Status)
	assert.Equal(t, run, got["email:ann@x.org"].UpdatedRun)
	assert.Equal(t, "smartapp", got["email:ann@x.org"].Provider)
	assert.Equal(t, StatusCreated, got["email:bob@x.org"].Status)
	assert.Equal(t, StatusCreated, got["email:old@x.org"].Status)
	byID, err := ro.ByIdentity(scopeA, []string{"E1", "E2"})
	require.NoError(t, err)
	assert.Equal(t, "email:ann@x.org", byID["E1"].Key)
	assert.Equal(t, StatusInFlight, byID["E1"].Status)
	assert.Equal(t, StatusCreated, byID["E2"].Status)
	for _, q := range []string{"ann@x.org", "email:ann@x.org", "E1"} {
		found, err := ro.Lookup(q)
		require.NoError(t, err)
		require.Len(t, found, 1, q)
		assert.Equal(t, "email:ann@x.org", found[0].Key, q)
		assert.Equal(t, StatusInFlight, found[0].Status, q)
		assert.Equal(t, "t1", found[0].Tenant, q)
	}
	// The run's own process reads the same.
	found, err := s.Lookup("E1")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, StatusInFlight, found[0].Status)
}

// A later row of the same file with the identity of a person marked in an
// earlier chunk (no outcome yet) under another key is a conflict: ByIdentity
// finds the mark. A created person with the identity still wins, and a
// re-mark under another identity moves the person.
func TestByIdentitySeesTheRunsMarks(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:made@x.org", Identity: "E9"}}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:made@x.org", Status: StatusCreated, VendorID: "V9"}}))
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:ann@x.org", Identity: "E1"}, {Key: "email:zed@x.org", Identity: "E9"},
		{Key: "email:moved@x.org", Identity: "E5"}}))
	require.NoError(t, s.MarkInFlightAs(scopeA, run, []Mark{{Key: "email:moved@x.org", Identity: "E6"}}))

	byID, err := s.ByIdentity(scopeA, []string{"E1", "E9", "E5", "E6", "E7"})
	require.NoError(t, err)
	assert.Equal(t, "email:ann@x.org", byID["E1"].Key)
	assert.Equal(t, StatusInFlight, byID["E1"].Status)
	assert.Equal(t, "email:made@x.org", byID["E9"].Key, "created wins over in flight")
	assert.Equal(t, "email:moved@x.org", byID["E6"].Key)
	assert.NotContains(t, byID, "E5")
	assert.NotContains(t, byID, "E7")

	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:ann@x.org", Status: StatusFailed}}))
	byID, err = s.ByIdentity(scopeA, []string{"E1"})
	require.NoError(t, err)
	assert.NotContains(t, byID, "E1", "failed: nobody holds the identity")
}

// kill -9 after a mark: a reader finds the person in flight before any
// run opens the file, and the next run's Open puts them in flight in
// people (the run then looks them up) and deletes the marks row.
func TestKilledRunsMarkFoldsOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	killedRun(t, path)

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	got, err := ro.Get(scopeA, []string{"email:kill@x.org"})
	require.NoError(t, err)
	assert.Equal(t, StatusInFlight, got["email:kill@x.org"].Status)
	require.NoError(t, ro.Close())

	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.CrashedRuns(), 1)
	assert.Zero(t, marksRows(t, s))
	status, prev, ok := rowOf(t, s, "email:kill@x.org")
	require.True(t, ok)
	assert.Equal(t, [2]string{StatusInFlight, ""}, [2]string{status, prev})
	p, _ := get(t, s, scopeA, "email:kill@x.org")
	assert.Equal(t, s.CrashedRuns()[0], p.UpdatedRun)
}

// One Record of people marked at different times (and one never marked)
// gives each the first_seen its mark's time, or the outcome's, and a key
// recorded twice in it ends as its last outcome says.
func TestRecordKeepsEachMarksTime(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org", "email:c@x.org"}))
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:b@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{
		{Key: "email:b@x.org", Status: StatusCreated, VendorID: "vb"},
		{Key: "email:a@x.org", Status: StatusCreated, VendorID: "va"},
		{Key: "email:d@x.org", Status: StatusCreated, VendorID: "vd"},
		{Key: "email:c@x.org", Status: StatusCreated, VendorID: "c1"},
		{Key: "email:c@x.org", Status: StatusCreated, VendorID: "c2"},
	}))
	first := map[string]int64{}
	var last int64
	for _, k := range []string{"a", "b", "c", "d"} {
		var f, l int64
		require.NoError(t, s.db.QueryRow(`SELECT first_seen, last_seen FROM people WHERE key = ?`, "email:"+k+"@x.org").Scan(&f, &l))
		first[k], last = f, l
	}
	assert.Equal(t, first["a"], first["c"], "marked in one call")
	assert.Less(t, first["a"], first["b"], "marked a call later")
	assert.Less(t, first["b"], first["d"], "never marked: the outcome's time")
	assert.Equal(t, last, first["d"])
	p, ok := get(t, s, scopeA, "email:c@x.org")
	require.True(t, ok)
	assert.Equal(t, "c2", p.VendorID)
}

// assertRows checks each key's people row: its status and prev_status.
func assertRows(t *testing.T, s *Store, want map[string][2]string) {
	t.Helper()
	for key, w := range want {
		status, prev, ok := rowOf(t, s, key)
		require.True(t, ok, key)
		assert.Equal(t, w, [2]string{status, prev}, key)
	}
}
