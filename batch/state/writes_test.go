package state

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The statements marks and outcomes were written with before they bound
// their rows as parameters (one JSON array a batch): the reference the
// rows written now are compared with, byte for byte.
const (
	refMark = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, identity, seen_run)
		SELECT ?1, value ->> 0, 'in_flight', ?3, ?3, ?4, value ->> 1, ?4 FROM json_each(?2) WHERE true
		ON CONFLICT (scope_id, key) DO UPDATE SET
			prev_status = CASE WHEN people.status = 'in_flight' AND people.updated_run IS excluded.updated_run
				THEN people.prev_status ELSE people.status END,
			status = 'in_flight', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			seen_run = excluded.seen_run, missing_run = NULL
		WHERE people.status <> 'created'`

	refCreated = `INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
			identity, digest, digest_run, seen_run)
		SELECT ?1, value ->> 0, 'created', value ->> 1, ?3, ?3, ?4, ?4,
			value ->> 2, CASE WHEN value ->> 3 <> '' THEN unhex(value ->> 3) END, CASE WHEN value ->> 3 <> '' THEN ?4 END, ?4 FROM json_each(?2) WHERE true
		ON CONFLICT (scope_id, key) DO UPDATE SET
			vendor_id = CASE WHEN excluded.vendor_id <> '' THEN excluded.vendor_id ELSE people.vendor_id END,
			created_run = CASE WHEN people.status = 'created' THEN people.created_run ELSE excluded.created_run END,
			status = 'created', prev_status = '', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			digest = CASE WHEN excluded.digest IS NOT NULL THEN excluded.digest ELSE people.digest END,
			digest_run = CASE WHEN excluded.digest IS NOT NULL THEN excluded.digest_run ELSE people.digest_run END,
			seen_run = excluded.seen_run, missing_run = NULL`

	refFailed = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, seen_run)
		SELECT ?1, value ->> 0, 'failed', ?3, ?3, ?4, ?4 FROM json_each(?2) WHERE true
		ON CONFLICT (scope_id, key) DO UPDATE SET
			status = 'failed', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			seen_run = excluded.seen_run
		WHERE people.status <> 'created'`
)

// refMarkInFlight is MarkInFlightAs as it was written with refMark.
func refMarkInFlight(t *testing.T, s *Store, sc Scope, runID int64, marks []Mark) {
	t.Helper()
	sid, _, err := s.scopeID(sc, true)
	require.NoError(t, err)
	require.NoError(t, s.notePrefixes(func(yield func(string) bool) {
		for _, m := range marks {
			if !yield(m.Key) {
				return
			}
		}
	}))
	now := s.nowMS()
	pairs := make([][2]string, len(marks))
	for i, m := range marks {
		pairs[i] = [2]string{m.Key, m.Identity}
	}
	js, _ := json.Marshal(pairs)
	require.NoError(t, s.inTx(true, func(tx *sql.Tx) error {
		_, err := tx.Exec(refMark, sid, string(js), now, runID)
		return err
	}))
}

