package state

import (
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
)

// A run's sightings (schema 7) are rows of the sightings table, one per
// Seen call, each holding its keys in one blob: inserting it costs the
// same for ten people or a thousand, where stamping each person's row
// rewrote the whole people table on every re-run. People rows keep the
// last sighting the store has folded in (seen_run, last_seen); the
// sightings rows of the scope's latest runs hold the rest. See
// foldSightings and sightingIndex.

// encodeKeys is the stored form of a sightings row's keys: per key its
// length as a uvarint, then its bytes.
func encodeKeys(keys []string) []byte {
	n := 0
	for _, k := range keys {
		n += len(k) + binary.MaxVarintLen16
	}
	b := make([]byte, 0, n)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return b
}

// eachKey calls fn for every key encodeKeys wrote in b. The strings
// share b's memory: fn must copy one it keeps.
func eachKey(b []byte, fn func(k []byte)) error {
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return errors.New("bad sightings blob")
		}
		fn(b[w : w+int(n)])
		b = b[w+int(n):]
	}
	return nil
}

// keyHash is a key as a sightingIndex holds it: 128 bits of two maphash
// seeds, so a million keys take 16 bytes each and two keys collide with
// odds of about 2⁻¹²⁸ per pair.
type keyHash [2]uint64

// keyTable maps key hashes to chunks by linear probing in one flat array
// (a slot is a key and its chunk, side by side): a Go map of a re-run's
// keys missed the cache twice an access, its control word then its slot,
// and one access at a time. Callers hash a batch of keys first and touch
// their slots together (load), so the misses overlap.
type keyTable struct {
	slots []keySlot
	n     int
	warm  int32 // load's sum, so that its loads are not optimized away
}

type keySlot struct {
	k keyHash // {0, 0}: empty
	i int32
}

// slot is where k is, or the empty slot where it goes; the table has room.
func (t *keyTable) slot(k keyHash) *keySlot {
	for i := t.home(k); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		s := &t.slots[i]
		if s.k == k || s.k == (keyHash{}) {
			return s
		}
	}
}

func (t *keyTable) home(k keyHash) int {
	hi, _ := bits.Mul64(k[0], uint64(len(t.slots)))
	return int(hi)
}

// get returns k's chunk.
func (t *keyTable) get(k keyHash) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	s := t.slot(nonZero(k))
	return s.i, s.k != keyHash{}
}

// set stores chunk i under k: always when replace, else only when k is
// not there yet.
func (t *keyTable) set(k keyHash, i int32, replace bool) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	k = nonZero(k)
	s := t.slot(k)
	switch {
	case s.k == keyHash{}:
		s.k, s.i = k, i
		t.n++
	case replace:
		s.i = i
	}
}

// init empties t, with room for n keys (two thirds full).
func (t *keyTable) init(n int) {
	t.slots, t.n = make([]keySlot, max(1024, n*3/2)), 0
}

func (t *keyTable) grow() {
	old := t.slots
	t.init(len(old) * 4 / 3) // twice as many slots
	for _, s := range old {
		if s.k != (keyHash{}) {
			*t.slot(s.k) = s
			t.n++
		}
	}
}

// load touches the home slots of ks ahead of their gets and sets.
func (t *keyTable) load(ks []keyHash) {
	if len(t.slots) == 0 {
		return
	}
	var sum int32
	for _, k := range ks {
		sum += t.slots[t.home(nonZero(k))].i
	}
	t.warm = sum
}

// nonZero is k, but never the empty slot's {0, 0} (one more collision
// in 2¹²⁸).
func nonZero(k keyHash) keyHash {
	if k == (keyHash{}) {
		k[0] = 1
	}
	return k
}

// hashKeys appends the hashes of the keys in an encodeKeys blob to dst.
func (h hasher) hashKeys(b []byte, dst []keyHash) ([]keyHash, error) {
	err := eachKey(b, func(k []byte) { dst = append(dst, h.bytes(k)) })
	return dst, err
}

// hasher hashes keys for one sightingIndex.
type hasher struct{ a, b maphash.Seed }

func newHasher() hasher { return hasher{maphash.MakeSeed(), maphash.MakeSeed()} }

