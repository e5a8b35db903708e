package state

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// The in-flight marks are a journal (schema 9): MarkInFlightAs writes one
// marks row per call, durably, and the store keeps the run's marks that
// have no outcome yet in memory. Record writes each outcome into people
// once (a new person: one insert, where a mark in people and an outcome
// over it were three B-tree writes). The marks still without an outcome
// (answers unknown) go into people as in_flight at EndRun, or at Close of
// a run never ended, and the run's marks rows are deleted in the same
// transaction; a run that died leaves its rows, which the next writable
// Open applies (foldJournal) before anything else reads people.
//
// Readers see the marks as if they were in people: the run's own process
// overlays its set, and a read-only store reads the marks rows once (a
// live run's, or a dead run's not yet folded).

// rowsFold applies a dead run's marks: rowsMark, except for the keys that
// run recorded an outcome for (updated_run is the run).
var rowsFold = rowsStmt{
	head: rowsMark.head,
	tail: ` WHERE true ON CONFLICT (scope_id, key) DO UPDATE SET
			prev_status = people.status,
			status = 'in_flight', last_seen = excluded.last_seen, updated_run = excluded.updated_run,
			identity = CASE WHEN excluded.identity <> '' THEN excluded.identity ELSE people.identity END,
			seen_run = excluded.seen_run, missing_run = NULL
		WHERE people.status <> 'created' AND people.updated_run IS NOT excluded.updated_run`,
	per: 2,
}

// markKey is a person (scope id and key) or, in markSet.ids, a scope id
// and an identity.
type markKey struct {
	sid int64
	key string
}

// pendingMark is a mark without an outcome yet.
type pendingMark struct {
	// at is when the run first marked the key (what a mark in people
	// kept as a new person's first_seen).
	run, at  int64
	row      *markRow // nil for a mark loaded from the file
	identity string
	// loaded: read from the marks rows by a read-only store, which cannot
	// tell an outcome recorded since from one not, but by the people row:
	// updated_run is the run once it was recorded.
	loaded bool
}

// markRow is a marks row this process wrote, and how many of its keys
// have no outcome yet: its marks share it, so an outcome counts off its
// row without a look-up.
type markRow struct {
	id   int64
	left int
}

// markSet is the marks without an outcome.
type markSet struct {
	mu sync.Mutex
	// by holds the marks by scope id, then key: a run records a chunk of
	// one scope's outcomes, and a map keyed by the key alone takes the
	// runtime's string fast path (a struct key hashed and compared
	// field by field was most of each outcome's cost in the set).
	by   map[int64]map[string]pendingMark
	n    int                  // marks in by
	ids  map[markKey][]string // (scope id, identity) → keys
	once sync.Once            // a read-only store's load
	err  error
	// rows: this process wrote marks rows that settleMarks has not
	// deleted yet.
	rows bool
	// dead are the marks rows left no key without an outcome (see
	// markRow), for the next Record to delete (the file keeps the pages
	// for people, and a dead run's rows hold only what is unknown).
	dead []int64
}

func (ms *markSet) add(k markKey, m pendingMark) {
	if ms.by == nil {
		ms.by, ms.ids = map[int64]map[string]pendingMark{}, map[markKey][]string{}
	}
	if m.row != nil {
		m.row.left++
	}
	sm := ms.by[k.sid]
	if sm == nil {
		sm = map[string]pendingMark{}
		ms.by[k.sid] = sm
	}
	old, ok := sm[k.key]
	if ok {
		ms.done(old.row)
		// A second mark keeps a known identity, as rowsMark does.
		if m.identity == "" {
			m.identity = old.identity
		}
		if old.run == m.run {
			m.at = old.at
		}
		ms.dropID(k, old.identity)
	} else {
		ms.n++
	}
	sm[k.key] = m
	if m.identity != "" {
		ik := markKey{k.sid, m.identity}
		ms.ids[ik] = append(ms.ids[ik], k.key)
	}
}

func (ms *markSet) remove(k markKey) {
	sm := ms.by[k.sid]
	if old, ok := sm[k.key]; ok {
		delete(sm, k.key)
		ms.n--
		ms.dropID(k, old.identity)
		ms.done(old.row)
	}
}

// get is k's mark.
func (ms *markSet) get(k markKey) (pendingMark, bool) {
	m, ok := ms.by[k.sid][k.key]
	return m, ok
}

// each calls fn for every mark.
func (ms *markSet) each(fn func(k markKey, m pendingMark)) {
	for sid, sm := range ms.by {
		for key, m := range sm {
			fn(markKey{sid, key}, m)
		}
	}
}

