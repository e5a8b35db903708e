package state

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenCreates(t *testing.T) {
	s, path := openTemp(t)

	_, err := os.Stat(path)
	require.NoError(t, err, "state file created")

	var mode string
	require.NoError(t, s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode)

	var fk, sync int
	require.NoError(t, s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk))
	require.NoError(t, s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync))
	assert.Equal(t, 1, fk, "foreign keys on")
	assert.Equal(t, 1, sync, "synchronous NORMAL")

	v, err := schemaVersion(s.db, path)
	require.NoError(t, err)
	assert.Equal(t, SchemaVersion, v)

	lock, err := os.ReadFile(path + ".lock")
	require.NoError(t, err)
	assert.Contains(t, string(lock), "pid="+strconv.Itoa(os.Getpid())+" started=2026-11-23T10:00:01Z")
}

func TestMarkInFlightRestoresNormalSync(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org"}))
	var sync int
	require.NoError(t, s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync))
	assert.Equal(t, 1, sync, "back to NORMAL after the durable commit")
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notState := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", notState)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE things (x)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	empty := filepath.Join(dir, "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	garbage := filepath.Join(dir, "roster.csv")
	require.NoError(t, os.WriteFile(garbage, []byte(strings.Repeat("email,name\n", 100)), 0o644))

	tests := []struct {
		name string
		open func() error
		want string
		is   error
	}{
		{"read-only missing file", func() error {
			_, err := OpenReadOnly(filepath.Join(dir, "nope.db"))
			return err
		}, "state file " + filepath.Join(dir, "nope.db") + " does not exist (no run has written it yet)", fs.ErrNotExist},
		{"read-only not a state file", func() error {
			_, err := OpenReadOnly(notState)
			return err
		}, notState + " is not an onboard state file (no meta table)", nil},
		{"read-only empty file", func() error {
			_, err := OpenReadOnly(empty)
			return err
		}, "state file " + empty + " holds no onboard data yet", nil},
		{"not a state file", func() error {
			_, err := Open(notState, Options{})
			return err
		}, notState + " is not an onboard state file (no meta table)", nil},
		{"not a database", func() error {
			_, err := Open(garbage, Options{})
			return err
		}, "state file " + garbage + ": file is not a database", nil},
		{"missing directory", func() error {
			_, err := Open(filepath.Join(dir, "no", "such", "state.db"), Options{})
			return err
		}, "state lock: open " + filepath.Join(dir, "no", "such", "state.db.lock"), fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.open()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
	b, err := os.ReadFile(garbage)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("email,name\n", 100), string(b), "a file that is not ours is left alone")
}

func TestReadOnlyWhileRunWrites(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:ann@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:ann@x.org", Status: StatusCreated, VendorID: "V1"}}))

	// No lock taken: works while the run still holds the file.
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	t.Cleanup(func() { ro.Close() })

	h, err := ro.History(0)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, RunRunning, h[0].Status)
	p, err := ro.Lookup("ann@x.org")
	require.NoError(t, err)
	require.Len(t, p, 1)
	assert.Equal(t, "V1", p[0].VendorID)

	writes := map[string]func() error{
		"BeginRun":     func() error { _, err := ro.BeginRun("f", "h", scopeA); return err },
		"EndRun":       func() error { return ro.EndRun(run, Counts{}, RunDone) },
		"MarkInFlight": func() error { return ro.MarkInFlight(scopeA, run, []string{"email:b@x.org"}) },
		"Record":       func() error { return ro.Record(scopeA, run, []Outcome{{Key: "email:b@x.org", Status: StatusFailed}}) },
	}
	for name, w := range writes {
		assert.ErrorIs(t, w(), ErrReadOnly, name)
	}
	_, ok := get(t, s, scopeA, "email:b@x.org")
	assert.False(t, ok, "nothing written through the read-only store")

	// After the run: the WAL is checkpointed away and the file still reads.
	require.NoError(t, ro.Close())
	require.NoError(t, s.Close())
	ro, err = OpenReadOnly(path)
	require.NoError(t, err)
	h, err = ro.History(0)
	require.NoError(t, err)
	assert.Len(t, h, 1)
}

func TestScopeKeepsNoSecrets(t *testing.T) {
	s, path := openTemp(t)
	withSecret := Scope{Provider: " smartapp ", BaseURL: "https://user:s3cret@API.example.test/v1/?api_key=t0ken#frag", Tenant: "t1"}
	run := beginRun(t, s, withSecret)
	require.NoError(t, s.MarkInFlight(withSecret, run, []string{"email:ann@x.org"}))
	require.NoError(t, s.Record(withSecret, run, []Outcome{{Key: "email:ann@x.org", Status: StatusCreated, VendorID: "V1"}}))
	require.NoError(t, s.EndRun(run, Counts{Rows: 1, Created: 1}, RunDone))

	// The same scope spelt without the secret parts is the same scope.
	p, ok := get(t, s, Scope{Provider: "smartapp", BaseURL: "https://api.example.test/v1", Tenant: "t1"}, "email:ann@x.org")
	require.True(t, ok)
	assert.Equal(t, "https://api.example.test/v1", p.BaseURL)
	require.NoError(t, s.Close())

	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		assert.NotContains(t, string(b), "s3cret", f)
		assert.NotContains(t, string(b), "t0ken", f)
	}
}

func TestHashFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(path, []byte("abc"), 0o644))
	h, err := HashFile(path)
	require.NoError(t, err)
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", h)

	_, err = HashFile(path + ".missing")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
