package state

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrateV2ToV3 upgrades a file as the previous release left it: its
// people keep their IDs and gain no identity, digest or sighting, and the
// new columns are in use after the upgrade.
func TestMigrateV3ToV4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 3))
	_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, recovered, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 2, 2, 1, 'done');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1),
			       (1, 'email:bob@x.org', 'created', 'V2', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openMigrated(t, path)
	salt, err := s.DigestSalt()
	require.NoError(t, err)
	assert.Len(t, salt, 32, "16 random bytes in hex")

	ann, ok := get(t, s, scopeA, "email:ann@x.org")
	require.True(t, ok)
	assert.Equal(t, "V1", ann.VendorID)
	assert.Empty(t, ann.Identity)
	assert.Nil(t, ann.Digests)
	assert.Zero(t, ann.SeenRun)

	// The first run after the upgrade sees Ann (with an identity and a
	// baseline digest) and not Bob.
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, run, []Sighting{{Key: "email:ann@x.org", Identity: "E1", Digests: map[string]string{"lastName": "h1"}}}))
	ann, _ = get(t, s, scopeA, "email:ann@x.org")
	assert.Equal(t, "E1", ann.Identity, "identity backfilled on a created person")
	assert.Equal(t, map[string]string{"lastName": "h1"}, ann.Digests)
	assert.Equal(t, run, ann.DigestRun)
	assert.Equal(t, run, ann.SeenRun)

	var missing []string
	n, err := s.Missing(scopeA, run, func(p Person) error { missing = append(missing, p.Key+"="+p.VendorID); return nil })
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{"email:bob@x.org=V2"}, missing)

	require.NoError(t, s.EndRun(run, Counts{Rows: 1, Skipped: 1, Changed: 1, Missing: 1}, RunDone))
	h, err := s.History(0)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, Counts{Rows: 1, Skipped: 1, Changed: 1, Missing: 1}, h[0].Counts)
	assert.Equal(t, Counts{Rows: 2, Created: 2, Recovered: 1}, h[1].Counts, "old runs read with zero new counts")
}

func TestIdentityAndDigests(t *testing.T) {
	s, _ := openTemp(t)
	run1 := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlightAs(scopeA, run1, []Mark{{Key: "email:bob@x.org", Identity: "E7"}, {Key: "email:cy@x.org", Identity: "E8"}}))
	byID, err := s.ByIdentity(scopeA, []string{"E7", "E8", "E9", ""})
	require.NoError(t, err)
	assert.Equal(t, StatusInFlight, byID["E7"].Status, "in flight counts: the person may exist")
	assert.Equal(t, "email:bob@x.org", byID["E7"].Key)
	assert.NotContains(t, byID, "E9")

	require.NoError(t, s.Record(scopeA, run1, []Outcome{
		{Key: "email:bob@x.org", Status: StatusCreated, VendorID: "V7", Identity: "E7", Digests: map[string]string{"lastName": "a", "phone": "b"}},
		{Key: "email:cy@x.org", Status: StatusFailed},
	}))
	byID, err = s.ByIdentity(scopeA, []string{"E7", "E8"})
	require.NoError(t, err)
	bob := byID["E7"]
	assert.Equal(t, "V7", bob.VendorID)
	assert.Equal(t, run1, bob.CreatedRun)
	assert.Equal(t, map[string]string{"lastName": "a", "phone": "b"}, bob.Digests)
	assert.Equal(t, run1, bob.DigestRun)
	assert.NotContains(t, byID, "E8", "a failed create holds no identity: nobody exists under it")

	// Other scopes do not share identities.
	other, err := s.ByIdentity(scopeB, []string{"E7"})
	require.NoError(t, err)
	assert.Empty(t, other)

	// An update records new digests and keeps the creating run.
	run2 := beginRun(t, s, scopeA)
	require.NoError(t, s.Record(scopeA, run2, []Outcome{{Key: "email:bob@x.org", Status: StatusCreated, Digests: map[string]string{"lastName": "c", "phone": "b"}}}))
	bob, _ = get(t, s, scopeA, "email:bob@x.org")
	assert.Equal(t, "V7", bob.VendorID)
	assert.Equal(t, "E7", bob.Identity, "an empty identity keeps the stored one")
	assert.Equal(t, run1, bob.CreatedRun)
	assert.Equal(t, run2, bob.DigestRun)
	assert.Equal(t, "c", bob.Digests["lastName"])

	// Seen never overwrites an identity or digests already stored.
	require.NoError(t, s.Seen(scopeA, run2, []Sighting{{Key: "email:bob@x.org", Identity: "E99", Digests: map[string]string{"lastName": "zz"}}}))
	bob, _ = get(t, s, scopeA, "email:bob@x.org")
	assert.Equal(t, "E7", bob.Identity)
	assert.Equal(t, "c", bob.Digests["lastName"])
	assert.Equal(t, run2, bob.SeenRun)
}

