package state

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawDB opens path without the store, for building old or odd files.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrateV1ToCurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 1))
	v, err := schemaVersion(db, path)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	// A v1 file as an older onboard left it: a done run and a crashed one.
	_, err = db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 2, 1, 'done'),
			       (2, 'old.csv', 'aa', 'smartapp', 1, '2026-11-02T02:00:00.000Z', NULL, 0, 0, 'running');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1),
			       (1, 'email:bob@x.org', 'in_flight', '', '2026-11-02T02:01:00.000Z', '2026-11-02T02:01:00.000Z', NULL, 2);`)
	require.NoError(t, err)
	// Read-only (plan, history, lookup) reads it through an upgraded copy
	// and leaves the file as it was.
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	h, err := ro.History(0)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, RunCrashed, h[0].Status, "shown crashed: no process holds its run lock (the file stays as it was, below)")
	ann, ok := get(t, ro, scopeA, "email:ann@x.org")
	require.True(t, ok)
	assert.Equal(t, "V1", ann.VendorID)
	assert.ErrorIs(t, ro.Seen(scopeA, 1, []Sighting{{Key: "email:ann@x.org"}}), ErrReadOnly)
	assert.Equal(t, path, ro.Path())
	assert.Equal(t, 1, ro.UpgradedFrom())
	require.DirExists(t, ro.copyDir)
	require.NoError(t, ro.Close())
	assert.NoDirExists(t, ro.copyDir, "the copy goes on Close")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the file itself is not written")
	v, err = schemaVersion(db, path)
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	require.NoError(t, db.Close())

	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	v, err = schemaVersion(s.db, path)
	require.NoError(t, err)
	assert.Equal(t, SchemaVersion, v)

	h, err = s.History(0)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, RunCrashed, h[0].Status)
	assert.Equal(t, Counts{Rows: 2, Created: 1}, h[1].Counts, "recovered defaults to 0")

	found, err := s.Lookup("ann@x.org")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "V1", found[0].VendorID)
	assert.Equal(t, int64(1), found[0].CreatedRun)
	got, err := s.Get(scopeA, []string{"email:bob@x.org"})
	require.NoError(t, err)
	assert.Equal(t, StatusInFlight, got["email:bob@x.org"].Status)

	// The v2 column is in use.
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.EndRun(run, Counts{Rows: 1, Recovered: 1, Created: 1}, RunDone))
	h, err = s.History(1)
	require.NoError(t, err)
	assert.Equal(t, 1, h[0].Counts.Recovered)
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	beginRun(t, s, scopeA) // left running: Open would mark it crashed
	require.NoError(t, s.Close())
	db := rawDB(t, path)
	newer := SchemaVersion + 1
	_, err = db.Exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, strconv.Itoa(newer))
	require.NoError(t, err)

	want := fmt.Sprintf("state file %s was written by a newer onboard (schema %d); this binary knows up to %d: upgrade onboard", path, newer, SchemaVersion)
	for name, open := range map[string]func() error{
		"Open":         func() error { _, err := Open(path, Options{}); return err },
		"OpenReadOnly": func() error { _, err := OpenReadOnly(path); return err },
	} {
		err := open()
		var se *SchemaError
		require.ErrorAs(t, err, &se, name)
		assert.Equal(t, newer, se.Version)
		assert.EqualError(t, err, want, name)
	}

	var status string
	require.NoError(t, db.QueryRow(`SELECT status FROM runs`).Scan(&status))
	assert.Equal(t, RunRunning, status, "a refused file is not written to")
}

// TestMigrateV5ToV6: a v5 file's times become Unix milliseconds and its
// JSON digests the binary blob, with every person reading back as before
// (read-only through an upgraded copy, and for a run in place); a digest
// the blob cannot hold keeps its JSON; later writes keep the form.
func TestMigrateV5ToV6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 5))
	_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 4, 3, 'done');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
				identity, digest, digest_run, seen_run, missing_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', '2026-11-01T02:01:00.123Z', '2026-11-01T02:09:59.999Z', 1, 1,
				'E1', '{"email":"0123456789abcdef01234567","lastName":"fedcba9876543210fedcba98"}', 1, 1, NULL),
			       (1, 'email:bob@x.org', 'created', 'V2', '2026-11-01T02:01:00.000Z', '2026-11-01T02:01:00.000Z', 1, 1,
				'', '{"email":"not hex","role":"0123456789abcdef01234567"}', 1, 1, 1),
			       (1, 'email:cy@x.org', 'failed', '', '2026-11-01T02:02:00.000Z', '2026-11-01T02:03:00.000Z', NULL, 1,
				'', '', NULL, 1, NULL),
			       (1, 'email:dee@x.org', 'in_flight', '', '2026-11-01T02:02:00.000Z', '2026-11-01T02:03:00.000Z', NULL, 1,
				'E4', '{}', NULL, 1, NULL);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	want := map[string]Person{
		"email:ann@x.org": {Key: "email:ann@x.org", Status: StatusCreated, VendorID: "V1",
			FirstSeen: at("2026-11-01T02:01:00.123Z"), LastSeen: at("2026-11-01T02:09:59.999Z"), CreatedRun: 1, UpdatedRun: 1,
			Identity: "E1", Digests: map[string]string{"email": "0123456789abcdef01234567", "lastName": "fedcba9876543210fedcba98"},
			DigestRun: 1, SeenRun: 1},
		"email:bob@x.org": {Key: "email:bob@x.org", Status: StatusCreated, VendorID: "V2",
			FirstSeen: at("2026-11-01T02:01:00Z"), LastSeen: at("2026-11-01T02:01:00Z"), CreatedRun: 1, UpdatedRun: 1,
			Digests: map[string]string{"email": "not hex", "role": "0123456789abcdef01234567"}, DigestRun: 1, SeenRun: 1},
		"email:cy@x.org": {Key: "email:cy@x.org", Status: StatusFailed,
			FirstSeen: at("2026-11-01T02:02:00Z"), LastSeen: at("2026-11-01T02:03:00Z"), UpdatedRun: 1, SeenRun: 1},
		"email:dee@x.org": {Key: "email:dee@x.org", Status: StatusInFlight, Identity: "E4",
			FirstSeen: at("2026-11-01T02:02:00Z"), LastSeen: at("2026-11-01T02:03:00Z"), UpdatedRun: 1, SeenRun: 1,
			Digests: map[string]string{}},
	}
	keys := []string{"email:ann@x.org", "email:bob@x.org", "email:cy@x.org", "email:dee@x.org"}
	check := func(l Ledger) {
		t.Helper()
		got, err := l.Get(scopeA, keys)
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for k, w := range want {
			g := got[k]
			g.Provider, g.BaseURL, g.Tenant = "", "", ""
			assert.True(t, w.FirstSeen.Equal(g.FirstSeen) && w.LastSeen.Equal(g.LastSeen), k)
			w.FirstSeen, w.LastSeen, g.FirstSeen, g.LastSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			assert.Equal(t, w, g, k)
		}
	}

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	assert.Equal(t, 5, ro.UpgradedFrom())
	check(ro)
	require.NoError(t, ro.Close())

	s := openMigrated(t, path)
	check(s)
	types := map[string]string{}
	rows, err := s.db.Query(`SELECT key, typeof(first_seen) || ' ' || typeof(digest) FROM people`)
	require.NoError(t, err)
	for rows.Next() {
		var k, ty string
		require.NoError(t, rows.Scan(&k, &ty))
		types[k] = ty
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, map[string]string{"email:ann@x.org": "integer blob", "email:bob@x.org": "integer blob",
		"email:cy@x.org": "integer null", "email:dee@x.org": "integer blob"}, types)
	var blob []byte
	require.NoError(t, s.db.QueryRow(`SELECT digest FROM people WHERE key = 'email:ann@x.org'`).Scan(&blob))
	assert.Len(t, blob, 1+2*13, "one byte, then 13 a field")
	found, err := s.Lookup("Bob@x.org") // a bare value: key_prefixes has the file's "email:"
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "email:bob@x.org", found[0].Key)

	// A run keeps writing the blob, and reads back what it wrote.
	run := beginRun(t, s, scopeA)
	dig := map[string]string{"email": "aaaaaaaaaaaaaaaaaaaaaaaa", "phone": "bbbbbbbbbbbbbbbbbbbbbbbb"}
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:eve@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:eve@x.org", Status: StatusCreated, VendorID: "V5", Digests: dig}}))
	require.NoError(t, s.Seen(scopeA, run, []Sighting{{Key: "email:cy@x.org", Identity: "E3", Digests: map[string]string{"email": "cccccccccccccccccccccccc"}}}))
	got, err := s.Get(scopeA, []string{"email:eve@x.org", "email:cy@x.org"})
	require.NoError(t, err)
	assert.Equal(t, dig, got["email:eve@x.org"].Digests)
	assert.Equal(t, map[string]string{"email": "cccccccccccccccccccccccc"}, got["email:cy@x.org"].Digests)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"login:fay"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "login:fay", Status: StatusCreated}}))
	found, err = s.Lookup("FAY") // a prefix new since the migration
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "login:fay", found[0].Key)
	require.NoError(t, s.db.QueryRow(`SELECT digest FROM people WHERE key = 'email:eve@x.org'`).Scan(&blob))
	assert.Len(t, blob, 1+2*13)
}

// TestMigrateV6ToV7: a v6 file (sightings in the people rows) keeps its
// day-two truth: read through an upgraded copy (lookup, missing) and run
// in place, the person an older run listed stays listed once, the one
// last seen long ago goes missing, and the newest sightings show in
// lookup; a person's stamp moves into the people row only when the run
// that saw them is folded, and only for who no later run saw.
func TestMigrateV6ToV7(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	db := rawDB(t, path)
	require.NoError(t, migrate(db, path, 6))
	_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 3, 3, 'done'),
			       (2, 'old.csv', 'bb', 'smartapp', 1, '2026-11-02T02:00:00.000Z', '2026-11-02T02:10:00.000Z', 2, 0, 'done');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run, seen_run, missing_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', 1761962460000, 1762048860000, 1, 1, 2, NULL),
			       (1, 'email:bob@x.org', 'created', 'V2', 1761962460000, 1762048860000, 1, 1, 2, NULL),
			       (1, 'email:cy@x.org', 'created', 'V3', 1761962460000, 1761962460000, 1, 1, 1, 2);`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	missing := func(l Ledger, since int64) (listed []string, still int) {
		t.Helper()
		_, err := l.Missing(scopeA, since, func(p Person) error { listed = append(listed, p.Key); return nil })
		require.NoError(t, err)
		still, err = l.StillMissing(scopeA, since)
		require.NoError(t, err)
		return listed, still
	}
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	assert.Equal(t, 6, ro.UpgradedFrom())
	listed, still := missing(ro, 3) // as the next run would see it, had its file held nobody
	assert.Equal(t, []string{"email:ann@x.org", "email:bob@x.org"}, listed)
	assert.Equal(t, 1, still, "cy was listed by run 2")
	found, err := ro.Lookup("email:ann@x.org")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, int64(2), found[0].SeenRun)
	require.NoError(t, ro.Close())

	s := openMigrated(t, path)
	run3 := beginRun(t, s, scopeA)
	require.Equal(t, int64(3), run3)
	require.NoError(t, s.Seen(scopeA, run3, []Sighting{{Key: "email:ann@x.org"}, {Key: "email:cy@x.org"}}))
	listed, still = missing(s, run3)
	assert.Equal(t, []string{"email:bob@x.org"}, listed)
	assert.Zero(t, still, "cy is back")
	require.NoError(t, s.MarkMissing(scopeA, run3, run3))
	require.NoError(t, s.EndRun(run3, Counts{}, RunDone))

	run4 := beginRun(t, s, scopeA)
	require.NoError(t, s.Seen(scopeA, run4, []Sighting{{Key: "email:ann@x.org"}}))
	listed, still = missing(s, run4)
	assert.Equal(t, []string{"email:cy@x.org"}, listed, "cy went missing again: listed again")
	assert.Equal(t, 1, still, "bob")
	require.NoError(t, s.MarkMissing(scopeA, run4, run4))
	require.NoError(t, s.EndRun(run4, Counts{}, RunDone))

	// Run 5 folds run 3's sightings: cy, whom run 4 did not see, gets
	// run 3 in her row; ann's row is left as it was (run 4 saw her).
	beginRun(t, s, scopeA)
	rows := map[string][2]sql.NullInt64{}
	r, err := s.db.Query(`SELECT key, seen_run, missing_run FROM people`)
	require.NoError(t, err)
	for r.Next() {
		var k string
		var seen, miss sql.NullInt64
		require.NoError(t, r.Scan(&k, &seen, &miss))
		rows[k] = [2]sql.NullInt64{seen, miss}
	}
	require.NoError(t, r.Err())
	assert.Equal(t, int64(2), rows["email:ann@x.org"][0].Int64)
	assert.Equal(t, int64(3), rows["email:cy@x.org"][0].Int64)
	assert.Equal(t, int64(4), rows["email:cy@x.org"][1].Int64, "listed by run 4")
	assert.Equal(t, int64(3), rows["email:bob@x.org"][1].Int64, "listed by run 3")
	var runs []int64
	r, err = s.db.Query(`SELECT DISTINCT run_id FROM sightings ORDER BY 1`)
	require.NoError(t, err)
	for r.Next() {
		var id int64
		require.NoError(t, r.Scan(&id))
		runs = append(runs, id)
	}
	require.NoError(t, r.Err())
	assert.Equal(t, []int64{run4}, runs, "only the newest run's sightings are kept")
	found, err = s.Lookup("email:ann@x.org")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, run4, found[0].SeenRun)
}

