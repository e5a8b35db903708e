// Package statetest is the state store's conformance suite: every
// state.Ledger (the SQLite file, the PostgreSQL database) runs the same
// tests, so the pipeline behaves the same on either.
package statetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
)

// Factory makes one new, empty store for a test and returns how to open
// it; open may be called again after the previous handle is closed (a
// later run of the same ledger).
type Factory func(t *testing.T) (open func() state.Ledger)

var (
	scopeA = state.Scope{Provider: "alphalearn", BaseURL: "https://a.example.com/", Tenant: "acme"}
	scopeB = state.Scope{Provider: "alphalearn", BaseURL: "https://a.example.com", Tenant: "globex"}
)

// Run runs the suite.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func() state.Ledger)
	}{
		{"rerun skips created people", rerunSkips},
		{"in-flight marks and undo", inFlight},
		{"unknown outcome recovered by the next run", unknownOutcome},
		{"identity and change digests", identityDigests},
		{"packed digests stored as their map", packedDigests},
		{"missing people listed once then still missing", missingPeople},
		{"missing people over many runs and reopens", missingManyRuns},
		{"history and runs", history},
		{"lookup by key, value and identity", lookup},
		{"invalid rows compared with the previous run", invalidRows},
		{"reopen keeps the schema and the salt", migrations},
		{"scopes keep people apart", scopes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func begin(t *testing.T, st state.Ledger, sc state.Scope) int64 {
	t.Helper()
	id, err := st.BeginRun("roster.csv", "hash", sc)
	require.NoError(t, err)
	return id
}

func claim(t *testing.T, st state.Ledger, sc state.Scope, run int64, keys ...string) state.Claims {
	t.Helper()
	marks := make([]state.Mark, len(keys))
	for i, k := range keys {
		marks[i].Key = k
	}
	c, err := st.Claim(sc, run, marks)
	require.NoError(t, err)
	require.Empty(t, c.Held, "one run alone holds every key it claims")
	return c
}

func rerunSkips(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	claim(t, st, scopeA, run, "email:ann@x.org", "email:bob@x.org")
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{
		{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-1"},
		{Key: "email:bob@x.org", Status: state.StatusFailed},
	}))
	require.NoError(t, st.EndRun(run, state.Counts{Rows: 2, Created: 1, Failed: 1}, state.RunDone))
	got, err := st.Get(scopeA, []string{"email:ann@x.org", "email:bob@x.org", "email:nobody@x.org"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, state.StatusCreated, got["email:ann@x.org"].Status)
	assert.Equal(t, "v-1", got["email:ann@x.org"].VendorID)
	assert.Equal(t, run, got["email:ann@x.org"].CreatedRun)
	assert.Equal(t, state.StatusFailed, got["email:bob@x.org"].Status)
	// A created person is never downgraded, and a second claim leaves
	// them created.
	run2 := begin(t, st, scopeA)
	c, err := st.Claim(scopeA, run2, []state.Mark{{Key: "email:ann@x.org"}})
	require.NoError(t, err)
	_ = c
	require.NoError(t, st.Record(scopeA, run2, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusFailed}}))
	got, err = st.Get(scopeA, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Equal(t, state.StatusCreated, got["email:ann@x.org"].Status)
	assert.Equal(t, "v-1", got["email:ann@x.org"].VendorID)
	n, err := st.Count(scopeA)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func inFlight(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{{Key: "email:old@x.org", Status: state.StatusFailed}}))
	claim(t, st, scopeA, run, "email:new@x.org", "email:old@x.org")
	got, err := st.Get(scopeA, []string{"email:new@x.org", "email:old@x.org"})
	require.NoError(t, err)
	assert.Equal(t, state.StatusInFlight, got["email:new@x.org"].Status)
	assert.Equal(t, state.StatusInFlight, got["email:old@x.org"].Status)
	// Never sent: the mark is undone, a new key forgotten, an old one put back.
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{{Key: "email:new@x.org"}, {Key: "email:old@x.org"}}))
	got, err = st.Get(scopeA, []string{"email:new@x.org", "email:old@x.org"})
	require.NoError(t, err)
	assert.NotContains(t, got, "email:new@x.org")
	assert.Equal(t, state.StatusFailed, got["email:old@x.org"].Status)
	// Bad input is refused.
	_, err = st.Claim(scopeA, run, []state.Mark{{Key: ""}})
	assert.Error(t, err)
	assert.Error(t, st.Record(scopeA, run, []state.Outcome{{Key: "email:x@x.org", Status: "bogus"}}))
}