// done counts off one key of marks row r (nil: loaded, no row of ours).
func (ms *markSet) done(r *markRow) {
	if r == nil {
		return
	}
	if r.left--; r.left == 0 {
		ms.dead = append(ms.dead, r.id)
	}
}

func (ms *markSet) dropID(k markKey, identity string) {
	if identity == "" {
		return
	}
	ik := markKey{k.sid, identity}
	keys := slices.DeleteFunc(ms.ids[ik], func(x string) bool { return x == k.key })
	if len(keys) == 0 {
		delete(ms.ids, ik)
	} else {
		ms.ids[ik] = keys
	}
}

// onto is p (found: the people row's) as it reads with the mark applied,
// as rowsMark writes it; false when the mark leaves it as it is.
func (m pendingMark) onto(key string, p Person, found bool) (Person, bool) {
	if found && (p.Status == StatusCreated || m.loaded && p.UpdatedRun == m.run) {
		return p, false
	}
	if !found {
		p = Person{Key: key, FirstSeen: unixMS(m.at)}
	}
	p.Status, p.LastSeen, p.UpdatedRun, p.SeenRun = StatusInFlight, unixMS(m.at), m.run, m.run
	if m.identity != "" {
		p.Identity = m.identity
	}
	return p, true
}

// pending is the store's marks without an outcome: a read-only store
// reads them from the file on first use.
func (s *Store) pending() (*markSet, error) {
	ms := &s.marks
	if !s.ro {
		return ms, nil
	}
	ms.once.Do(func() { ms.err = s.loadJournal() })
	return ms, ms.err
}

// loadJournal reads the marks rows into s.marks.
func (s *Store) loadJournal() error {
	rows, err := s.readMarks()
	if err != nil {
		return fmt.Errorf("state: marks in flight: %w", err)
	}
	ms := &s.marks
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for _, r := range rows {
		for i := 0; i < len(r.pairs); i += 2 {
			key, identity := r.pairs[i].(string), r.pairs[i+1].(string)
			ms.add(markKey{r.sid, key}, pendingMark{run: r.run, at: r.at, identity: identity, loaded: true})
		}
	}
	return nil
}

// marksRow is a marks row read back: its run, scope and time, and its
// keys and identities in turn (as a mark statement binds them).
type marksRow struct {
	run, sid, at int64
	pairs        []any
}

