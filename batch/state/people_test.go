package state

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarkAndRecord(t *testing.T) {
	tests := []struct {
		name      string
		prior     string // state left by run 1: "", failed, created, in_flight (crashed)
		markTwice bool
		out       Outcome // Key is filled in
		want      string  // status after run 2; "" means no record
		wantID    string
		wantRun   int // created_run: 1 or 2, 0 for none
	}{
		{name: "new created", out: Outcome{Status: StatusCreated, VendorID: "V2"}, want: StatusCreated, wantID: "V2", wantRun: 2},
		{name: "new failed", out: Outcome{Status: StatusFailed}, want: StatusFailed},
		{name: "new not sent", out: Outcome{}, want: ""},
		{name: "new not sent after two marks", markTwice: true, out: Outcome{}, want: ""},
		{name: "failed then created", prior: StatusFailed, out: Outcome{Status: StatusCreated, VendorID: "V2"}, want: StatusCreated, wantID: "V2", wantRun: 2},
		{name: "failed then not sent", prior: StatusFailed, out: Outcome{}, want: StatusFailed},
		{name: "failed then not sent after two marks", prior: StatusFailed, markTwice: true, out: Outcome{}, want: StatusFailed},
		{name: "crashed in flight then not sent", prior: StatusInFlight, out: Outcome{}, want: StatusInFlight},
		{name: "crashed in flight then recovered", prior: StatusInFlight, out: Outcome{Status: StatusCreated, VendorID: "V1"}, want: StatusCreated, wantID: "V1", wantRun: 2},
		{name: "created then failed", prior: StatusCreated, out: Outcome{Status: StatusFailed}, want: StatusCreated, wantID: "V1", wantRun: 1},
		{name: "created then not sent", prior: StatusCreated, out: Outcome{}, want: StatusCreated, wantID: "V1", wantRun: 1},
		{name: "created then created without id", prior: StatusCreated, out: Outcome{Status: StatusCreated}, want: StatusCreated, wantID: "V1", wantRun: 1},
	}
	s, _ := openTemp(t)
	run1 := beginRun(t, s, scopeA)
	key := func(i int) string { return fmt.Sprintf("email:p%d@x.org", i) }
	for i, tt := range tests {
		switch tt.prior {
		case StatusFailed, StatusCreated:
			require.NoError(t, s.MarkInFlight(scopeA, run1, []string{key(i)}))
			require.NoError(t, s.Record(scopeA, run1, []Outcome{{Key: key(i), Status: tt.prior, VendorID: "V1"}}))
		case StatusInFlight:
			require.NoError(t, s.MarkInFlight(scopeA, run1, []string{key(i)}))
		}
	}
	run2 := beginRun(t, s, scopeA)
	runs := map[int]int64{0: 0, 1: run1, 2: run2}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key(i)
			require.NoError(t, s.MarkInFlight(scopeA, run2, []string{k}))
			p, ok := get(t, s, scopeA, k)
			require.True(t, ok)
			if tt.prior == StatusCreated {
				assert.Equal(t, StatusCreated, p.Status, "created is never marked in flight")
			} else {
				assert.Equal(t, StatusInFlight, p.Status)
			}
			if tt.markTwice {
				require.NoError(t, s.MarkInFlight(scopeA, run2, []string{k}))
			}

			out := tt.out
			out.Key = k
			require.NoError(t, s.Record(scopeA, run2, []Outcome{out}))

			p, ok = get(t, s, scopeA, k)
			if tt.want == "" {
				assert.False(t, ok, "no record left: %+v", p)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, p.Status)
			assert.Equal(t, tt.wantID, p.VendorID)
			assert.Equal(t, runs[tt.wantRun], p.CreatedRun)
			assert.Equal(t, k, p.Key)
			assert.Equal(t, "smartapp", p.Provider)
			assert.Equal(t, "t1", p.Tenant)
			assert.False(t, p.FirstSeen.IsZero())
			assert.False(t, p.LastSeen.Before(p.FirstSeen))
		})
	}
}

