package state

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGetPackedMatchesColumns: Get's packed text gives back every field
// as the columns hold it, for values a separator or a length could be
// confused by: commas and digits, NUL bytes, non-ASCII, empty values,
// every status, digests as a blob, as old JSON text and none, numbers
// NULL and not, people of one chunk and of the next.
func TestGetPackedMatchesColumns(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	odd := []string{"email:a,1@x.org", "login:12,34,", "email:nul\x00in,it@x.org", "email:zoë@x.org", "login:", "email:plain@x.org",
		"email:in-flight@x.org", "email:failed@x.org", "email:json@x.org", "email:nodigest@x.org"}
	marks := make([]Mark, len(odd))
	for i, k := range odd {
		marks[i] = Mark{Key: k, Identity: []string{"", "E1,2", "id\x00x", "Ü9"}[i%4]}
	}
	require.NoError(t, s.MarkInFlightAs(scopeA, run, marks))
	var outs []Outcome
	for i, k := range odd {
		switch k {
		case "email:in-flight@x.org", "email:json@x.org":
			continue
		case "email:failed@x.org":
			outs = append(outs, Outcome{Key: k, Status: StatusFailed})
		case "email:nodigest@x.org":
			outs = append(outs, Outcome{Key: k, Status: StatusCreated, VendorID: ""})
		default:
			outs = append(outs, Outcome{Key: k, Status: StatusCreated, VendorID: fmt.Sprintf("v,%d\x00", i),
				Digests: map[string]string{"email": "0123456789abcdef01234567", "a,b": "00000000000000000000002c"}})
		}
	}
	require.NoError(t, s.Record(scopeA, run, outs))
	// A person created before digests were blobs keeps its JSON text.
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:json@x.org", Status: StatusCreated, VendorID: "j"}}))
	_, err := s.db.Exec(`UPDATE people SET digest = CAST(? AS BLOB), digest_run = ? WHERE key = 'email:json@x.org'`, `{"email":"x,y"}`, run)
	require.NoError(t, err)
	run2 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, run2, []Sighting{{Key: "email:plain@x.org", Identity: "late"}}))
	many := makeKeys(getChunk + 7) // more than one query's chunk
	require.NoError(t, s.MarkInFlight(scopeA, run2, many))

	keys := append(append([]string{}, odd...), many...)
	got, err := s.Get(scopeA, append(keys, "email:nobody@x.org"))
	require.NoError(t, err)
	// Get reads the marks without an outcome as EndRun writes them.
	require.NoError(t, s.settleMarks(0))
	want := map[string]Person{}
	rows, err := s.db.Query(`SELECT ` + personCols + ` FROM people p WHERE p.scope_id = (SELECT id FROM scopes)`)
	require.NoError(t, err)
	n := scopeA.normalize()
	require.NoError(t, s.eachPerson(rows, func(p Person) {
		p.Provider, p.BaseURL, p.Tenant = n.Provider, n.BaseURL, n.Tenant
		want[p.Key] = p
	}))
	require.Len(t, want, len(keys))
	assert.Equal(t, want, got)
	assert.Equal(t, map[string]string{"email": "x,y"}, got["email:json@x.org"].Digests)
	assert.Equal(t, "v,0\x00", got["email:a,1@x.org"].VendorID)
	assert.Equal(t, "id\x00x", got["email:nul\x00in,it@x.org"].Identity)
	assert.Equal(t, StatusInFlight, got["email:in-flight@x.org"].Status)
	assert.NotZero(t, got["email:plain@x.org"].SeenRun)
	samePacked(t, s, got, append(keys, "email:nobody@x.org"))
	assert.NotZero(t, func() Sums {
		p, _ := s.GetPacked(scopeA, []string{"email:plain@x.org"})
		return p["email:plain@x.org"].Sums
	}())

	// ByIdentity packs the same, the first of an identity's people kept.
	ids := []string{"E1,2", "id\x00x", "Ü9", "late", "none", ""}
	byID, err := s.ByIdentity(scopeA, ids)
	require.NoError(t, err)
	wantID := map[string]Person{}
	rows, err = s.db.Query(`SELECT ` + personCols + ` FROM people p WHERE p.identity <> '' AND (p.status = 'created' OR p.status = 'in_flight')
		ORDER BY p.status = 'created' DESC, p.created_run, p.key`)
	require.NoError(t, err)
	require.NoError(t, s.eachPerson(rows, func(p Person) {
		if _, dup := wantID[p.Identity]; !dup {
			wantID[p.Identity] = p
		}
	}))
	require.Len(t, wantID, 3)
	assert.Equal(t, wantID, byID)
}