func (h hasher) bytes(k []byte) keyHash {
	return keyHash{maphash.Bytes(h.a, k), maphash.Bytes(h.b, k)}
}

func (h hasher) string(k string) keyHash {
	return keyHash{maphash.String(h.a, k), maphash.String(h.b, k)}
}

// sighting is when a run last saw a key.
type sighting struct{ run, at int64 }

// sightingIndex is the newest sighting of each key in one scope's
// sightings rows.
type sightingIndex struct {
	h      hasher
	chunk  []sighting // per sightings row read
	last   keyTable   // key → its newest chunk
	rows   int        // sightings rows (the cache's validity)
	maxID  int64
	maxRun int64 // the newest run_id
}

// of returns key's newest sighting in the rows; ok is false when none
// holds it.
func (x *sightingIndex) of(key string) (sg sighting, ok bool) {
	if x == nil || x.last.n == 0 {
		return sighting{}, false
	}
	i, ok := x.last.get(x.h.string(key))
	if !ok {
		return sighting{}, false
	}
	return x.chunk[i], true
}

// seen is the newest run that saw p: its people row's or a sighting's.
func (x *sightingIndex) seen(key string, stored int64) int64 {
	if sg, ok := x.of(key); ok && sg.run > stored {
		return sg.run
	}
	return stored
}

// seenBytes is seen for a key held as bytes.
func (x *sightingIndex) seenBytes(key []byte, stored int64) int64 {
	if x == nil || x.last.n == 0 {
		return stored
	}
	if i, ok := x.last.get(x.h.bytes(key)); ok && x.chunk[i].run > stored {
		return x.chunk[i].run
	}
	return stored
}

// overlay sets p's SeenRun and LastSeen from its newest sighting when that
// is later than what its people row holds.
func (x *sightingIndex) overlay(p *Person) {
	if sg, ok := x.of(p.Key); ok && sg.run > p.SeenRun {
		p.SeenRun, p.LastSeen = sg.run, msTime(sql.NullInt64{Int64: sg.at, Valid: true})
	}
}