func TestRecordRejects(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	tests := []struct {
		name  string
		write func() error
		want  string
	}{
		{"bad status", func() error {
			return s.Record(scopeA, run, []Outcome{
				{Key: "email:a@x.org", Status: StatusCreated, VendorID: "V1"},
				{Key: "email:b@x.org", Status: "exists"},
			})
		}, `key email:b@x.org: status "exists" is not "created", "failed" or ""`},
		{"empty key", func() error {
			return s.Record(scopeA, run, []Outcome{{Key: "email:a@x.org", Status: StatusCreated}, {Status: StatusCreated}})
		}, "empty key"},
		{"unknown run", func() error {
			return s.Record(scopeA, run+100, []Outcome{{Key: "email:a@x.org", Status: StatusCreated, VendorID: "V1"}})
		}, "run 101 is not in the state file"},
		{"mark empty key", func() error { return s.MarkInFlight(scopeA, run, []string{"email:a@x.org", ""}) }, "empty key"},
		{"mark unknown run", func() error { return s.MarkInFlight(scopeA, run+100, []string{"email:a@x.org"}) }, "run 101 is not in the state file"},
		{"seen unknown run", func() error { return s.Seen(scopeA, run+100, []Sighting{{Key: "email:a@x.org"}}) }, "run 101 is not in the state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, tt.write(), tt.want)
			_, ok := get(t, s, scopeA, "email:a@x.org")
			assert.False(t, ok, "nothing of a rejected batch is written")
		})
	}
}

func TestInTxRollsBack(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	boom := errors.New("boom")
	b, err := s.writes.mark.plan(1)
	require.NoError(t, err)
	err = s.inTx(true, func(tx *sql.Tx) error {
		require.NoError(t, b.exec(tx, []any{sid, t0.UnixMilli(), run}, []any{"email:a@x.org", ""}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, ok := get(t, s, scopeA, "email:a@x.org")
	assert.False(t, ok, "the write before the error was rolled back")
}

func TestGetManyKeysAndScopes(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	const n = 1201 // more than SQLite's historical limit of 999 variables
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("email:user%05d@x.org", i)
	}
	for batch := range slices.Chunk(keys, 200) {
		require.NoError(t, s.MarkInFlight(scopeA, run, batch))
		outs := make([]Outcome, len(batch))
		for i, k := range batch {
			outs[i] = Outcome{Key: k, Status: StatusCreated, VendorID: "id-" + k}
		}
		require.NoError(t, s.Record(scopeA, run, outs))
	}

	ask := append(slices.Clone(keys), "email:nobody@x.org")
	got, err := s.Get(scopeA, ask)
	require.NoError(t, err)
	require.Len(t, got, n)
	for _, k := range []string{keys[0], keys[499], keys[500], keys[999], keys[1000], keys[n-1]} {
		assert.Equal(t, "id-"+k, got[k].VendorID)
		assert.Equal(t, StatusCreated, got[k].Status)
	}

	other, err := s.Get(scopeB, keys)
	require.NoError(t, err)
	assert.Empty(t, other, "people are kept per tenant")

	unknown := Scope{Provider: "nobody", BaseURL: "https://n.test"}
	none, err := s.Get(unknown, keys[:3])
	require.NoError(t, err)
	assert.Empty(t, none)
	var scopes int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM scopes`).Scan(&scopes))
	assert.Equal(t, 1, scopes, "Get does not create scopes")

	empty, err := s.Get(scopeA, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestLookup(t *testing.T) {
	s, _ := openTemp(t)
	for _, sc := range []Scope{scopeA, scopeB} {
		run := beginRun(t, s, sc)
		keys := []string{"email:ann@x.org", "login:ann@x.org", "email:bob@x.org", "username:carl"}
		require.NoError(t, s.MarkInFlight(sc, run, keys))
		outs := []Outcome{}
		for _, k := range keys {
			outs = append(outs, Outcome{Key: k, Status: StatusCreated, VendorID: sc.Tenant + "/" + k})
		}
		require.NoError(t, s.Record(sc, run, outs))
	}

	tests := []struct {
		q    string
		want []string // tenant/key in order
	}{
		{"Ann@X.org", []string{"t1/email:ann@x.org", "t1/login:ann@x.org", "t2/email:ann@x.org", "t2/login:ann@x.org"}},
		{"email:ann@x.org", []string{"t1/email:ann@x.org", "t2/email:ann@x.org"}},
		{"  carl ", []string{"t1/username:carl", "t2/username:carl"}},
		{"username:carl", []string{"t1/username:carl", "t2/username:carl"}},
		{"x.org", nil},
		{"email:nobody@x.org", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			ps, err := s.Lookup(tt.q)
			require.NoError(t, err)
			var got []string
			for _, p := range ps {
				got = append(got, p.Tenant+"/"+p.Key)
				assert.Equal(t, p.Tenant+"/"+p.Key, p.VendorID)
			}
			assert.Equal(t, tt.want, got)
		})
	}

	_, err := s.Lookup(" ")
	assert.Error(t, err)
}

func TestLookupUsesIndex(t *testing.T) {
	s, _ := openTemp(t)
	plan := queryPlan(t, s, lookupQuery, `["a", "email:a"]`, "E1")
	assert.Contains(t, plan, "SEARCH p USING PRIMARY KEY (scope_id=? AND key=?)")
	assert.Contains(t, plan, "people_identity", "lookup by identity uses its index too")
}