func unknownOutcome(t *testing.T, open func() state.Ledger) {
	st := open()
	run := begin(t, st, scopeA)
	claim(t, st, scopeA, run, "email:ann@x.org")
	// The answer never came: nothing recorded, the run ends and the
	// process goes.
	require.NoError(t, st.EndRun(run, state.Counts{Rows: 1}, state.RunInterrupted))
	require.NoError(t, st.Close())

	st = open()
	defer st.Close()
	got, err := st.Get(scopeA, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Equal(t, state.StatusInFlight, got["email:ann@x.org"].Status, "the next run sees the person maybe sent")
	run2 := begin(t, st, scopeA)
	c := claim(t, st, scopeA, run2, "email:ann@x.org")
	if len(c.MaybeSent) > 0 { // a shared store says so at the claim too
		assert.Equal(t, []string{"email:ann@x.org"}, c.MaybeSent)
	}
	// Found by a lookup: recorded with the vendor's ID.
	require.NoError(t, st.Record(scopeA, run2, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-9"}}))
	got, err = st.Get(scopeA, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Equal(t, state.StatusCreated, got["email:ann@x.org"].Status)
	assert.Equal(t, "v-9", got["email:ann@x.org"].VendorID)
}

// packedDigests: an outcome's digests as a run packs them (Packed) are
// stored as their map is; a field the row does not set is not stored.
func packedDigests(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	_, err := st.Claim(scopeA, run, []state.Mark{{Key: "email:ann@x.org"}, {Key: "email:bob@x.org"}})
	require.NoError(t, err)
	h, g := "0123456789abcdef01234567", "89abcdef0123456789abcdef"
	fields := []string{"lastName", "email", "phone"}
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{
		{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-1",
			Packed: state.DigestRow{Fields: fields, Hex: h + g + string(make([]byte, 24))}},
		{Key: "email:bob@x.org", Status: state.StatusCreated, VendorID: "v-2",
			Packed: state.DigestRow{Fields: fields, Hex: g + h + h}},
	}))
	got, err := st.Get(scopeA, []string{"email:ann@x.org", "email:bob@x.org"})
	require.NoError(t, err)
	ann, bob := got["email:ann@x.org"], got["email:bob@x.org"]
	assert.Equal(t, map[string]string{"lastName": h, "email": g}, ann.DigestMap())
	assert.Equal(t, map[string]string{"lastName": g, "email": h, "phone": h}, bob.DigestMap())
}

func identityDigests(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	salt, err := st.DigestSalt()
	require.NoError(t, err)
	assert.NotEmpty(t, salt)
	run := begin(t, st, scopeA)
	_, err = st.Claim(scopeA, run, []state.Mark{{Key: "email:ann@x.org", Identity: "E1"}, {Key: "email:bob@x.org"}})
	require.NoError(t, err)
	dig := map[string]string{"email": "d1", "lastName": "d2"}
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{
		{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-1", Identity: "E1", Digests: dig},
		{Key: "email:bob@x.org", Status: state.StatusCreated, VendorID: "v-2"},
	}))
	got, err := st.Get(scopeA, []string{"email:ann@x.org", "email:bob@x.org"})
	require.NoError(t, err)
	assert.Equal(t, "E1", got["email:ann@x.org"].Identity)
	assert.Equal(t, dig, got["email:ann@x.org"].Digests)
	assert.Equal(t, run, got["email:ann@x.org"].DigestRun)
	assert.Nil(t, got["email:bob@x.org"].Digests)
	byID, err := st.ByIdentity(scopeA, []string{"E1", "E2", ""})
	require.NoError(t, err)
	require.Len(t, byID, 1)
	assert.Equal(t, "email:ann@x.org", byID["E1"].Key)
	// A sighting fills in a missing identity and baseline, never replaces.
	run2 := begin(t, st, scopeA)
	require.NoError(t, st.Seen(scopeA, run2, []state.Sighting{
		{Key: "email:bob@x.org", Identity: "E2", Digests: map[string]string{"email": "b1"}},
		{Key: "email:ann@x.org", Identity: "E9", Digests: map[string]string{"email": "zz"}},
		{Key: "email:unknown@x.org"},
	}))
	got, err = st.Get(scopeA, []string{"email:ann@x.org", "email:bob@x.org", "email:unknown@x.org"})
	require.NoError(t, err)
	assert.Equal(t, "E1", got["email:ann@x.org"].Identity)
	assert.Equal(t, dig, got["email:ann@x.org"].Digests)
	assert.Equal(t, "E2", got["email:bob@x.org"].Identity)
	assert.Equal(t, map[string]string{"email": "b1"}, got["email:bob@x.org"].Digests)
	assert.Equal(t, run2, got["email:bob@x.org"].SeenRun)
	assert.NotContains(t, got, "email:unknown@x.org", "a sighting never adds a person")
}

func missingPeople(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{
		{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "1"},
		{Key: "email:bob@x.org", Status: state.StatusCreated, VendorID: "2"},
		{Key: "email:cat@x.org", Status: state.StatusCreated, VendorID: "3"},
	}))
	require.NoError(t, st.EndRun(run, state.Counts{}, state.RunDone))
	run2 := begin(t, st, scopeA)
	require.NoError(t, st.Seen(scopeA, run2, []state.Sighting{{Key: "email:ann@x.org"}}))
	var keys []string
	n, err := st.Missing(scopeA, run2, func(p state.Person) error { keys = append(keys, p.Key); return nil })
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{"email:bob@x.org", "email:cat@x.org"}, keys)
	require.NoError(t, st.MarkMissing(scopeA, run2, run2))
	// The next run: bob is back, cat still missing (counted, not listed).
	run3 := begin(t, st, scopeA)
	require.NoError(t, st.Seen(scopeA, run3, []state.Sighting{{Key: "email:ann@x.org"}, {Key: "email:bob@x.org"}}))
	n, err = st.Missing(scopeA, run3, func(state.Person) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	still, err := st.StillMissing(scopeA, run3)
	require.NoError(t, err)
	assert.Equal(t, 1, still)
	require.NoError(t, st.NightMissing(run3, 0, still))
	require.NoError(t, st.EndRun(run3, state.Counts{Missing: 0, StillMissing: 1}, state.RunDone))
	runs, err := st.History(1)
	require.NoError(t, err)
	assert.Equal(t, 1, runs[0].Counts.StillMissing)
	// Another scope of the provider is counted for plan.
	runB := begin(t, st, scopeB)
	require.NoError(t, st.Record(scopeB, runB, []state.Outcome{{Key: "email:zed@x.org", Status: state.StatusCreated}}))
	other, err := st.KnownElsewhere(scopeA)
	require.NoError(t, err)
	require.Len(t, other, 1)
	assert.Equal(t, "globex", other[0].Scope.Tenant)
	assert.Equal(t, 1, other[0].People)
}

