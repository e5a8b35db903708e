package state

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// The write statements, prepared once per Open and bound to each
// transaction with tx.Stmt. The seen and unsend statements take a whole
// batch as one JSON array in ?2 (keys, or [key, ...] arrays) and write it
// in one statement: a third of the time of a statement per key.
//
// Marks and outcomes, a first run's two writes per person, take their rows
// as bound parameters instead (see rowsStmt): up to 128 rows of a multi-row
// VALUES per statement, which spares SQLite the JSON text and its ->>
// look-ups (a third of those statements' time).
var (
	// rowsMark marks the keys in flight for run ?3: since schema 9 the
	// marks a run ends without an outcome for, and a mark an outcome other
	// than created needs first (see journal.go). prev_status keeps what
	// to restore if the key is not sent; a second mark in the same run must
	// not overwrite it with in_flight. A created key is left alone.
	rowsMark = rowsStmt{
		head: `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, identity, seen_run)
			SELECT c.sid, v.column1, 'in_flight', c.now, c.now, c.run, v.column2, c.run FROM c, `,
		tail: ` WHERE true ON CONFLICT (scope_id, key) DO UPDATE SET
			prev_status = CASE WHEN people.status = 'in_flight' AND people.updated_run IS excluded.updated_run
				THEN people.prev_status ELSE people.status END,
			status = 'in_flight', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			seen_run = excluded.seen_run, missing_run = NULL
		WHERE people.status <> 'created'`,
		per: 2,
	}

	// rowsCreated records [key, vendor_id, identity, digest] rows created;
	// an empty vendor_id keeps a known one, and an already created key
	// keeps the run that created it. identity likewise, and a NULL digest.
	// c.first (?4) is a new person's first_seen: the time of the mark that
	// is not in people (see journal.go), or now; the rows of one
	// statement share it (a parameter a row less to bind).
	rowsCreated = rowsStmt{
		head: `INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
				identity, digest, digest_run, seen_run)
			SELECT c.sid, v.column1, 'created', v.column2, c.first, c.now, c.run, c.run,
				v.column3, v.column4, CASE WHEN v.column4 IS NOT NULL THEN c.run END, c.run FROM c, `,
		tail: ` WHERE true ON CONFLICT (scope_id, key) DO UPDATE SET
			vendor_id = CASE WHEN excluded.vendor_id <> '' THEN excluded.vendor_id ELSE people.vendor_id END,
			created_run = CASE WHEN people.status = 'created' THEN people.created_run ELSE excluded.created_run END,
			status = 'created', prev_status = '', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			digest = CASE WHEN excluded.digest IS NOT NULL THEN excluded.digest ELSE people.digest END,
			digest_run = CASE WHEN excluded.digest IS NOT NULL THEN excluded.digest_run ELSE people.digest_run END,
			seen_run = excluded.seen_run, missing_run = NULL`,
		per:   4,
		first: true,
	}

	// rowsFailed records the keys failed, unless created.
	rowsFailed = rowsStmt{
		head: `INSERT INTO people (scope_id, key, status, first_seen, last_seen, updated_run, seen_run)
			SELECT c.sid, v.column1, 'failed', c.now, c.now, c.run, c.run FROM c, `,
		tail: ` WHERE true ON CONFLICT (scope_id, key) DO UPDATE SET
			status = 'failed', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			seen_run = excluded.seen_run
		WHERE people.status <> 'created'`,
		per: 1,
	}
)

