package state

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Person is what the store knows about one key in one scope.
type Person struct {
	Key        string // e.g. "email:ann@x.org", lower-cased by the caller
	Status     string // StatusInFlight, StatusCreated or StatusFailed
	VendorID   string
	FirstSeen  time.Time
	LastSeen   time.Time
	CreatedRun int64 // 0 unless created
	UpdatedRun int64
	// Identity is the roster's own ID for the person (the mapping file's
	// identity: column); "" when none was given.
	Identity string
	// Digests hold, per vendor field, a salted hash of the value last sent
	// (or seen, for a person created before digests were kept); secret
	// fields are never in it. DigestRun is the run that stored them.
	Digests   map[string]string
	DigestRun int64
	// SeenRun is the last run whose file held the person, LastSeen when.
	// Get and ByIdentity read them from the person's row, which may lag
	// behind the sightings of the scope's last runs (see Store.Seen);
	// Lookup and Missing give the newest.
	SeenRun int64
	// Sums hold the digests instead of Digests in what GetPacked returns
	// (see DigestIs, HasDigests and DigestMap); zero from every other read.
	Sums     Sums
	Provider string
	BaseURL  string
	Tenant   string
}

// Outcome is one key's result for Record.
type Outcome struct {
	Key string
	// Status is StatusCreated, StatusFailed (the vendor surely did not
	// create the person), or "" (never sent: the in_flight mark is undone).
	// A key whose answer is unknown must not be recorded at all: it stays
	// in_flight and the next run recovers it.
	Status   string
	VendorID string
	// Identity and Digests, when set, replace the stored ones (created
	// only).
	Identity string
	Digests  map[string]string
	// Packed is Digests as a run makes them, read when Digests is nil
	// and Packed.Fields is not: no map a row (see DigestMap).
	Packed DigestRow
}

// DigestRow is a row's digests in a run's field order: the hex digits of
// Fields[i] at Hex[i*24:], zero bytes where the row has no value. The
// rows of a run share one Fields.
type DigestRow struct {
	Fields []string
	Hex    string
}

// DigestMap is o's digests by field name (Digests, or Packed's).
func (o *Outcome) DigestMap() map[string]string {
	if o.Digests != nil || o.Packed.Fields == nil {
		return o.Digests
	}
	const slot = 2 * digestBytes
	out := make(map[string]string, len(o.Packed.Fields))
	for i, name := range o.Packed.Fields {
		if h := o.Packed.Hex[i*slot : (i+1)*slot]; h[0] != 0 {
			out[name] = h
		}
	}
	return out
}

// personCols are the columns scanPerson reads, in order.
// The nullable numbers come as 0 for NULL (what Person holds for none):
// an int64 scans without the Scanner call a sql.NullInt64 costs.
const personCols = `p.key, p.status, p.vendor_id, coalesce(p.first_seen, 0), coalesce(p.last_seen, 0),
	coalesce(p.created_run, 0), coalesce(p.updated_run, 0), p.identity, p.digest, coalesce(p.digest_run, 0),
	coalesce(p.seen_run, 0)`

// personScan scans personCols, then extra destinations, into one set of
// destinations a query reuses for every row: a re-run reads every person it
// skips, and per-row destinations were a third of its allocations.
type personScan struct {
	s           *Store
	p           Person
	first, last int64
	digest      sql.RawBytes // decoded before the next row
	dest        []any
	names       map[int]string // digest field names, read once per query
}

func (s *Store) newPersonScan(extra ...any) *personScan {
	ps := &personScan{s: s}
	ps.dest = append([]any{&ps.p.Key, &ps.p.Status, &ps.p.VendorID, &ps.first, &ps.last, &ps.p.CreatedRun, &ps.p.UpdatedRun,
		&ps.p.Identity, &ps.digest, &ps.p.DigestRun, &ps.p.SeenRun}, extra...)
	// A copy: fieldIDs may add a field while the rows are read.
	s.mu.Lock()
	ps.names = maps.Clone(s.fields.names)
	s.mu.Unlock()
	return ps
}