// missingManyRuns follows five people over six runs, the store reopened
// between runs (a later run of the same ledger): who goes missing is
// listed once, counted as still missing until seen again, and listed again
// when they go missing again; a night's drop counts sightings from its
// first run on; lookup shows the newest sighting whatever the run.
func missingManyRuns(t *testing.T, open func() state.Ledger) {
	keys := []string{"email:ann@x.org", "email:bob@x.org", "email:cat@x.org", "email:dee@x.org", "email:eve@x.org"}
	st := open()
	run1 := begin(t, st, scopeA)
	var outs []state.Outcome
	for _, k := range keys {
		outs = append(outs, state.Outcome{Key: k, Status: state.StatusCreated, VendorID: "v-" + k})
	}
	require.NoError(t, st.Record(scopeA, run1, outs))
	require.NoError(t, st.EndRun(run1, state.Counts{}, state.RunDone))
	require.NoError(t, st.Close())

	seen := func(ks ...string) []state.Sighting {
		out := make([]state.Sighting, len(ks))
		for i, k := range ks {
			out[i].Key = "email:" + k + "@x.org"
		}
		return out
	}
	// day runs one run that sees who, in two Seen calls, and returns who
	// went missing (listed and marked), how many are still missing, and
	// the run.
	day := func(who ...string) (listed []string, still int, run int64) {
		t.Helper()
		st := open()
		defer func() { require.NoError(t, st.Close()) }()
		run = begin(t, st, scopeA)
		half := len(who) / 2
		require.NoError(t, st.Seen(scopeA, run, seen(who[:half]...)))
		require.NoError(t, st.Seen(scopeA, run, seen(who[half:]...)))
		_, err := st.Missing(scopeA, run, func(p state.Person) error {
			listed = append(listed, p.Key)
			return nil
		})
		require.NoError(t, err)
		still, err = st.StillMissing(scopeA, run)
		require.NoError(t, err)
		require.NoError(t, st.MarkMissing(scopeA, run, run))
		require.NoError(t, st.EndRun(run, state.Counts{}, state.RunDone))
		return listed, still, run
	}
	listed, still, _ := day("ann", "bob", "cat", "dee")
	assert.Equal(t, []string{"email:eve@x.org"}, listed)
	assert.Zero(t, still)
	listed, still, _ = day("ann", "bob", "dee")
	assert.Equal(t, []string{"email:cat@x.org"}, listed)
	assert.Equal(t, 1, still, "eve")
	listed, still, run4 := day("ann", "bob", "dee", "eve")
	assert.Empty(t, listed, "eve is back, cat listed already")
	assert.Equal(t, 1, still, "cat")
	listed, still, run5 := day("ann", "bob")
	assert.Equal(t, []string{"email:dee@x.org", "email:eve@x.org"}, listed, "eve listed again: she went missing again")
	assert.Equal(t, 1, still, "cat")
	listed, still, run6 := day("ann", "cat")
	assert.Equal(t, []string{"email:bob@x.org"}, listed)
	assert.Equal(t, 2, still, "dee and eve; cat is back")

	st = open()
	defer st.Close()
	// A night whose drop began at run 4: who no run from 4 on saw.
	var night []string
	_, err := st.Missing(scopeA, run4, func(p state.Person) error { night = append(night, p.Key); return nil })
	require.NoError(t, err)
	assert.Empty(t, night, "everyone was seen from run 4 on")
	for k, want := range map[string]int64{"ann": run6, "bob": run5, "cat": run6, "dee": run4, "eve": run4} {
		found, err := st.Lookup("email:" + k + "@x.org")
		require.NoError(t, err)
		require.Len(t, found, 1, k)
		assert.Equal(t, want, found[0].SeenRun, k)
	}
}