const (
	// sqlSighting stores one Seen call's keys (encodeKeys) as a sightings
	// row of run ?1: the sightings that carry no identity or digests to
	// fill in, the people rows untouched (see sightings.go).
	sqlSighting = `INSERT INTO sightings (run_id, scope_id, at, keys) VALUES (?1, ?2, ?3, ?4)`

	// sqlJournal stores one MarkInFlightAs call's marks (encodeMarks) as a
	// marks row of run ?1 (see journal.go).
	sqlJournal = `INSERT INTO marks (run_id, scope_id, at, keys) VALUES (?1, ?2, ?3, ?4)`
	// sqlJournalDone deletes a marks row whose keys all have an outcome.
	sqlJournalDone = `DELETE FROM marks WHERE id = ?`

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
	seen     *sql.Stmt
	sighting *sql.Stmt
	journal  *sql.Stmt
	// journalDone deletes a marks row (sqlJournalDone).
	journalDone *sql.Stmt
	unsend      []*sql.Stmt // sqlUnsendNew, sqlUnsendOld
	// mark, created and failed are prepared per batch size, on first use.
	mark, created, failed *sizedStmts
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
		seen:        prep(sqlSeen),
		sighting:    prep(sqlSighting),
		journal:     prep(sqlJournal),
		journalDone: prep(sqlJournalDone),
		unsend:      []*sql.Stmt{prep(sqlUnsendNew), prep(sqlUnsendOld)},
		mark:        newSized(db, &rowsMark),
		created:     newSized(db, &rowsCreated),
		failed:      newSized(db, &rowsFailed),
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
	for _, st := range append([]*sql.Stmt{w.seen, w.sighting, w.journal, w.journalDone}, w.unsend...) {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, z := range []*sizedStmts{w.mark, w.created, w.failed} {
		errs = append(errs, z.close())
	}
	return errors.Join(errs...)
}

// rowsStmt is a write whose rows are bound parameters: c (sid, now, run)
// is ?1..?3 (and first, ?4, when first is set), then head is followed by
// v, a VALUES of per plain ? a row, and tail. Plain ?: the driver asks
// SQLite each parameter's name, and SQLite finds a numbered one's by
// walking the list of them.
type rowsStmt struct {
	head, tail string
	per        int
	first      bool
}

// maxRows is the most rows one statement takes (128 × 5 parameters, well
// under SQLite's 32,766); a batch is cut into statements of 128 rows and
// then of powers of two, so a store prepares at most 8 sizes of each.
const maxRows = 128

// text is the statement for n rows.
func (r *rowsStmt) text(n int) string {
	var b strings.Builder
	if r.first {
		b.WriteString("WITH c (sid, now, run, first) AS (SELECT ?1, ?2, ?3, ?4) ")
	} else {
		b.WriteString("WITH c (sid, now, run) AS (SELECT ?1, ?2, ?3) ")
	}
	b.WriteString(r.head)
	b.WriteString("(VALUES ")
	row := "(?" + strings.Repeat(", ?", r.per-1) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(") v")
	b.WriteString(r.tail)
	return b.String()
}

// sizes cuts n rows into statement sizes: maxRows as often as it fits,
// then the powers of two of the rest, largest first.
func sizes(n int) []int {
	var out []int
	for ; n >= maxRows; n -= maxRows {
		out = append(out, maxRows)
	}
	for sz := maxRows / 2; sz >= 1; sz /= 2 {
		if n >= sz {
			out, n = append(out, sz), n-sz
		}
	}
	return out
}

// sizedStmts are one rowsStmt's prepared statements by size.
type sizedStmts struct {
	db *sql.DB
	r  *rowsStmt
	mu sync.Mutex
	by map[int]*sql.Stmt
}

func newSized(db *sql.DB, r *rowsStmt) *sizedStmts {
	return &sizedStmts{db: db, r: r, by: map[int]*sql.Stmt{}}
}

// prepare returns the statements for sizes, preparing the missing ones.
// Call it outside a transaction: the store's one connection is the
// transaction's until it ends.
func (z *sizedStmts) prepare(sizes []int) ([]*sql.Stmt, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := make([]*sql.Stmt, len(sizes))
	for i, n := range sizes {
		st, ok := z.by[n]
		if !ok {
			var err error
			if st, err = z.db.Prepare(z.r.text(n)); err != nil {
				return nil, fmt.Errorf("prepare for %d rows: %w", n, err)
			}
			z.by[n] = st
		}
		out[i] = st
	}
	return out, nil
}

// batch is a write of rows prepared outside the transaction that runs it.
type batch struct {
	stmts []*sql.Stmt
	sizes []int
	per   int
}

// plan prepares the statements for n rows.
func (z *sizedStmts) plan(n int) (batch, error) {
	sz := sizes(n)
	st, err := z.prepare(sz)
	return batch{stmts: st, sizes: sz, per: z.r.per}, err
}

// exec runs the batch in tx: shared is ?1..?3 (or ?4), rows each row's
// parameters (len(rows) is the n given to plan, times per).
func (b batch) exec(tx *sql.Tx, shared []any, rows []any) error {
	args := make([]any, 0, len(shared)+maxRows*b.per)
	for i, st := range b.stmts {
		n := b.sizes[i] * b.per
		args = append(append(args[:0], shared...), rows[:n]...)
		rows = rows[n:]
		if _, err := tx.Stmt(st).Exec(args...); err != nil {
			return err
		}
	}
	return nil
}

func (z *sizedStmts) close() error {
	if z == nil {
		return nil
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	var errs []error
	for _, st := range z.by {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// knownRun refuses a write for a run the file does not hold. Since schema
// 8 the people rows' run columns carry no foreign key (see migrations):
// one look-up a call instead of a probe per column per row. Runs are
// never deleted, so a run found once is remembered.
func (s *Store) knownRun(runID int64) error {
	s.mu.Lock()
	ok := s.runIDs[runID]
	s.mu.Unlock()
	if ok {
		return nil
	}
	var one int
	err := s.db.QueryRow(`SELECT 1 FROM runs WHERE id = ?`, runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("run %d is not in the state file", runID)
	}
	if err != nil {
		return fmt.Errorf("run %d: %w", runID, err)
	}
	s.mu.Lock()
	s.runIDs[runID] = true
	s.mu.Unlock()
	return nil
}