// readMarks reads every marks row, in the order they were written.
func (s *Store) readMarks() ([]marksRow, error) {
	rs, err := s.db.Query(`SELECT run_id, scope_id, at, keys FROM marks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []marksRow
	for rs.Next() {
		var r marksRow
		var blob []byte
		if err := rs.Scan(&r.run, &r.sid, &r.at, &blob); err != nil {
			return nil, err
		}
		if err := eachMark(blob, func(k, id string) { r.pairs = append(r.pairs, k, id) }); err != nil {
			return nil, fmt.Errorf("run %d: %w", r.run, err)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// encodeMarks is a marks row's keys: each key, then its identity.
func encodeMarks(marks []Mark) []byte {
	flat := make([]string, 0, 2*len(marks))
	for _, m := range marks {
		flat = append(flat, m.Key, m.Identity)
	}
	return encodeKeys(flat)
}

// eachMark calls fn for each key and identity encodeMarks wrote.
func eachMark(b []byte, fn func(key, identity string)) error {
	var key string
	odd := false
	err := eachKey(b, func(k []byte) {
		if !odd {
			key = string(k)
		} else {
			fn(key, string(k))
		}
		odd = !odd
	})
	if err == nil && odd {
		err = fmt.Errorf("bad marks blob")
	}
	return err
}

// journalMarks writes marks as one marks row of run in one durable
// transaction, then remembers them.
func (s *Store) journalMarks(sid, runID, at int64, marks []Mark) error {
	blob := encodeMarks(marks)
	var row int64
	err := s.inTx(true, func(tx *sql.Tx) error {
		res, err := tx.Stmt(s.writes.journal).Exec(runID, sid, at, blob)
		if err == nil {
			row, err = res.LastInsertId()
		}
		return err
	})
	if err != nil {
		return err
	}
	ms := &s.marks
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.rows = true
	r := &markRow{id: row}
	for _, m := range marks {
		ms.add(markKey{sid, m.Key}, pendingMark{run: runID, at: at, row: r, identity: m.Identity})
	}
	return nil
}

// settleMarks applies the marks of run (of every run when run is 0) that
// have no outcome to people, as in_flight, and deletes the marks rows, in
// one transaction: their answers are unknown, and the next run looks them
// up.
func (s *Store) settleMarks(run int64) error {
	if s.ro || s.writes == nil {
		return nil
	}
	type group struct {
		sid, run, at int64
		rows         []any
	}
	var groups []*group
	by := map[[3]int64]*group{}
	ms := &s.marks
	ms.mu.Lock()
	if !ms.rows {
		ms.mu.Unlock()
		return nil
	}
	var done []markKey
	ms.each(func(k markKey, m pendingMark) {
		if run != 0 && m.run != run {
			return
		}
		g := by[[3]int64{k.sid, m.run, m.at}]
		if g == nil {
			g = &group{sid: k.sid, run: m.run, at: m.at}
			by[[3]int64{k.sid, m.run, m.at}] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, k.key, m.identity)
		done = append(done, k)
	})
	ms.mu.Unlock()
	// Marks of one call together, in the order they were made (the time
	// each mark was made is what people would hold).
	slices.SortFunc(groups, func(a, b *group) int { return cmp.Compare(a.at, b.at) })
	plans := make([]batch, len(groups))
	for i, g := range groups {
		var err error
		if plans[i], err = s.writes.mark.plan(len(g.rows) / 2); err != nil {
			return fmt.Errorf("state: marks in flight: %w", err)
		}
	}
	err := s.inTx(false, func(tx *sql.Tx) error {
		for i, g := range groups {
			if err := plans[i].exec(tx, []any{g.sid, g.at, g.run}, g.rows); err != nil {
				return err
			}
		}
		var err error
		if run != 0 {
			_, err = tx.Exec(`DELETE FROM marks WHERE run_id = ?`, run)
		} else {
			_, err = tx.Exec(`DELETE FROM marks`)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("state: marks in flight: %w", err)
	}
	ms.mu.Lock()
	for _, k := range done {
		ms.remove(k)
	}
	ms.rows = run != 0 && ms.n > 0
	if !ms.rows {
		ms.dead = nil
	}
	ms.mu.Unlock()
	return nil
}

// foldJournal applies the marks rows a run that died left (every row a
// writable Open finds: the run lock makes the file this process's) to
// people, as the marks were written before schema 9, except for the keys
// the run recorded an outcome for, and deletes them. A key the run
// recorded as not sent that had no earlier record is in flight again: the
// next run looks it up, which finds nobody, and creates it.
func (s *Store) foldJournal() error {
	todo, err := s.readMarks()
	if err != nil {
		return fmt.Errorf("state file %s: marks of crashed runs: %w", s.path, err)
	}
	if len(todo) == 0 {
		return nil
	}
	fold := newSized(s.db, &rowsFold)
	defer fold.close() //nolint:errcheck // prepared statements of one fold
	plans := make([]batch, len(todo))
	for i, r := range todo {
		if plans[i], err = fold.plan(len(r.pairs) / 2); err != nil {
			return fmt.Errorf("state file %s: marks of crashed runs: %w", s.path, err)
		}
	}
	err = s.inTx(true, func(tx *sql.Tx) error {
		for i, r := range todo {
			if err := plans[i].exec(tx, []any{r.sid, r.at, r.run}, r.pairs); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`DELETE FROM marks`)
		return err
	})
	if err != nil {
		return fmt.Errorf("state file %s: marks of crashed runs: %w", s.path, err)
	}
	return nil
}

// overlayGet applies the pending marks of keys to out, Get's answer.
func (s *Store) overlayGet(sid int64, n Scope, keys []string, out map[string]Person) error {
	ms, err := s.pending()
	if err != nil {
		return err
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.n == 0 {
		return nil
	}
	for _, k := range keys {
		m, ok := ms.get(markKey{sid, k})
		if !ok {
			continue
		}
		p, found := out[k]
		if q, ok := m.onto(k, p, found); ok {
			q.Provider, q.BaseURL, q.Tenant = n.Provider, n.BaseURL, n.Tenant
			out[k] = q
		}
	}
	return nil
}

// overlayIdentities applies the pending marks to all, the people rows
// ByIdentity found for identities in scope sid (in its order): a marked
// person takes the mark's identity, and marked people whose rows hold
// another identity (or no row yet) join. It reports whether any mark
// applied; then all is re-filtered and re-sorted as byIdentityQuery does.
func (s *Store) overlayIdentities(sid int64, identities []string, all []Person) ([]Person, bool, error) {
	ms, err := s.pending()
	if err != nil {
		return all, false, err
	}
	ms.mu.Lock()
	if ms.n == 0 {
		ms.mu.Unlock()
		return all, false, nil
	}
	type hit struct {
		key string
		m   pendingMark
	}
	var extra []hit
	had := make(map[string]bool, len(all))
	for _, p := range all {
		had[p.Key] = true
	}
	changed := false
	for i, p := range all {
		if m, ok := ms.get(markKey{sid, p.Key}); ok {
			if q, ok := m.onto(p.Key, p, true); ok {
				all[i], changed = q, true
			}
		}
	}
	for _, id := range identities {
		for _, k := range ms.ids[markKey{sid, id}] {
			if !had[k] {
				had[k] = true
				m, _ := ms.get(markKey{sid, k})
				extra = append(extra, hit{k, m})
			}
		}
	}
	ms.mu.Unlock()
	if len(extra) > 0 {
		keys := make([]string, len(extra))
		for i, h := range extra {
			keys[i] = h.key
		}
		rows, err := s.getRows(sid, Scope{}, keys, false)
		if err != nil {
			return all, false, err
		}
		for _, h := range extra {
			p, found := rows[h.key]
			if q, ok := h.m.onto(h.key, p, found); ok {
				all, changed = append(all, q), true
			}
		}
	}
	if !changed {
		return all, false, nil
	}
	want := make(map[string]bool, len(identities))
	for _, id := range identities {
		want[id] = true
	}
	all = slices.DeleteFunc(all, func(p Person) bool {
		return !want[p.Identity] || p.Status != StatusCreated && p.Status != StatusInFlight
	})
	slices.SortStableFunc(all, func(a, b Person) int {
		ac, bc := a.Status == StatusCreated, b.Status == StatusCreated
		if ac != bc {
			if ac {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.CreatedRun, b.CreatedRun), cmp.Compare(a.Key, b.Key))
	})
	return all, true, nil
}

// overlayLookup applies the pending marks to Lookup's answer (out, with
// each person's scope id in sids): the marked people it holds, and those
// whose marked key is one of cands or whose mark's identity is id.
func (s *Store) overlayLookup(cands []string, id string, out []Person, sids []int64) ([]Person, []int64, error) {
	ms, err := s.pending()
	if err != nil {
		return out, sids, err
	}
	isCand := make(map[string]bool, len(cands))
	for _, c := range cands {
		isCand[c] = true
	}
	at := map[markKey]int{}
	for i, p := range out {
		at[markKey{sids[i], p.Key}] = i
	}
	type hit struct {
		k markKey
		m pendingMark
	}
	var hits []hit
	ms.mu.Lock()
	ms.each(func(k markKey, m pendingMark) {
		_, held := at[k]
		if held || isCand[k.key] || id != "" && m.identity == id {
			hits = append(hits, hit{k, m})
		}
	})
	ms.mu.Unlock()
	if len(hits) == 0 {
		return out, sids, nil
	}
	drop := map[int]bool{}
	for _, h := range hits {
		if i, held := at[h.k]; held {
			q, ok := h.m.onto(out[i].Key, out[i], true)
			if !ok {
				continue
			}
			q.Provider, q.BaseURL, q.Tenant = out[i].Provider, out[i].BaseURL, out[i].Tenant
			out[i] = q
			// Found by an identity the mark replaces.
			if !isCand[q.Key] && q.Identity != id {
				drop[i] = true
			}
			continue
		}
		sc, err := s.scopeByID(h.k.sid)
		if err != nil {
			return out, sids, err
		}
		rows, err := s.getRows(h.k.sid, sc, []string{h.k.key}, false)
		if err != nil {
			return out, sids, err
		}
		p, found := rows[h.k.key]
		if q, ok := h.m.onto(h.k.key, p, found); ok {
			q.Provider, q.BaseURL, q.Tenant = sc.Provider, sc.BaseURL, sc.Tenant
			out, sids = append(out, q), append(sids, h.k.sid)
		}
	}
	type pair struct {
		p   Person
		sid int64
	}
	ps := make([]pair, 0, len(out))
	for i := range out {
		if !drop[i] {
			ps = append(ps, pair{out[i], sids[i]})
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.p.Provider, b.p.Provider), cmp.Compare(a.p.BaseURL, b.p.BaseURL),
			cmp.Compare(a.p.Tenant, b.p.Tenant), cmp.Compare(a.p.Key, b.p.Key))
	})
	out, sids = out[:0], sids[:0]
	for _, x := range ps {
		out, sids = append(out, x.p), append(sids, x.sid)
	}
	return out, sids, nil
}

// scopeByID is the scope a scope id names.
func (s *Store) scopeByID(sid int64) (Scope, error) {
	var sc Scope
	err := s.db.QueryRow(`SELECT provider, base_url, tenant FROM scopes WHERE id = ?`, sid).Scan(&sc.Provider, &sc.BaseURL, &sc.Tenant)
	if err != nil {
		return sc, fmt.Errorf("state: scope %d: %w", sid, err)
	}
	return sc, nil
}