func history(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	r1 := begin(t, st, scopeA)
	require.NoError(t, st.SetOutputs(r1, "results.csv", "fix.csv"))
	require.NoError(t, st.Checkpoint(r1, state.Counts{Rows: 5, Created: 2}))
	require.NoError(t, st.EndRun(r1, state.Counts{Rows: 10, Created: 7, Skipped: 1, Invalid: 1, Failed: 1, Recovered: 1}, state.RunDone))
	r2 := begin(t, st, scopeA)
	require.NoError(t, st.EndRun(r2, state.Counts{Rows: 3}, state.RunBreaker))
	assert.Error(t, st.EndRun(r2, state.Counts{}, state.RunDone), "a run ends once")
	assert.Error(t, st.EndRun(begin(t, st, scopeA), state.Counts{}, "bogus"))
	runs, err := st.History(0)
	require.NoError(t, err)
	require.Len(t, runs, 3)
	assert.Equal(t, r2, runs[1].ID)
	assert.Equal(t, state.RunBreaker, runs[1].Status)
	assert.Equal(t, r1, runs[2].ID)
	assert.Equal(t, state.RunDone, runs[2].Status)
	assert.Equal(t, 7, runs[2].Counts.Created)
	assert.Equal(t, "results.csv", runs[2].Results)
	assert.Equal(t, "fix.csv", runs[2].FixFile)
	assert.False(t, runs[2].Ended.IsZero())
	assert.Equal(t, "alphalearn", runs[2].Provider)
	last, ok, err := st.LastDone(scopeA)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r1, last.ID)
	_, ok, err = st.LastDone(state.Scope{Provider: "nobody", BaseURL: "https://n.example"})
	require.NoError(t, err)
	assert.False(t, ok)
}