// scan reads the current row into p.
func (ps *personScan) scan(rows *sql.Rows, p *Person) error {
	ps.p = Person{}
	if err := rows.Scan(ps.dest...); err != nil {
		return err
	}
	*p = ps.p
	p.FirstSeen, p.LastSeen = unixMS(ps.first), unixMS(ps.last)
	var err error
	if p.Digests, err = decodeDigestBlob(ps.s, []byte(ps.digest), ps.names); err != nil {
		return fmt.Errorf("key %s: digest: %w", p.Key, err)
	}
	return nil
}

// msTime reads a stored person time (Unix milliseconds); NULL or 0 is the
// zero time.
func msTime(ms sql.NullInt64) time.Time {
	if !ms.Valid || ms.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// unixMS is msTime of a number read as 0 for NULL.
func unixMS(ms int64) time.Time { return msTime(sql.NullInt64{Int64: ms, Valid: true}) }

// nowMS is the store's clock as a stored person time.
func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// Get returns what the store knows about keys in sc; keys it has never seen
// are absent from the map. The keys travel as one JSON array, so one query
// serves a chunk of any size (no SQLite variable limit), and the people
// come back packed into one text (see packed.go).
func (s *Store) Get(sc Scope, keys []string) (map[string]Person, error) {
	return s.get(sc, keys, false)
}

// GetPacked is Get with each person's digests in Sums, not Digests, when
// they are a digest blob of fields the store knows (any other form is
// decoded into Digests, as Get does). A re-run asks it for every row.
func (s *Store) GetPacked(sc Scope, keys []string) (map[string]Person, error) {
	return s.get(sc, keys, true)
}

func (s *Store) get(sc Scope, keys []string, packed bool) (map[string]Person, error) {
	out := make(map[string]Person)
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found || len(keys) == 0 {
		return out, err
	}
	n := sc.normalize()
	if out, err = s.getRows(sid, n, keys, packed); err != nil {
		return nil, err
	}
	// The marks without an outcome are not in the rows (see journal.go).
	if err := s.overlayGet(sid, n, keys, out); err != nil {
		return nil, fmt.Errorf("state: get %d keys: %w", len(keys), err)
	}
	return out, nil
}

// getRows is Get's people rows of keys in scope sid (n, normalized),
// GetPacked's when packed.
func (s *Store) getRows(sid int64, n Scope, keys []string, packed bool) (map[string]Person, error) {
	out := make(map[string]Person, len(keys))
	_, st, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("state: get %d keys: %w", len(keys), err)
	}
	u := s.newUnpacker()
	if packed {
		u.dict = newSumsDict(u.names)
	}
	// Made at the first query's size (a plain key takes its quotes and a
	// comma), not grown from empty for every chunk a run asks about.
	room := 2
	for _, k := range keys[:min(getChunk, len(keys))] {
		room += len(k) + 3
	}
	js := make([]byte, 0, room)
	for i := 0; i < len(keys); i += getChunk {
		js = appendKeysJSON(js[:0], keys[i:min(i+getChunk, len(keys))])
		var text string
		if err := st.QueryRow(sid, string(js)).Scan(&text); err != nil {
			return nil, fmt.Errorf("state: get %d keys: %w", len(keys), err)
		}
		err = u.each(text, func(p *Person) {
			p.Provider, p.BaseURL, p.Tenant = n.Provider, n.BaseURL, n.Tenant
			out[p.Key] = *p
		})
		if err != nil {
			return nil, fmt.Errorf("state: get %d keys: %w", len(keys), err)
		}
	}
	return out, nil
}

// eachPerson scans every row into fn and closes rows.
func (s *Store) eachPerson(rows *sql.Rows, fn func(Person), extra ...any) error {
	defer rows.Close()
	ps := s.newPersonScan(extra...)
	for rows.Next() {
		var p Person
		if err := ps.scan(rows, &p); err != nil {
			return err
		}
		fn(p)
	}
	return rows.Err()
}

