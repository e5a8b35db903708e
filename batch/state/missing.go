package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Who is missing is decided after the last row, on the run's critical
// path. Reading every created person there was most of a re-run's tail,
// so a run reads them while its rows are still being read
// (PrepareMissing): the candidates, people whose rows say no run from
// since on saw them. After the last row only those no sightings row saw
// since are read again. That is exact because a run never makes a new
// candidate: the only write that makes a person created (rowsCreated)
// stamps them seen by the run, no write makes seen_run smaller, and every
// other person a run writes is a person of its file, sighted (Seen) or
// stamped. The candidates whose rows did change are among those read
// again, unless a sighting since has cleared them anyway.

// missingAnswer is what missingKeys finds: the keys Missing lists, in key
// order, and how many are still missing (StillMissing).
type missingAnswer struct {
	keys  []string
	still int
}

// judge counts one candidate, last seen by run seen, as still missing
// (an earlier run listed them) and reports whether they went missing now.
func (a *missingAnswer) judge(seen, since int64, missingRun sql.NullInt64) (missingNow bool) {
	switch {
	case seen >= since:
		return false
	case listed(missingRun, seen):
		a.still++
		return false
	}
	return true
}

// missingCache is missingKeys' last answer; key says what it holds.
type missingCache struct {
	key    missingKey
	answer *missingAnswer
}

// missingKey is what a missingKeys answer depends on: the scope, since,
// and the store's contents: the rows its one connection has changed so
// far (total_changes(); another process cannot write while the run lock
// is held, and a read-only store keeps nothing) and the sightings index.
type missingKey struct {
	sid, since, changes int64
	x                   *sightingIndex
}

// candidates are the keys of the people of scope sid whose people rows,
// when PrepareMissing read them, were created and last seen before since:
// pages of candidateQuery's text, in key order. Only a key is kept: a
// candidate no sightings row saw since has their row read again.
type candidates struct {
	sid, since int64
	pages      []string
	hashes     [][]keyHash // per page, its keys hashed by h
	h          hasher
	n          int
}

// candidatePage is how many candidates one PrepareMissing query reads: the
// connection is shared with the run's own reads and writes.
const candidatePage = 4096

// maxCandidates bounds what PrepareMissing keeps (about 30 bytes each);
// a larger scope is read after the last row, as before.
const maxCandidates = 500_000

// candidateQuery reads a page of candidates after key ?3 (from it, on the
// first page: the empty key, which no write makes but an old file may hold) as one
// text: per person the key's length in bytes, a comma and the key. How
// many and the last key are read from the text (a count and a max were
// SQLite's work for every person, a string compared a row).
const candidateQuery = `SELECT coalesce(group_concat(octet_length(key) || ',' || key, ''), '')
	FROM (SELECT key FROM people
		WHERE scope_id = ?1 AND status = 'created' AND (seen_run IS NULL OR seen_run < ?2) AND key %s ?3
		ORDER BY key LIMIT ?4)`

// PrepareMissing reads who may be missing from scope sc since run since,
// for a run to call while its rows are read (see above). It only saves
// Missing, StillMissing and MarkMissing time: when it fails or is not
// called, they read the scope themselves.
func (s *Store) PrepareMissing(ctx context.Context, sc Scope, since int64) error {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return err
	}
	db, _, err := s.reader()
	if err != nil {
		return err
	}
	c := &candidates{sid: sid, since: since, h: s.hash}
	after, from := "", fmt.Sprintf(candidateQuery, ">=")
	next := fmt.Sprintf(candidateQuery, ">")
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var text string
		if err := db.QueryRowContext(ctx, from, sid, since, after, candidatePage).Scan(&text); err != nil {
			return fmt.Errorf("state: people who may go missing: %w", err)
		}
		// group_concat takes the rows in the order the page query gives
		// them; were it ever not key order, the candidates are not used.
		// Each key is hashed here, beside the rows, not after the last.
		prev, first := after, after == ""
		hs := make([]keyHash, 0, candidatePage)
		err := eachCandidate(text, func(k string) bool {
			ok := k > prev || first
			prev, first = k, false
			hs = append(hs, c.h.string(k))
			return ok
		})
		if err != nil {
			return fmt.Errorf("state: people who may go missing: %w", err)
		}
		n := len(hs)
		c.pages, c.hashes, c.n = append(c.pages, text), append(c.hashes, hs), c.n+n
		if c.n > maxCandidates {
			return nil
		}
		if n < candidatePage {
			break
		}
		after, from = prev, next
	}
	s.mu.Lock()
	s.candidates = c
	s.mu.Unlock()
	return nil
}

// eachCandidate calls fn with each key of a page of candidateQuery, until
// fn returns false (an error).
func eachCandidate(text string, fn func(key string) bool) error {
	for len(text) > 0 {
		i := strings.IndexByte(text, ',')
		if i < 0 {
			return fmt.Errorf("bad candidate")
		}
		n, err := strconv.Atoi(text[:i])
		if err != nil || n < 0 || n > len(text)-i-1 {
			return fmt.Errorf("bad candidate key length")
		}
		if !fn(text[i+1 : i+1+n]) {
			return fmt.Errorf("candidates out of key order")
		}
		text = text[i+1+n:]
	}
	return nil
}