// refRecord is Record as it was written with refCreated, refFailed and
// the unsend statements.
func refRecord(t *testing.T, s *Store, sc Scope, runID int64, outs []Outcome) {
	t.Helper()
	sid, _, err := s.scopeID(sc, true)
	require.NoError(t, err)
	now := s.nowMS()
	require.NoError(t, s.notePrefixes(func(yield func(string) bool) {
		for _, o := range outs {
			if o.Status != "" && !yield(o.Key) {
				return
			}
		}
	}))
	byStatus := map[string][][4]string{}
	for _, o := range outs {
		dig, err := s.digestHex(o.Digests)
		require.NoError(t, err)
		byStatus[o.Status] = append(byStatus[o.Status], [4]string{o.Key, o.VendorID, o.Identity, dig})
	}
	stmts := map[string][]string{StatusCreated: {refCreated}, StatusFailed: {refFailed}, "": {sqlUnsendNew, sqlUnsendOld}}
	require.NoError(t, s.inTx(false, func(tx *sql.Tx) error {
		for _, status := range []string{StatusCreated, StatusFailed, ""} {
			if len(byStatus[status]) == 0 {
				continue
			}
			js, _ := json.Marshal(byStatus[status])
			args := []any{sid, string(js)}
			if status != "" {
				args = append(args, now, runID)
			}
			for _, q := range stmts[status] {
				if _, err := tx.Exec(q, args...); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// dumpPeople is every column of every person, with its SQLite type, in
// key order.
func dumpPeople(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT quote(scope_id), quote(key), quote(status), quote(vendor_id), quote(first_seen),
		quote(last_seen), quote(created_run), quote(updated_run), quote(prev_status), quote(identity), quote(digest),
		quote(digest_run), quote(seen_run), quote(missing_run) FROM people ORDER BY scope_id, key`)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	cols := make([]string, 14)
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	for rows.Next() {
		require.NoError(t, rows.Scan(dest...))
		b.WriteString(strings.Join(cols, "|") + "\n")
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// TestRowWritesMatchTheJSONStatements writes the same marks and outcomes
// (batches that cut into statements of 128 rows and of every power of two
// below, keys marked twice in a run, created, failed, re-marked after
// failing, not sent, a created key marked again, digests binary and not,
// an empty vendor ID) through the store and through the statements of
// before, and compares the people tables byte for byte.
func TestRowWritesMatchTheJSONStatements(t *testing.T) {
	got, _ := openTemp(t)
	want, _ := openTemp(t)
	key := func(i int) string { return fmt.Sprintf("email:user%04d@x.org", i) }
	const n = 300 // 128 + 128 + 32 + 8 + 4
	odd := map[string]string{"email": "not-hex", "role": "0123456789abcdef01234567"}
	steps := []func(s *Store, ref bool, run int64){
		func(s *Store, ref bool, run int64) { // mark 0..n-1, every third with an identity
			marks := make([]Mark, n)
			for i := range marks {
				marks[i].Key = key(i)
				if i%3 == 0 {
					marks[i].Identity = fmt.Sprintf("E%d", i)
				}
			}
			if ref {
				refMarkInFlight(t, s, scopeA, run, marks)
			} else {
				require.NoError(t, s.MarkInFlightAs(scopeA, run, marks))
			}
		},
		func(s *Store, ref bool, run int64) { // a second mark of some in the same run
			marks := []Mark{{Key: key(1)}, {Key: key(2), Identity: "E-two"}, {Key: key(n + 1)}}
			if ref {
				refMarkInFlight(t, s, scopeA, run, marks)
			} else {
				require.NoError(t, s.MarkInFlightAs(scopeA, run, marks))
			}
		},
		func(s *Store, ref bool, run int64) { // outcomes of every kind
			var outs []Outcome
			for i := range n + 2 {
				o := Outcome{Key: key(i)}
				switch i % 5 {
				case 0, 1:
					o.Status, o.VendorID, o.Digests = StatusCreated, fmt.Sprintf("V%d", i), benchDigests
				case 2:
					o.Status, o.Identity, o.Digests = StatusCreated, "I"+key(i), odd
				case 3:
					o.Status = StatusFailed
				}
				outs = append(outs, o)
			}
			if ref {
				refRecord(t, s, scopeA, run, outs)
			} else {
				require.NoError(t, s.Record(scopeA, run, outs))
			}
		},
	}
	second := []func(s *Store, ref bool, run int64){
		steps[0], // the failed, the not sent and the created marked again
		func(s *Store, ref bool, run int64) { // created again with an empty vendor ID; failed again; one new key created unmarked
			var outs []Outcome
			for i := range 40 {
				o := Outcome{Key: key(i), Status: StatusCreated}
				if i%2 == 1 {
					o.Status = StatusFailed
				}
				outs = append(outs, o)
			}
			outs = append(outs, Outcome{Key: key(n + 5), Status: StatusCreated, VendorID: "V-new"}, Outcome{Key: key(n + 6), Status: StatusFailed})
			if ref {
				refRecord(t, s, scopeB, run, outs)
				refRecord(t, s, scopeA, run, outs)
			} else {
				require.NoError(t, s.Record(scopeB, run, outs))
				require.NoError(t, s.Record(scopeA, run, outs))
			}
		},
	}
	for _, s := range []*Store{got, want} {
		ref := s == want
		run := beginRun(t, s, scopeA)
		for _, step := range steps {
			step(s, ref, run)
		}
		run = beginRun(t, s, scopeA)
		for _, step := range second {
			step(s, ref, run)
		}
	}
	// The marks without an outcome are in people once settled (EndRun).
	require.NoError(t, got.settleMarks(0))
	w := dumpPeople(t, want)
	// Scope A: 0..n+1 (the never sent, deleted in the first run, marked
	// again in the second), then n+5 and n+6; scope B: 42.
	require.Equal(t, n+2+2+42, strings.Count(w, "\n"), "the reference wrote every key")
	assert.Equal(t, w, dumpPeople(t, got))
}

func TestSizes(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want []int
	}{
		{0, nil}, {1, []int{1}}, {127, []int{64, 32, 16, 8, 4, 2, 1}}, {128, []int{128}},
		{300, []int{128, 128, 32, 8, 4}}, {1024, []int{128, 128, 128, 128, 128, 128, 128, 128}},
	} {
		assert.Equal(t, tt.want, sizes(tt.n), "n=%d", tt.n)
	}
}