// MarkInFlight marks keys in_flight for runID in one durable transaction:
// when it returns, a crash can no longer lose the mark. Call it before
// sending. A created key is left as it is.
func (s *Store) MarkInFlight(sc Scope, runID int64, keys []string) error {
	marks := make([]Mark, len(keys))
	for i, k := range keys {
		marks[i].Key = k
	}
	return s.MarkInFlightAs(sc, runID, marks)
}

// Mark is one key to mark in flight, with the identity it is sent for.
type Mark struct{ Key, Identity string }

// MarkInFlightAs is MarkInFlight that also stores each key's identity (an
// empty one keeps what is stored), so that a later row of the same file
// with the same identity under another key is a conflict, not a second
// person.
func (s *Store) MarkInFlightAs(sc Scope, runID int64, marks []Mark) error {
	if err := s.writable(); err != nil {
		return err
	}
	if slices.ContainsFunc(marks, func(m Mark) bool { return m.Key == "" }) {
		return fmt.Errorf("state: mark in flight (run %d): empty key", runID)
	}
	if err := s.knownRun(runID); err != nil {
		return fmt.Errorf("state: mark %d keys in flight: %w", len(marks), err)
	}
	sid, _, err := s.scopeID(sc, true)
	if err != nil {
		return err
	}
	err = s.notePrefixes(func(yield func(string) bool) {
		for _, m := range marks {
			if !yield(m.Key) {
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("state: mark %d keys in flight (run %d): %w", len(marks), runID, err)
	}
	if len(marks) == 0 {
		return nil
	}
	// One marks row (see journal.go); the outcome writes people.
	if err := s.journalMarks(sid, runID, s.nowMS(), marks); err != nil {
		return fmt.Errorf("state: mark %d keys in flight (run %d): %w", len(marks), runID, err)
	}
	return nil
}

// Record stores a batch of outcomes for runID in one transaction. A created
// key is never downgraded to failed; "" undoes the in_flight mark (deletes
// a key that had no earlier record, or puts back failed or the in_flight of
// a crashed run).
func (s *Store) Record(sc Scope, runID int64, outs []Outcome) error {
	if err := s.writable(); err != nil {
		return err
	}
	for _, o := range outs {
		if o.Key == "" {
			return fmt.Errorf("state: record (run %d): empty key", runID)
		}
		if o.Status != StatusCreated && o.Status != StatusFailed && o.Status != "" {
			return fmt.Errorf("state: record (run %d): key %s: status %q is not %q, %q or \"\"",
				runID, o.Key, o.Status, StatusCreated, StatusFailed)
		}
	}
	if err := s.knownRun(runID); err != nil {
		return fmt.Errorf("state: record %d outcomes: %w", len(outs), err)
	}
	sid, _, err := s.scopeID(sc, true)
	if err != nil {
		return err
	}
	now := s.nowMS()
	err = s.notePrefixes(func(yield func(string) bool) {
		for _, o := range outs {
			if o.Status != "" && !yield(o.Key) {
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
	}
	// The created and the failed take their rows as parameters (see
	// rowsStmt); the not sent, rare, one JSON array of [key] arrays. The
	// digests are encoded first: a new field name is a statement of its own.
	// The created by first_seen (see rowsCreated), in order within each:
	// the outcomes of one key share it.
	type createdAt struct {
		at   int64
		rows []any
	}
	var created []*createdAt
	byAt := map[int64]*createdAt{}
	var failed, unsent []any
	premark := map[int64][]any{} // by the mark's time
	enc := digestEncoder{s: s}
	// A marked key's mark is not in people (see journal.go). The outcome
	// alone leaves the row mark-then-outcome left, for a created key
	// unless only the mark carries an identity; the others (rare: failed,
	// not sent) get the mark first, in the same transaction.
	var marked []string                   // keys of scope sid
	firstSeen := make([]int64, len(outs)) // a new person's: the mark's time
	s.marks.mu.Lock()
	sm := s.marks.by[sid]
	for i, o := range outs {
		firstSeen[i] = now
		m, ok := sm[o.Key]
		if !ok || m.run != runID {
			continue
		}
		marked = append(marked, o.Key)
		firstSeen[i] = m.at
		if o.Status != StatusCreated || o.Identity == "" && m.identity != "" {
			premark[m.at] = append(premark[m.at], o.Key, m.identity)
		}
	}
	// The marks rows whose every key has an outcome go.
	dead := s.marks.dead
	s.marks.dead = nil
	s.marks.mu.Unlock()
	for i, o := range outs {
		switch o.Status {
		case StatusCreated:
			dig, err := enc.outcome(&o)
			if err != nil {
				return fmt.Errorf("state: record (run %d): key %s: %w", runID, o.Key, err)
			}
			g := byAt[firstSeen[i]]
			if g == nil {
				g = &createdAt{at: firstSeen[i]}
				if len(created) == 0 { // most often the only one
					g.rows = make([]any, 0, 4*len(outs))
				}
				byAt[g.at] = g
				created = append(created, g)
			}
			g.rows = append(g.rows, o.Key, o.VendorID, o.Identity, dig)
		case StatusFailed:
			failed = append(failed, o.Key)
		default:
			unsent = append(unsent, []string{o.Key})
		}
	}
	slices.SortFunc(created, func(a, b *createdAt) int { return cmp.Compare(a.at, b.at) })
	cbs := make([]batch, len(created))
	for i, g := range created {
		if cbs[i], err = s.writes.created.plan(len(g.rows) / 4); err != nil {
			return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
		}
	}
	fb, err := s.writes.failed.plan(len(failed))
	if err != nil {
		return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
	}
	ats := slices.Sorted(maps.Keys(premark))
	mbs := make([]batch, len(ats))
	for i, at := range ats {
		if mbs[i], err = s.writes.mark.plan(len(premark[at]) / 2); err != nil {
			return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
		}
	}
	shared := []any{sid, now, runID}
	err = s.inTx(false, func(tx *sql.Tx) error {
		for _, id := range dead {
			if _, err := tx.Stmt(s.writes.journalDone).Exec(id); err != nil {
				return fmt.Errorf("marks row %d: %w", id, err)
			}
		}
		for i, at := range ats {
			if err := mbs[i].exec(tx, []any{sid, at, runID}, premark[at]); err != nil {
				return fmt.Errorf("%s: %w", StatusInFlight, err)
			}
		}
		for i, g := range created {
			if err := cbs[i].exec(tx, []any{sid, now, runID, g.at}, g.rows); err != nil {
				return fmt.Errorf("%s: %w", StatusCreated, err)
			}
		}
		if err := fb.exec(tx, shared, failed); err != nil {
			return fmt.Errorf("%s: %w", StatusFailed, err)
		}
		if len(unsent) == 0 {
			return nil
		}
		js, err := json.Marshal(unsent)
		if err != nil {
			return err
		}
		for _, st := range s.writes.unsend {
			if _, err := tx.Stmt(st).Exec(sid, string(js)); err != nil {
				return fmt.Errorf("%s: %w", statusName(""), err)
			}
		}
		return nil
	})
	if err != nil {
		s.marks.mu.Lock()
		s.marks.dead = append(s.marks.dead, dead...)
		s.marks.mu.Unlock()
		return fmt.Errorf("state: record %d outcomes (run %d): %w", len(outs), runID, err)
	}
	s.marks.mu.Lock()
	for _, k := range marked {
		s.marks.remove(markKey{sid, k})
	}
	s.marks.mu.Unlock()
	return nil
}

// lookupQuery finds the keys of the JSON array ?1 in every scope (the
// primary key, scope by scope), or ?2 as a person's identity (the
// people_identity index).
const lookupQuery = `SELECT ` + personCols + `, s.provider, s.base_url, s.tenant, s.id
	FROM scopes s CROSS JOIN people p -- CROSS: scopes outside, or SQLite scans people
	WHERE p.scope_id = s.id AND p.key IN (SELECT value FROM json_each(?1))
	UNION
	SELECT ` + personCols + `, s.provider, s.base_url, s.tenant, s.id
	FROM people p JOIN scopes s ON s.id = p.scope_id
	WHERE p.identity = ?2 AND p.identity <> ''
	ORDER BY 12, 13, 14, 1`

// Lookup finds a key or an identity in every scope. q is a whole key
// ("email:ann@x.org"), a bare value ("Ann@X.org"), which matches any key
// whose part after the first colon equals it (email:, login:, username:,
// ...), or a person's identity (the mapping file's identity: column, as
// written in the roster: "E1042"). Keys match on the lower-cased q, as
// keys are stored lower-cased.
func (s *Store) Lookup(q string) ([]Person, error) {
	id := strings.TrimSpace(q)
	q = strings.ToLower(id)
	if q == "" {
		return nil, fmt.Errorf("state: lookup: empty key")
	}
	if err := s.loadFields(); err != nil {
		return nil, err
	}
	// q itself, and q after each prefix a stored key has: every key whose
	// part after its first colon is q.
	cands := []string{q}
	prefixes, err := s.db.Query(`SELECT prefix FROM key_prefixes`)
	if err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	for prefixes.Next() {
		var p string
		if err := prefixes.Scan(&p); err != nil {
			prefixes.Close()
			return nil, fmt.Errorf("state: lookup %s: %w", q, err)
		}
		cands = append(cands, p+q)
	}
	prefixes.Close()
	if err := prefixes.Err(); err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	js, _ := json.Marshal(cands) // strings always marshal
	rows, err := s.db.Query(lookupQuery, string(js), id)
	if err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	var out []Person
	var sids []int64
	var prov, base, tenant string
	var sid int64
	err = s.eachPerson(rows, func(p Person) {
		p.Provider, p.BaseURL, p.Tenant = prov, base, tenant
		out, sids = append(out, p), append(sids, sid)
	}, &prov, &base, &tenant, &sid)
	if err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	// Nor are the marks without an outcome (see journal.go).
	if out, sids, err = s.overlayLookup(cands, id, out, sids); err != nil {
		return nil, fmt.Errorf("state: lookup %s: %w", q, err)
	}
	// The newest sightings are not in the people rows (see Seen).
	for i := range out {
		x, err := s.sightings(sids[i])
		if err != nil {
			return nil, fmt.Errorf("state: lookup %s: %w", q, err)
		}
		x.overlay(&out[i])
	}
	for _, sid := range sids {
		s.forgetSightings(sid) // a lookup is one question
	}
	return out, nil
}

// notePrefixes adds the prefixes of keys (up to their first colon) that
// key_prefixes lacks, before the keys are written: each in a statement of
// its own, like a new scope. A prefix no key has any longer costs Lookup
// one primary-key probe.
func (s *Store) notePrefixes(keys func(yield func(string) bool)) error {
	last := "" // the keys of a batch mostly share one prefix
	for k := range keys {
		i := strings.IndexByte(k, ':')
		if i < 0 || k[:i+1] == last {
			continue
		}
		p := k[:i+1]
		last = p
		s.mu.Lock()
		known := s.prefixes[p]
		s.mu.Unlock()
		if known {
			continue
		}
		if _, err := s.db.Exec(`INSERT INTO key_prefixes (prefix) VALUES (?) ON CONFLICT DO NOTHING`, p); err != nil {
			return fmt.Errorf("state file %s: key prefix %q: %w", s.path, p, err)
		}
		s.mu.Lock()
		s.prefixes[p] = true
		s.mu.Unlock()
	}
	return nil
}

// statusName names an Outcome status in messages.
func statusName(status string) string {
	if status == "" {
		return "not sent"
	}
	return status
}
