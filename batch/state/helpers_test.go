package state

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	scopeA = Scope{Provider: "smartapp", BaseURL: "https://api.example.test", Tenant: "t1"}
	scopeB = Scope{Provider: "smartapp", BaseURL: "https://api.example.test", Tenant: "t2"}
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// tickClock returns a clock that advances one second per call.
func tickClock() func() time.Time {
	var mu sync.Mutex
	now := t0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
}

// openTemp opens a new store in a temp dir, closed at cleanup.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	s, err := Open(path, Options{Now: tickClock()})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

// beginRun starts a run and fails the test on error.
func beginRun(t testing.TB, s *Store, sc Scope) int64 {
	t.Helper()
	id, err := s.BeginRun("roster.csv", "0123abcd", sc)
	require.NoError(t, err)
	return id
}

// get is Get for one key; ok is false when the store has no record.
func get(t testing.TB, s *Store, sc Scope, key string) (Person, bool) {
	t.Helper()
	m, err := s.Get(sc, []string{key})
	require.NoError(t, err)
	p, ok := m[key]
	return p, ok
}

// openMigrated opens the state file at path, which an older onboard wrote,
// and checks that it was migrated to the current schema.
func openMigrated(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: tickClock()})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	v, err := schemaVersion(s.db, path)
	require.NoError(t, err)
	require.Equal(t, SchemaVersion, v)
	return s
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q, its lines joined.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN `+q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	return strings.Join(plan, "\n")
}