// missingKeys returns missingAnswer for scope sid since run since, and the
// sightings it read. A person's last sighting is the later of their row's
// seen_run and their newest sightings row; a missing_run before it was
// cleared by that sighting. The answer is kept until the next change
// (Missing, StillMissing, then MarkMissing ask the same).
func (s *Store) missingKeys(sid, since int64) (*missingAnswer, *sightingIndex, error) {
	x, err := s.sightings(sid)
	if err != nil {
		return nil, nil, err
	}
	var changes int64
	if err := s.db.QueryRow(`SELECT total_changes()`).Scan(&changes); err != nil {
		return nil, nil, err
	}
	key := missingKey{sid: sid, since: since, changes: changes, x: x}
	s.mu.Lock()
	c, pre := s.missing, s.candidates
	s.mu.Unlock()
	if !s.ro && c != nil && c.key == key {
		return c.answer, x, nil
	}
	var a *missingAnswer
	if pre != nil && pre.sid == sid && pre.since == since {
		a, err = s.judgeCandidates(pre, x)
	} else {
		a, err = s.scanMissing(sid, since, x)
	}
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.missing = &missingCache{key: key, answer: a}
	s.mu.Unlock()
	return a, x, nil
}

// missingQuery reads the people rows of created people last seen before
// ?2; missingQuery plus keysOf reads those of the keys in the JSON array ?3.
const (
	missingQuery = `SELECT key, seen_run, missing_run FROM people
		WHERE scope_id = ?1 AND status = 'created' AND (seen_run IS NULL OR seen_run < ?2)`
	keysOf = ` AND key IN (SELECT value FROM json_each(?3))`
)

// scanMissing reads every candidate's people row.
func (s *Store) scanMissing(sid, since int64, x *sightingIndex) (*missingAnswer, error) {
	// seen_run only grows when folded: a row seen from since on is seen.
	rows, err := s.db.Query(missingQuery+` ORDER BY key`, sid, since)
	if err != nil {
		return nil, err
	}
	return judgeRows(rows, since, x)
}

// judgeRows judges the candidates rows hold, and closes rows.
func judgeRows(rows *sql.Rows, since int64, x *sightingIndex) (*missingAnswer, error) {
	defer rows.Close()
	a := &missingAnswer{}
	// The key as raw bytes: a re-run's every person passes the query (their
	// sightings are not in their rows), and only the few missing need a
	// string.
	var k sql.RawBytes
	var seenRun, missingRun sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&k, &seenRun, &missingRun); err != nil {
			return nil, err
		}
		if a.judge(x.seenBytes(k, seenRun.Int64), since, missingRun) {
			a.keys = append(a.keys, string(k))
		}
	}
	return a, rows.Err()
}

// judgeCandidates is scanMissing from what PrepareMissing read: the
// candidates a sighting since has not cleared are read again (their rows
// may have changed since), in key order.
func (s *Store) judgeCandidates(pre *candidates, x *sightingIndex) (*missingAnswer, error) {
	again := pre.uncleared(x)
	if len(again) > pre.n/2 {
		// Most were stamped in their rows, not in sightings rows: one
		// scan reads fewer rows than looking each up.
		return s.scanMissing(pre.sid, pre.since, x)
	}
	a := &missingAnswer{}
	for i := 0; i < len(again); i += missingChunk {
		js, _ := json.Marshal(again[i:min(i+missingChunk, len(again))]) // strings always marshal
		rows, err := s.db.Query(missingQuery+keysOf+` ORDER BY key`, pre.sid, pre.since, string(js))
		if err != nil {
			return nil, err
		}
		b, err := judgeRows(rows, pre.since, x)
		if err != nil {
			return nil, err
		}
		a.keys, a.still = append(a.keys, b.keys...), a.still+b.still
	}
	return a, nil
}

// StillMissing counts the created people of sc whom no run from since on
// saw and an earlier run already listed as missing.
func (s *Store) StillMissing(sc Scope, since int64) (int, error) {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return 0, err
	}
	a, _, err := s.missingKeys(sid, since)
	if err != nil {
		return 0, fmt.Errorf("state: still missing people (since run %d): %w", since, err)
	}
	return a.still, nil
}

// listed reports whether a person last seen by run seen is listed as
// missing: a run listed them, and nobody saw them after it.
func listed(missingRun sql.NullInt64, seen int64) bool {
	return missingRun.Valid && missingRun.Int64 > seen
}

// uncleared are the candidates no sighting in x from since on saw, in key
// order. After the last row, on the run's critical path: the pages are
// judged on every core, each key's slot looked up by the hash
// PrepareMissing made (x's, when x is the store's).
func (c *candidates) uncleared(x *sightingIndex) []string {
	per := make([][]string, len(c.pages))
	judge := func(p int) {
		hs, i := c.hashes[p], 0
		_ = eachCandidate(c.pages[p], func(k string) bool { // checked when read
			if !c.cleared(x, k, hs[i]) {
				per[p] = append(per[p], k)
			}
			i++
			return true
		})
	}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(runtime.GOMAXPROCS(0), len(c.pages)) {
		wg.Go(func() {
			for p := int(next.Add(1) - 1); p < len(c.pages); p = int(next.Add(1) - 1) {
				judge(p)
			}
		})
	}
	wg.Wait()
	return slices.Concat(per...)
}

// cleared reports whether a sighting in x from c.since on saw key, whose
// hash by the store's hasher is h.
func (c *candidates) cleared(x *sightingIndex, key string, h keyHash) bool {
	if x == nil || x.last.n == 0 {
		return false
	}
	if x.h != c.h {
		sg, ok := x.of(key)
		return ok && sg.run >= c.since
	}
	i, ok := x.last.get(h)
	return ok && x.chunk[i].run >= c.since
}