func TestMissing(t *testing.T) {
	s, _ := openTemp(t)
	run1 := beginRun(t, s, scopeA)
	keys := []string{"email:a@x.org", "email:b@x.org", "email:c@x.org", "email:d@x.org"}
	require.NoError(t, s.MarkInFlight(scopeA, run1, keys))
	require.NoError(t, s.Record(scopeA, run1, []Outcome{
		{Key: keys[0], Status: StatusCreated, VendorID: "A"},
		{Key: keys[1], Status: StatusCreated, VendorID: "B"},
		{Key: keys[2], Status: StatusCreated, VendorID: "C"},
		{Key: keys[3], Status: StatusFailed},
	}))
	other := beginRun(t, s, scopeB)
	require.NoError(t, s.MarkInFlight(scopeB, other, []string{"email:z@x.org"}))
	require.NoError(t, s.Record(scopeB, other, []Outcome{{Key: "email:z@x.org", Status: StatusCreated, VendorID: "Z"}}))

	list := func(run int64) []string {
		var out []string
		n, err := s.Missing(scopeA, run, func(p Person) error { out = append(out, p.VendorID); return nil })
		require.NoError(t, err)
		require.Equal(t, len(out), n)
		return out
	}
	assert.Empty(t, list(run1), "everyone created by the run was seen by it")

	run2 := beginRun(t, s, scopeA)
	// b is skipped (Seen), c is never in the file, d (failed) is not a
	// person at the vendor, and a key the store does not know is ignored.
	require.NoError(t, s.Seen(scopeA, run2, []Sighting{{Key: keys[1]}, {Key: "email:new@x.org"}}))
	assert.Equal(t, []string{"A", "C"}, list(run2), "key order; failed and other scopes left out")
	_, ok := get(t, s, scopeA, "email:new@x.org")
	assert.False(t, ok, "Seen creates nobody")

	// A re-sent row (marked, then recorded) counts as seen.
	require.NoError(t, s.MarkInFlight(scopeA, run2, []string{keys[3]}))
	require.NoError(t, s.Record(scopeA, run2, []Outcome{{Key: keys[3], Status: StatusCreated, VendorID: "D"}}))
	require.NoError(t, s.Record(scopeA, run2, []Outcome{{Key: keys[0], Status: StatusCreated}}))
	assert.Equal(t, []string{"C"}, list(run2))
}