// TestUnpackRejectsDamage: a record cut short or with a bad length is an
// error, never a person made up of the wrong bytes.
func TestUnpackRejectsDamage(t *testing.T) {
	s, _ := openTemp(t)
	u := s.newUnpacker()
	good := "1,2,0,0,0,0,3,0,0,0,created,k:a,,,"
	var ps []Person
	require.NoError(t, u.each(good+good, func(p *Person) { ps = append(ps, *p) }))
	require.Len(t, ps, 2)
	assert.Equal(t, "k:a", ps[1].Key)
	assert.Equal(t, StatusCreated, ps[1].Status)
	for _, bad := range []string{"1,2,0,0,0", "1,2,0,0,0,0,9,0,0,0,created,k:a,,,", "1,2,0,0,0,0,-1,0,0,0,created,k:a,,,",
		"1,x,0,0,0,0,3,0,0,0,created,k:a,,,", "1,2,0,0,0,0,3,0,0,0,create,k:a,,,", "1,2,0,0,0,0,3,0,0,0,deleted,k:a,,,",
		"1,2,0,0,0,0,3,0,0,0,created,k:a;,,", "1,,0,0,0,0,3,0,0,0,created,k:a,,,", "99999999999999999999,2,0,0,0,0,3,0,0,0,created,k:a,,,",
		good[:len(good)-1]} {
		assert.Error(t, u.each(bad, func(*Person) {}), "%q", bad)
	}
}

// TestGetSeesEveryCommit: Get reads through connections of its own, and
// still sees each write the moment the write returns; those connections
// cannot write.
func TestGetSeesEveryCommit(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	for i := range 50 {
		k := fmt.Sprintf("email:p%02d@x.org", i)
		require.NoError(t, s.MarkInFlight(scopeA, run, []string{k}))
		p, ok := get(t, s, scopeA, k)
		require.True(t, ok)
		require.Equal(t, StatusInFlight, p.Status)
		require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: k, Status: StatusCreated, VendorID: "v"}}))
		p, _ = get(t, s, scopeA, k)
		require.Equal(t, StatusCreated, p.Status)
		require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: k, Status: StatusFailed}}))
		p, _ = get(t, s, scopeA, k)
		require.Equal(t, StatusCreated, p.Status, "never downgraded")
	}
	db, _, err := s.reader()
	require.NoError(t, err)
	require.NotSame(t, s.db, db)
	_, err = db.Exec(`DELETE FROM people`)
	require.Error(t, err, "query_only")
	n, err := s.Count(scopeA)
	require.NoError(t, err)
	assert.Equal(t, 50, n)
}

// TestGetReadsFieldsAddedSince: a read-only store open beside a run
// decodes digests of fields the run added after it read the names.
func TestGetReadsFieldsAddedSince(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	rec := func(k, field string) {
		require.NoError(t, s.MarkInFlight(scopeA, run, []string{k}))
		require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: k, Status: StatusCreated, Digests: map[string]string{field: "0123456789abcdef01234567"}}}))
	}
	rec("email:a@x.org", "email")
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	got, err := ro.Get(scopeA, []string{"email:a@x.org"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"email": "0123456789abcdef01234567"}, got["email:a@x.org"].Digests)
	rec("email:b@x.org", "phone") // a field the read-only store has not read
	got, err = ro.Get(scopeA, []string{"email:a@x.org", "email:b@x.org"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"phone": "0123456789abcdef01234567"}, got["email:b@x.org"].Digests)
	samePacked(t, ro, got, []string{"email:a@x.org", "email:b@x.org"})
	_, err = s.db.Exec(`UPDATE people SET digest = x'01ff0123456789abcdef01234567' WHERE key = 'email:b@x.org'`)
	require.NoError(t, err)
	_, err = ro.Get(scopeA, []string{"email:b@x.org"})
	assert.ErrorIs(t, err, errUnknownField, "a field no row names stays an error")
}

// TestReaderFallsBack: a store that cannot open its reader connections
// reads on its own one.
func TestReaderFallsBack(t *testing.T) {
	s, _ := openTemp(t)
	s.readDSN = "file:" + filepath.Join(t.TempDir(), "no", "such.db") + "?mode=ro"
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org"}))
	p, ok := get(t, s, scopeA, "email:a@x.org")
	require.True(t, ok)
	assert.Equal(t, StatusInFlight, p.Status)
	db, _, err := s.reader()
	require.NoError(t, err)
	assert.Same(t, s.db, db)
}