// Schema 8 rebuilds people without the run foreign keys: a v6 and a v7
// file keep every person's row byte for byte, the identity index, the
// scope's foreign key, and a write for a run the file lacks is still
// refused.
func TestMigrateToV8KeepsPeople(t *testing.T) {
	for _, from := range []int{6, 7} {
		t.Run(fmt.Sprintf("v%d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "onboard-state.db")
			db := rawDB(t, path)
			require.NoError(t, migrate(db, path, from))
			_, err := db.Exec(`
		INSERT INTO scopes (id, provider, base_url, tenant) VALUES (1, 'smartapp', 'https://api.example.test', 't1');
		INSERT INTO runs (id, file, file_hash, provider, scope_id, started, ended, rows, created, status)
			VALUES (1, 'old.csv', 'aa', 'smartapp', 1, '2026-11-01T02:00:00.000Z', '2026-11-01T02:10:00.000Z', 3, 2, 'done'),
			       (2, 'old.csv', 'bb', 'smartapp', 1, '2026-11-02T02:00:00.000Z', NULL, 1, 0, 'running');
		INSERT INTO digest_fields (name) VALUES ('email'), ('lastName');
		INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
				prev_status, identity, digest, digest_run, seen_run, missing_run)
			VALUES (1, 'email:ann@x.org', 'created', 'V1', 1761962460000, 1762048860000, 1, 1, '', 'E1',
					unhex('0101' || '0123456789abcdef01234567' || '02' || '89abcdef0123456789abcdef'), 1, 2, NULL),
			       (1, 'email:bob@x.org', 'created', 'V2', 1761962460000, 1761962460000, 1, 1, '', '', NULL, NULL, 1, 2),
			       (1, 'email:cy@x.org', 'in_flight', '', 1762048860000, 1762048860000, NULL, 2, 'failed', 'E3', NULL, NULL, 2, NULL);`)
			require.NoError(t, err)
			dump := func(db *sql.DB) string {
				t.Helper()
				var out string
				require.NoError(t, db.QueryRow(`SELECT group_concat(quote(scope_id) || ',' || quote(key) || ',' || quote(status) || ',' ||
					quote(vendor_id) || ',' || quote(first_seen) || ',' || quote(last_seen) || ',' || quote(created_run) || ',' ||
					quote(updated_run) || ',' || quote(prev_status) || ',' || quote(identity) || ',' || quote(digest) || ',' ||
					quote(digest_run) || ',' || quote(seen_run) || ',' || quote(missing_run), char(10))
					FROM (SELECT * FROM people ORDER BY scope_id, key)`).Scan(&out))
				return out
			}
			before := dump(db)
			require.NoError(t, db.Close())

			s := openMigrated(t, path)
			assert.Equal(t, before, dump(s.db))
			var free int
			require.NoError(t, s.db.QueryRow(`PRAGMA freelist_count`).Scan(&free))
			assert.Zero(t, free, "the old table's pages are given back")
			var fks []string
			r, err := s.db.Query(`SELECT "table" || '(' || "from" || ')' FROM pragma_foreign_key_list('people')`)
			require.NoError(t, err)
			for r.Next() {
				var fk string
				require.NoError(t, r.Scan(&fk))
				fks = append(fks, fk)
			}
			require.NoError(t, r.Err())
			assert.Equal(t, []string{"scopes(scope_id)"}, fks)
			var ok string
			require.NoError(t, s.db.QueryRow(`PRAGMA integrity_check`).Scan(&ok))
			assert.Equal(t, "ok", ok)
			var idx string
			require.NoError(t, s.db.QueryRow(`SELECT sql FROM sqlite_schema WHERE name = 'people_identity' AND tbl_name = 'people'`).Scan(&idx))
			assert.Contains(t, idx, "(scope_id, identity) WHERE identity <> ''")

			byID, err := s.ByIdentity(scopeA, []string{"E1"})
			require.NoError(t, err)
			assert.Equal(t, "email:ann@x.org", byID["E1"].Key)
			assert.Equal(t, map[string]string{"email": "0123456789abcdef01234567", "lastName": "89abcdef0123456789abcdef"}, byID["E1"].Digests)
			cy, _ := get(t, s, scopeA, "email:cy@x.org")
			assert.Equal(t, StatusInFlight, cy.Status)

			run := beginRun(t, s, scopeA)
			require.Equal(t, int64(3), run)
			assert.ErrorContains(t, s.MarkInFlight(scopeA, run+1, []string{"email:dee@x.org"}), "run 4 is not in the state file")
			assert.ErrorContains(t, s.Record(scopeA, run+1, []Outcome{{Key: "email:dee@x.org", Status: StatusCreated}}), "run 4 is not in the state file")
			_, found := get(t, s, scopeA, "email:dee@x.org")
			assert.False(t, found, "a refused write writes nothing")
			require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:dee@x.org", "email:cy@x.org"}))
			require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:dee@x.org", Status: StatusCreated, VendorID: "V4"}, {Key: "email:cy@x.org", Status: ""}}))
			dee, _ := get(t, s, scopeA, "email:dee@x.org")
			assert.Equal(t, run, dee.CreatedRun)
			cy, _ = get(t, s, scopeA, "email:cy@x.org")
			assert.Equal(t, StatusInFlight, cy.Status, "the unsent mark put back the crashed run's in_flight")
			_, err = s.db.Exec(`INSERT INTO people (scope_id, key, status, first_seen, last_seen) VALUES (9, 'email:x@x.org', 'failed', 0, 0)`)
			assert.ErrorContains(t, err, "FOREIGN KEY", "the scope keeps its foreign key")
		})
	}
}