func lookup(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{
		{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-1", Identity: "E1042"},
		{Key: "login:ann@x.org", Status: state.StatusFailed},
	}))
	for _, q := range []string{"Ann@X.org", "email:ann@x.org", "E1042"} {
		people, err := st.Lookup(q)
		require.NoError(t, err, q)
		require.NotEmpty(t, people, q)
		assert.Equal(t, "acme", people[0].Tenant, q)
	}
	people, err := st.Lookup("ann@x.org")
	require.NoError(t, err)
	assert.Len(t, people, 2, "a bare value matches every key kind")
	people, err = st.Lookup("email:ann@x.org")
	require.NoError(t, err)
	require.Len(t, people, 1)
	assert.Equal(t, "v-1", people[0].VendorID)
	none, err := st.Lookup("nobody@x.org")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = st.Lookup("  ")
	assert.Error(t, err)
}

func invalidRows(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	r1 := begin(t, st, scopeA)
	require.NoError(t, st.RecordInvalid(r1, [][]byte{[]byte("a"), []byte("b"), []byte("b")}))
	fresh, still, prev, err := st.InvalidSince(r1)
	require.NoError(t, err)
	assert.Equal(t, [3]int64{2, 0, 0}, [3]int64{int64(fresh), int64(still), prev})
	require.NoError(t, st.EndRun(r1, state.Counts{}, state.RunDone))
	r2 := begin(t, st, scopeA)
	require.NoError(t, st.RecordInvalid(r2, [][]byte{[]byte("b"), []byte("c")}))
	fresh, still, prev, err = st.InvalidSince(r2)
	require.NoError(t, err)
	assert.Equal(t, [3]int64{1, 1, r1}, [3]int64{int64(fresh), int64(still), prev})
}

func migrations(t *testing.T, open func() state.Ledger) {
	st := open()
	salt, err := st.DigestSalt()
	require.NoError(t, err)
	run := begin(t, st, scopeA)
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusCreated}}))
	require.NoError(t, st.EndRun(run, state.Counts{}, state.RunDone))
	require.NoError(t, st.Close())
	st = open() // opening a current store migrates nothing and loses nothing
	defer st.Close()
	again, err := st.DigestSalt()
	require.NoError(t, err)
	assert.Equal(t, salt, again, "the salt is the store's for good: digests stay comparable")
	assert.Equal(t, 0, st.UpgradedFrom())
	n, err := st.Count(scopeA)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func scopes(t *testing.T, open func() state.Ledger) {
	st := open()
	defer st.Close()
	run := begin(t, st, scopeA)
	require.NoError(t, st.Record(scopeA, run, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "a"}}))
	// The same URL spelled another way is the same scope.
	same := state.Scope{Provider: "alphalearn", BaseURL: "HTTPS://A.EXAMPLE.COM", Tenant: "acme"}
	got, err := st.Get(same, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Equal(t, "a", got["email:ann@x.org"].VendorID)
	got, err = st.Get(scopeB, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Empty(t, got, "another tenant is other people")
}