// sightings returns the index of scope sid's sightings rows; the store
// keeps it until a row is added or folded away, or forgetSightings
// (Missing, StillMissing and MarkMissing each need it, one after the
// other; MarkMissing lets it go: a million people's index is ~40 MB). The
// index Seen grew while a run wrote its rows is taken when it holds every
// row (see growSightings): built after the last row, it was most of what
// listing the missing cost.
func (s *Store) sightings(sid int64) (*sightingIndex, error) {
	var n int
	var maxID int64
	if err := s.db.QueryRow(`SELECT count(*), coalesce(max(id), 0) FROM sightings WHERE scope_id = ?`, sid).Scan(&n, &maxID); err != nil {
		return nil, fmt.Errorf("state: sightings: %w", err)
	}
	s.mu.Lock()
	x := s.sighted[sid]
	if g := s.grown[sid]; (x == nil || !x.holds(n, maxID)) && g != nil && g.holds(n, maxID) {
		// Seen grows it no more: it is the store's now.
		x, s.sighted[sid] = g, g
		delete(s.grown, sid)
	}
	s.mu.Unlock()
	if x != nil && x.holds(n, maxID) {
		return x, nil
	}
	x, err := s.loadSightings(sid, 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.sighted[sid] = x
	s.mu.Unlock()
	return x, nil
}

// holds reports whether x was made of n rows, the newest maxID.
func (x *sightingIndex) holds(n int, maxID int64) bool { return x.rows == n && x.maxID == maxID }

// loadSightings reads the index of scope sid's sightings rows, its table
// made with room for at least room keys.
func (s *Store) loadSightings(sid int64, room int) (*sightingIndex, error) {
	x := &sightingIndex{h: s.hash}
	// The bytes of all the rows' keys size the table (length reads no
	// blob): a re-run's first Seen reads the last run's sightings, and a
	// table grown from empty to 100k keys was rehashed seven times (3%
	// of the re-run's CPU).
	var allBytes int64
	if err := s.db.QueryRow(`SELECT coalesce(sum(length(keys)), 0) FROM sightings WHERE scope_id = ?`, sid).Scan(&allBytes); err != nil {
		return nil, fmt.Errorf("state: sightings: %w", err)
	}
	rows, err := s.db.Query(`SELECT id, run_id, at, keys FROM sightings WHERE scope_id = ? ORDER BY run_id, id`, sid)
	if err != nil {
		return nil, fmt.Errorf("state: sightings: %w", err)
	}
	defer rows.Close()
	var hs []keyHash
	for rows.Next() {
		var id int64
		var sg sighting
		var keys sql.RawBytes
		if err := rows.Scan(&id, &sg.run, &sg.at, &keys); err != nil {
			return nil, fmt.Errorf("state: sightings: %w", err)
		}
		i := int32(len(x.chunk))
		x.chunk = append(x.chunk, sg)
		x.rows, x.maxID, x.maxRun = x.rows+1, max(x.maxID, id), max(x.maxRun, sg.run)
		// Rows come oldest first: a later one replaces.
		if hs, err = x.h.hashKeys(keys, hs[:0]); err != nil {
			return nil, fmt.Errorf("state: sightings of run %d: %w", sg.run, err)
		}
		if x.last.slots == nil && len(keys) > 0 {
			// At the size the first row's keys a byte predict.
			x.last.init(max(room, int(allBytes*int64(len(hs))/int64(len(keys)))))
		}
		x.last.load(hs)
		for _, kh := range hs {
			x.last.set(kh, i, true)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: sightings: %w", err)
	}
	return x, nil
}

// growSightings adds the sightings row Seen just wrote (id, of run, at,
// holding keys) to the index it grows for scope sid while a run goes on,
// begun from the rows there are at the run's first sightings. Only time
// is at stake: an index that misses a row is never taken (holds), and
// sightings reads the rows instead.
func (s *Store) growSightings(sid, id, run, at int64, keys []string) {
	s.mu.Lock()
	g := s.grown[sid]
	s.mu.Unlock()
	if g == nil {
		// The rows the scope's run before read size the table: a run
		// sees about as many people as the last one, and a table grown
		// from one chunk to 100k keys was rehashed seven times (3% of a
		// re-run's CPU). A hint only: none for a first run.
		var last int64
		_ = s.db.QueryRow(`SELECT rows FROM runs WHERE scope_id = ? AND id < ? ORDER BY id DESC LIMIT 1`, sid, run).Scan(&last)
		g, err := s.loadSightings(sid, int(last)) // this row among them
		if err == nil {
			s.mu.Lock()
			s.grown[sid] = g
			s.mu.Unlock()
		}
		return
	}
	hs := make([]keyHash, len(keys))
	for i, k := range keys {
		hs[i] = g.h.string(k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grown[sid] != g {
		return
	}
	if id <= g.maxID || run < g.maxRun {
		// Not the row after the index's newest: rows sort by run, then id.
		delete(s.grown, sid)
		return
	}
	i := int32(len(g.chunk))
	g.chunk = append(g.chunk, sighting{run: run, at: at})
	g.last.load(hs)
	for _, kh := range hs {
		g.last.set(kh, i, true)
	}
	g.rows, g.maxID, g.maxRun = g.rows+1, id, run
}

// forgetSightings drops the index sightings keeps for sid.
func (s *Store) forgetSightings(sid int64) {
	s.mu.Lock()
	delete(s.sighted, sid)
	delete(s.grown, sid)
	s.missing, s.candidates = nil, nil
	s.mu.Unlock()
}

// sqlFold stamps [key, run, at] triples on the people rows whose stamp is
// older, clearing a missing_run the sighting came after (as a sighting
// did when it was written into the row). An upsert that never inserts,
// like sqlSeen: one primary-key lookup a triple.
const sqlFold = `INSERT INTO people (scope_id, key, status, first_seen, last_seen, seen_run)
	SELECT ?1, value ->> 0, 'failed', 0, value ->> 2, value ->> 1 FROM json_each(?2)
	WHERE EXISTS (SELECT 1 FROM people p WHERE p.scope_id = ?1 AND p.key = value ->> 0)
	ON CONFLICT (scope_id, key) DO UPDATE SET seen_run = excluded.seen_run, last_seen = excluded.last_seen,
		missing_run = CASE WHEN people.missing_run < excluded.seen_run THEN NULL ELSE people.missing_run END
	WHERE people.seen_run IS NULL OR people.seen_run < excluded.seen_run`

// foldSightings keeps the sightings rows of scope sid's newest run only:
// an older run's sighting of a key a later run saw too tells nothing, the
// others (people who went missing since, a few on most days) are stamped
// on their people rows, then the older rows go. It changes no person's
// last sighting, so it can run at any time; BeginRun runs it, so a scope
// holds the sightings of at most the last run before it and its own.
// When it folded, it returns the index of the rows it kept, read on the
// way (what the run's first Seen would read again, see growSightings).
func (s *Store) foldSightings(sid int64) (*sightingIndex, error) {
	var runs, newestRun, newestBytes int64
	if err := s.db.QueryRow(`SELECT count(DISTINCT run_id), coalesce(max(run_id), 0) FROM sightings WHERE scope_id = ?`, sid).Scan(&runs, &newestRun); err != nil {
		return nil, fmt.Errorf("state: fold sightings: %w", err)
	}
	if runs <= 1 {
		return nil, nil
	}
	// The bytes of the newest run's keys size kept's table (see below).
	if err := s.db.QueryRow(`SELECT coalesce(sum(length(keys)), 0) FROM sightings WHERE scope_id = ? AND run_id = ?`, sid, newestRun).Scan(&newestBytes); err != nil {
		return nil, fmt.Errorf("state: fold sightings: %w", err)
	}
	rows, err := s.db.Query(`SELECT id, run_id, at, keys FROM sightings WHERE scope_id = ? ORDER BY run_id DESC, id DESC`, sid)
	if err != nil {
		return nil, fmt.Errorf("state: fold sightings: %w", err)
	}
	// kept indexes the newest run's rows; later holds the keys of the
	// older runs' rows met so far that kept does not hold.
	kept := &sightingIndex{h: s.hash}
	later := map[keyHash]bool{}
	var newest int64
	type stamp struct {
		key     string
		run, at int64
	}
	var stamps []stamp
	var hs []keyHash
	for rows.Next() {
		var id int64
		var sg sighting
		var keys []byte
		if err := rows.Scan(&id, &sg.run, &sg.at, &keys); err != nil {
			rows.Close()
			return nil, fmt.Errorf("state: fold sightings: %w", err)
		}
		if newest == 0 {
			newest = sg.run
		}
		// Newest first, and a run's latest row first: the first sighting
		// of a key met is its newest.
		var err error
		if hs, err = kept.h.hashKeys(keys, hs[:0]); err == nil {
			kept.last.load(hs)
		}
		switch {
		case err != nil:
		case sg.run == newest:
			if len(kept.chunk) == 0 && len(keys) > 0 {
				// Made at its size, from the keys a byte of the first
				// row holds, not grown (and rehashed) from empty.
				kept.last.init(int(newestBytes * int64(len(hs)) / int64(len(keys))))
			}
			i := int32(len(kept.chunk))
			kept.chunk = append(kept.chunk, sg)
			kept.rows, kept.maxID, kept.maxRun = kept.rows+1, max(kept.maxID, id), newest
			for _, kh := range hs {
				kept.last.set(kh, i, false)
			}
		default:
			j := 0
			err = eachKey(keys, func(k []byte) {
				kh := hs[j]
				j++
				if _, ok := kept.last.get(kh); ok || later[kh] {
					return
				}
				later[kh] = true
				stamps = append(stamps, stamp{string(k), sg.run, sg.at})
			})
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("state: fold sightings of run %d: %w", sg.run, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: fold sightings: %w", err)
	}
	err = s.inTx(false, func(tx *sql.Tx) error {
		for i := 0; i < len(stamps); i += 1024 {
			batch := stamps[i:min(i+1024, len(stamps))]
			triples := make([][3]any, len(batch))
			for j, st := range batch {
				triples[j] = [3]any{st.key, st.run, st.at}
			}
			js, err := json.Marshal(triples)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(sqlFold, sid, string(js)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`DELETE FROM sightings WHERE scope_id = ? AND run_id < ?`, sid, newest)
		return err
	})
	s.mu.Lock()
	delete(s.grown, sid) // it holds rows no longer there
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("state: fold sightings: %w", err)
	}
	return kept, nil
}
