package state

import (
	"database/sql"
	"errors"
	"fmt"
)

// The write statements, prepared once per Open and bound to each
// transaction with tx.Stmt. Each takes a whole batch as one JSON array in
// ?2 (keys, or [key, vendor_id] pairs) and writes it in one statement: a
// third of the time of a statement per key.
const (
	// sqlMark marks the keys in flight for run ?4. prev_status keeps what to
	// restore if the key is not sent; a second mark in the same run must
	// not overwrite it with in_flight. A created key is left alone.
	sqlMark = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, identity, seen_run)
		SELECT ?1, value ->> 0, 'in_flight', ?3, ?3, ?4, value ->> 1, ?4 FROM json_each(?2) WHERE true
		ON CONFLICT (scope_id, key) DO UPDATE SET
			prev_status = CASE WHEN people.status = 'in_flight' AND people.updated_run IS excluded.updated_run
				THEN people.prev_status ELSE people.status END,
			status = 'in_flight', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			seen_run = excluded.seen_run, missing_run = NULL
		WHERE people.status <> 'created'`

	// sqlCreated records the pairs created; an empty vendor_id keeps a
	// known one, and an already created key keeps the run that created it.
	// identity and digest likewise: an empty one keeps the stored one.
	sqlCreated = `INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
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

	// sqlFailed records the keys failed, unless created.
	sqlFailed = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, seen_run)
		SELECT ?1, value ->> 0, 'failed', ?3, ?3, ?4, ?4 FROM json_each(?2) WHERE true
		ON CONFLICT (scope_id, key) DO UPDATE SET
			status = 'failed', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			seen_run = excluded.seen_run
		WHERE people.status <> 'created'`

	// sqlSighting stores one Seen call's keys (encodeKeys) as a sightings
	// row of run ?1: the sightings that carry no identity or digests to
	// fill in, the people rows untouched (see sightings.go).
	sqlSighting = `INSERT INTO sightings (run_id, scope_id, at, keys) VALUES (?1, ?2, ?3, ?4)`

	// sqlSeen stamps the people of [key, identity, digest] triples as seen
	// by run ?4. A created person without an identity takes the one given
	// (people created before identity: was set), one without digests takes
	// the ones given as the baseline later runs compare with. It is an
	// upsert that never inserts (the EXISTS keeps unknown keys out), so
	// each triple is one primary-key lookup: an UPDATE ... FROM let SQLite
	// scan the batch for every person.
	sqlSeen = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, seen_run, identity, digest, digest_run)
		SELECT ?1, value ->> 0, 'failed', ?3, ?3, ?4, value ->> 1, CASE WHEN value ->> 2 <> '' THEN unhex(value ->> 2) END, ?4 FROM json_each(?2)
		WHERE EXISTS (SELECT 1 FROM people p WHERE p.scope_id = ?1 AND p.key = value ->> 0)
		ON CONFLICT (scope_id, key) DO UPDATE SET last_seen = excluded.last_seen, seen_run = excluded.seen_run,
			missing_run = NULL,
			identity = CASE WHEN people.identity = '' AND people.status = 'created' THEN excluded.identity ELSE people.identity END,
			digest = CASE WHEN people.digest IS NULL AND excluded.digest IS NOT NULL THEN excluded.digest ELSE people.digest END,
			digest_run = CASE WHEN people.digest IS NULL AND excluded.digest IS NOT NULL THEN excluded.digest_run ELSE people.digest_run END`

	// sqlUnsendNew and sqlUnsendOld undo the in_flight mark of keys that
	// were not sent: no earlier record → gone; else back to what it was.
	// prev_status stays, so a re-mark in the same run restores the same.
	sqlUnsendNew = `DELETE FROM people WHERE scope_id = ?1 AND key IN (SELECT value ->> 0 FROM json_each(?2))
		AND status = 'in_flight' AND prev_status = ''`
	sqlUnsendOld = `UPDATE people SET status = prev_status
		WHERE scope_id = ?1 AND key IN (SELECT value ->> 0 FROM json_each(?2))
		AND status = 'in_flight' AND prev_status <> ''`
)

// writeStmts are the prepared write statements.
type writeStmts struct {
	mark     *sql.Stmt
	seen     *sql.Stmt
	sighting *sql.Stmt
	// record lists the statements Record runs for each Outcome.Status.
	record map[string][]*sql.Stmt
}

// prepareWrites prepares every write statement.
func prepareWrites(db *sql.DB) (*writeStmts, error) {
	var errs []error
	prep := func(q string) *sql.Stmt {
		st, err := db.Prepare(q)
		errs = append(errs, err)
		return st
	}
	w := &writeStmts{
		mark:     prep(sqlMark),
		seen:     prep(sqlSeen),
		sighting: prep(sqlSighting),
		record: map[string][]*sql.Stmt{
			StatusCreated: {prep(sqlCreated)},
			StatusFailed:  {prep(sqlFailed)},
			"":            {prep(sqlUnsendNew), prep(sqlUnsendOld)},
		},
	}
	if err := errors.Join(errs...); err != nil {
		w.close() //nolint:errcheck // the prepare error matters more
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return w, nil
}

// close closes the statements; nil-safe.
func (w *writeStmts) close() error {
	if w == nil {
		return nil
	}
	var errs []error
	for _, st := range append([]*sql.Stmt{w.mark, w.seen, w.sighting}, w.all()...) {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// all lists the record statements.
func (w *writeStmts) all() []*sql.Stmt {
	var out []*sql.Stmt
	for _, sts := range w.record {
		out = append(out, sts...)
	}
	return out
}
