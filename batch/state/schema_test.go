package state

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

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
	assert.Equal(t, RunRunning, h[0].Status, "read-only marks nothing crashed")
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