// TestGetSeeksEachKey: Get's query walks the keys' array and seeks each
// key on the people primary key, without a temporary index of the keys
// and without a scan of the scope.
func TestGetSeeksEachKey(t *testing.T) {
	s, _ := openTemp(t)
	all := queryPlan(t, s, getQuery, 1, `["email:a"]`)
	assert.Contains(t, all, "SEARCH p USING PRIMARY KEY (scope_id=? AND key=?)")
	assert.NotContains(t, all, "SCAN p")
	assert.NotContains(t, all, "LIST SUBQUERY")
}

// TestGetResultsOutliveTheNextGet: the people of one Get keep their keys
// and digests while later Gets unpack other people through the same
// scratch.
func TestGetResultsOutliveTheNextGet(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	keys := makeKeys(300)
	require.NoError(t, s.MarkInFlight(scopeA, run, keys))
	var outs []Outcome
	for i, k := range keys {
		outs = append(outs, Outcome{Key: k, Status: StatusCreated, VendorID: "v" + k,
			Digests: map[string]string{"email": fmt.Sprintf("%024x", i), "role": fmt.Sprintf("%024x", 1000+i)}})
	}
	require.NoError(t, s.Record(scopeA, run, outs))
	first, err := s.Get(scopeA, keys[:100])
	require.NoError(t, err)
	for range 3 {
		_, err := s.Get(scopeA, keys[100:])
		require.NoError(t, err)
	}
	require.Len(t, first, 100)
	for i, k := range keys[:100] {
		p := first[k]
		assert.Equal(t, k, p.Key)
		assert.Equal(t, "v"+k, p.VendorID)
		assert.Equal(t, map[string]string{"email": fmt.Sprintf("%024x", i), "role": fmt.Sprintf("%024x", 1000+i)}, p.Digests)
	}
}

// TestAppendKeysJSON: Get's array of keys is json.Marshal's, byte for
// byte, for plain keys and for every kind of byte it escapes or replaces.
func TestAppendKeysJSON(t *testing.T) {
	cases := [][]string{
		{},
		{"email:ann@x.org"},
		{"email:ann@x.org", "login:bob", ""},
		{`email:"q"@x.org`, `login:back\slash`, "email:<a>&b@x.org", "login:tab\there", "login:nul\x00", "login:del\x7f"},
		{"email:zoë@x.org", "login:\u2028\u2029", "login:bad\xffutf8", "login:cut\xc3"},
	}
	for _, keys := range cases {
		want, err := json.Marshal(keys)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendKeysJSON(nil, keys)), "%q", keys)
		assert.Equal(t, "x"+string(want), string(appendKeysJSON([]byte("x"), keys)))
	}
}

// samePacked: GetPacked of keys is got (Get's answer) but for where the
// digests are: Sums answer as Digests do, field by field (held or not,
// the same hex or not), as a map, and as none; a digest blob of known
// fields is in Sums, any other form in Digests.
func samePacked(t *testing.T, s *Store, got map[string]Person, keys []string) {
	t.Helper()
	packed, err := s.GetPacked(scopeA, keys)
	require.NoError(t, err)
	require.Len(t, packed, len(got))
	for k, g := range got {
		p, ok := packed[k]
		require.True(t, ok, k)
		assert.Equal(t, g.HasDigests(), p.HasDigests(), k)
		assert.Equal(t, g.Digests, p.DigestMap(), k)
		// DigestAt asked about two lists in turn: each one's ids are
		// looked up again, never taken for the other's.
		names, others := []string{"email", "a,b", "phone", "role", ""}, []string{"role", "", "email", "a,b", "phone"}
		for _, list := range [][]string{names, others, names, others} {
			for i, name := range list {
				for _, hex := range []string{g.Digests[name], "0123456789abcdef01234567", "00000000000000000000002c", "", "x,y", "0123"} {
					_, wantHad := g.Digests[name]
					wantSame := wantHad && g.Digests[name] == hex
					had, same := p.DigestIs(name, hex)
					assert.Equal(t, [2]bool{wantHad, wantSame}, [2]bool{had, same}, "%s %s %q", k, name, hex)
					had, same = p.DigestAt(list, i, hex)
					assert.Equal(t, [2]bool{wantHad, wantSame}, [2]bool{had, same}, "at: %s %s %q", k, name, hex)
				}
			}
		}
		blob := len(g.Digests) > 0 && !strings.Contains(fmt.Sprint(g.Digests), ",y")
		assert.Equal(t, blob, p.Sums != Sums{}, k)
		if blob {
			assert.Nil(t, p.Digests, k)
		}
		p.Digests, p.Sums = g.Digests, Sums{}
		assert.Equal(t, g, p, k)
	}
}