// The plain decoder reads what encodeDigests writes exactly as
// json.Unmarshal does, and hands anything else to json.Unmarshal.
func TestDecodeDigests(t *testing.T) {
	for _, d := range []map[string]string{
		{"email": "0123456789abcdef01234567"},
		{"email": "aa", "firstName": "bb", "last,Name": "c:c", "{x}": ""},
		{"a<b": "q\"uote", "back\\slash": "é", "tab\t": "\u2028"},
		{"b": "1", "a": "2", "B": "3", "a b": ""},
	} {
		enc := encodeDigests(d)
		want, err := json.Marshal(d)
		require.NoError(t, err)
		assert.Equal(t, string(want), enc, "json.Marshal's bytes")
		got, err := decodeDigests(enc)
		require.NoError(t, err, enc)
		assert.Equal(t, d, got, enc)
	}
	for _, in := range []string{`{}`, `{"a":"b"}`, `{"a":"b",}`, `{"a" : "b"}`, `{"a":1}`, `{"a":null}`, `{"a":"b"`, `{"a""b"}`, `{"a":"b","c"}`, `{,}`, `{"a":"b"}x`} {
		plain, ok := decodePlainDigests(in)
		var want map[string]string
		werr := json.Unmarshal([]byte(in), &want)
		if ok {
			require.NoError(t, werr, "plain read %s, which is not valid JSON", in)
			assert.Equal(t, want, plain, in)
		}
		got, err := decodeDigests(in)
		if werr != nil {
			assert.Error(t, err, in)
		} else {
			require.NoError(t, err, in)
			assert.Equal(t, want, got, in)
		}
	}
}

// TestMigrateV4ToV5: a v4 file's people gain no missing mark; after the
// upgrade a leaver is listed once (MarkMissing), then counted as still
// missing, and a sighting clears the mark; runs keep a still-missing count.
func TestMigrateV4ToV5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 4))
	_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, missing, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 3, 3, 0, 'done');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run, identity, seen_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1, 'E1', 1),
			       (1, 'email:bob@x.org', 'created', 'V2', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1, 'E2', 1),
			       (1, 'email:cy@x.org', 'created', 'V3', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1, 'E3', 1);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openMigrated(t, path)

	missing := func(since int64) []string {
		var out []string
		_, err := s.Missing(scopeA, since, func(p Person) error { out = append(out, p.Key); return nil })
		require.NoError(t, err)
		return out
	}
	still := func(since int64) int {
		n, err := s.StillMissing(scopeA, since)
		require.NoError(t, err)
		return n
	}

	// Night 2: Ann only. Bob and Cy go missing: listed once.
	r2 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, r2, []Sighting{{Key: "email:ann@x.org"}}))
	assert.Equal(t, []string{"email:bob@x.org", "email:cy@x.org"}, missing(r2))
	assert.Zero(t, still(r2))
	require.NoError(t, s.MarkMissing(scopeA, r2, r2))
	require.NoError(t, s.EndRun(r2, Counts{Rows: 1, Skipped: 1, Missing: 2}, RunDone))

	// Night 3: Ann and Cy. Bob is still missing, not listed again; Cy is
	// seen again and no longer counted.
	r3 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, r3, []Sighting{{Key: "email:ann@x.org"}, {Key: "email:cy@x.org"}}))
	assert.Empty(t, missing(r3))
	assert.Equal(t, 1, still(r3))
	require.NoError(t, s.EndRun(r3, Counts{Rows: 2, Skipped: 2, StillMissing: 1}, RunDone))
	h, err := s.History(1)
	require.NoError(t, err)
	assert.Equal(t, 1, h[0].Counts.StillMissing)

	// Night 4 is three files (runs 4, 5, 6): counted from the night's
	// first run, Cy (in the first file only) is not missing.
	r4 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, r4, []Sighting{{Key: "email:cy@x.org"}}))
	require.NoError(t, s.EndRun(r4, Counts{}, RunDone))
	r5 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, r5, []Sighting{{Key: "email:ann@x.org"}}))
	require.NoError(t, s.EndRun(r5, Counts{}, RunDone))
	assert.Equal(t, []string{"email:cy@x.org"}, missing(r5), "as the last file alone would have it")
	assert.Empty(t, missing(r4), "over the night's whole drop")
	assert.Equal(t, 1, still(r4), "Bob")

	// Lookup by identity, as the roster writes it.
	found, err := s.Lookup("E2")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "email:bob@x.org", found[0].Key)
}
