package state

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/onboard/onboard/batch/internal/plainjson"
)

// Sighting is one person the run's file holds, for Seen.
type Sighting struct {
	Key      string
	Identity string // stored only on a created person that has none
	// Digests are stored only on a created person that has none: the
	// baseline later runs compare with.
	Digests map[string]string
}

// Seen records that runID's file holds each sighted person known to the
// store (last seen now), whatever the row's fate: skipped, sent or
// refused. Keys the store does not know are ignored. Missing lists the
// created people no Seen or Record of the run touched.
//
// A sighting that only stamps the run (the person has a baseline) goes
// into one sightings row for the whole call, not into the people rows
// (see sightings.go): Get and ByIdentity report the people row's SeenRun
// and LastSeen, which lag behind those; Lookup and Missing report the
// newest.
func (s *Store) Seen(sc Scope, runID int64, seen []Sighting) error {
	if err := s.writable(); err != nil {
		return err
	}
	if len(seen) == 0 {
		return nil
	}
	if err := s.knownRun(runID); err != nil {
		return fmt.Errorf("state: seen: %w", err)
	}
	sid, _, err := s.scopeID(sc, true)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(seen)) // a re-run's sightings are keys only
	var triples [][3]string
	for _, p := range seen {
		if p.Identity == "" && len(p.Digests) == 0 {
			keys = append(keys, p.Key)
		} else {
			dig, err := s.digestHex(p.Digests)
			if err != nil {
				return err
			}
			triples = append(triples, [3]string{p.Key, p.Identity, dig})
		}
	}
	now := s.nowMS()
	var id int64 // the sightings row's
	err = s.inTx(false, func(tx *sql.Tx) error {
		if len(keys) > 0 {
			res, err := tx.Stmt(s.writes.sighting).Exec(runID, sid, now, encodeKeys(keys))
			if err != nil {
				return err
			}
			if id, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		if len(triples) > 0 {
			js, _ := json.Marshal(triples)
			if _, err := tx.Stmt(s.writes.seen).Exec(sid, string(js), now, runID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: mark %d people seen (run %d): %w", len(seen), runID, err)
	}
	if len(keys) > 0 {
		s.growSightings(sid, id, runID, now, keys)
	}
	return nil
}

// ByIdentity returns, per identity, the person the store holds for it in
// sc: created, or in flight (sent, outcome not known yet). When several
// keys hold one identity, the earliest created wins. Identities the store
// does not hold are absent.
func (s *Store) ByIdentity(sc Scope, identities []string) (map[string]Person, error) {
	out := map[string]Person{}
	identities = slices.DeleteFunc(slices.Clone(identities), func(id string) bool { return id == "" })
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found || len(identities) == 0 {
		return out, err
	}
	db, _, err := s.reader()
	if err != nil {
		return nil, fmt.Errorf("state: get %d identities: %w", len(identities), err)
	}
	js, _ := json.Marshal(identities)
	var text string
	var all []Person
	err = db.QueryRow(byIdentityQuery, sid, string(js)).Scan(&text)
	if err == nil {
		err = s.newUnpacker().each(text, func(p *Person) { all = append(all, *p) })
	}
	if err == nil {
		// The marks without an outcome are not in the rows (see journal.go).
		all, _, err = s.overlayIdentities(sid, identities, all)
	}
	if err != nil {
		return nil, fmt.Errorf("state: get %d identities: %w", len(identities), err)
	}
	for _, p := range all {
		if _, dup := out[p.Identity]; !dup {
			out[p.Identity] = p
		}
	}
	return out, nil
}

// byIdentityQuery is ByIdentity's: the created and in-flight people of
// scope ?1 whose identities are in the JSON array ?2, packed (see
// packed.go), the one ByIdentity keeps for an identity first.
const byIdentityQuery = `SELECT coalesce(group_concat(` + personPacked + `, ''
		ORDER BY p.status = 'created' DESC, p.created_run, p.key), '')
	FROM people p
	WHERE p.scope_id = ?1 AND p.identity IN (SELECT value FROM json_each(?2))
		AND (p.status = 'created' OR p.status = 'in_flight')`

// Missing calls fn, in key order, for every person created in sc whom no
// run from since on saw and no earlier run listed as missing: the people
// who went missing now (since is the run itself, or the first run of a
// watched night's drop). It returns how many there were. fn may use the
// store: the people are read a chunk at a time. MarkMissing records that
// they were listed.
func (s *Store) Missing(sc Scope, since int64, fn func(Person) error) (int, error) {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return 0, err
	}
	m, x, err := s.missingKeys(sid, since)
	if err != nil {
		return 0, fmt.Errorf("state: missing people (since run %d): %w", since, err)
	}
	keys := m.keys
	if err := s.loadFields(); err != nil {
		return 0, err
	}
	n := 0
	for i := 0; i < len(keys); i += missingChunk {
		js, _ := json.Marshal(keys[i:min(i+missingChunk, len(keys))]) // strings always marshal
		rows, err := s.db.Query(`SELECT `+personCols+` FROM people p
			WHERE p.scope_id = ? AND p.key IN (SELECT value FROM json_each(?)) ORDER BY p.key`, sid, string(js))
		if err != nil {
			return n, fmt.Errorf("state: missing people (since run %d): %w", since, err)
		}
		var chunk []Person
		if err := s.eachPerson(rows, func(p Person) { chunk = append(chunk, p) }); err != nil {
			return n, fmt.Errorf("state: missing people (since run %d): %w", since, err)
		}
		for _, p := range chunk {
			x.overlay(&p)
			if err := fn(p); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// missingChunk is how many missing people Missing reads in one query.
const missingChunk = 512

// MarkMissing records that run runID listed the people Missing(sc, since)
// streams, so later runs count them as still missing instead of listing
// them again. Call it once the list is safely written.
func (s *Store) MarkMissing(sc Scope, since, runID int64) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.knownRun(runID); err != nil {
		return fmt.Errorf("state: mark missing: %w", err)
	}
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return err
	}
	m, _, err := s.missingKeys(sid, since)
	if err == nil {
		err = s.inTx(false, func(tx *sql.Tx) error {
			for i := 0; i < len(m.keys); i += missingChunk {
				js, _ := json.Marshal(m.keys[i:min(i+missingChunk, len(m.keys))]) // strings always marshal
				if _, err := tx.Exec(`UPDATE people SET missing_run = ?
					WHERE scope_id = ? AND key IN (SELECT value FROM json_each(?))`, runID, sid, string(js)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	s.forgetSightings(sid)
	if err != nil {
		return fmt.Errorf("state: mark missing people listed (run %d): %w", runID, err)
	}
	return nil
}

// KnownElsewhere counts, per scope of provider other than sc, the created
// people the store holds: what plan says when it finds nobody in sc.
func (s *Store) KnownElsewhere(sc Scope) ([]ScopeCount, error) {
	n := sc.normalize()
	rows, err := s.db.Query(`SELECT s.provider, s.base_url, s.tenant, count(*) FROM people p JOIN scopes s ON s.id = p.scope_id
		WHERE s.provider = ? AND NOT (s.base_url = ? AND s.tenant = ?) AND p.status = 'created'
		GROUP BY s.id ORDER BY count(*) DESC, s.base_url`, n.Provider, n.BaseURL, n.Tenant)
	if err != nil {
		return nil, fmt.Errorf("state: people of other scopes: %w", err)
	}
	defer rows.Close()
	var out []ScopeCount
	for rows.Next() {
		var c ScopeCount
		if err := rows.Scan(&c.Scope.Provider, &c.Scope.BaseURL, &c.Scope.Tenant, &c.People); err != nil {
			return nil, fmt.Errorf("state: people of other scopes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ScopeCount is how many created people the store holds in one scope.
type ScopeCount struct {
	Scope  Scope
	People int
}

// Count is how many created people the store holds in sc.
func (s *Store) Count(sc Scope) (int, error) {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return 0, err
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM people WHERE scope_id = ? AND status = 'created'`, sid).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count people: %w", err)
	}
	return n, nil
}

// DigestSalt is this file's random salt for value digests, so that a digest
// cannot be matched against a table of hashed common values.
func (s *Store) DigestSalt() (string, error) {
	var v string
	err := s.db.QueryRow(`SELECT value FROM meta WHERE key = 'digest_salt'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("state file %s: no digest salt", s.path)
	}
	if err != nil {
		return "", fmt.Errorf("state file %s: %w", s.path, err)
	}
	return v, nil
}

// encodeDigests is the stored form of digests: a JSON object, "" for none.
func encodeDigests(d map[string]string) string {
	if len(d) == 0 {
		return ""
	}
	// json.Marshal's bytes, written directly when nothing needs an escape:
	// every outcome a run records carries digests, and reflection over
	// the map was a sixth of recording them.
	if b, ok := plainjson.AppendObject(make([]byte, 0, 40*len(d)), d); ok {
		return string(b)
	}
	b, _ := json.Marshal(d) // a map[string]string always marshals
	return string(b)
}

func decodeDigests(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	if d, ok := decodePlainDigests(s); ok {
		return d, nil
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, err
	}
	return d, nil
}

// decodePlainDigests reads the JSON encodeDigests writes when no name or
// digest needs an escape ({"email":"3f2a…","lastName":"9c1d…"}), which is
// every digest the store holds: a re-run decodes one per known person, and
// json.Unmarshal of a map took a sixth of an all-skipped re-run. ok is
// false for anything else, which json.Unmarshal then reads.
func decodePlainDigests(s string) (map[string]string, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || strings.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	d := make(map[string]string, strings.Count(s, ",")+1)
	rest := s[1 : len(s)-1]
	str := func() (string, bool) { // a quoted string at the start of rest
		if len(rest) < 2 || rest[0] != '"' {
			return "", false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return "", false
		}
		v := rest[1 : 1+end]
		rest = rest[2+end:]
		return v, true
	}
	for rest != "" {
		k, ok := str()
		if !ok || rest == "" || rest[0] != ':' {
			return nil, false
		}
		rest = rest[1:]
		v, ok := str()
		if !ok {
			return nil, false
		}
		d[k] = v
		if rest != "" {
			if rest[0] != ',' || len(rest) == 1 {
				return nil, false
			}
			rest = rest[1:]
		}
	}
	return d, true
}

// NightMissing records on runID (a watched night's last run) the missing
// people listed over the night's whole drop and those still missing, so
// history counts them where the night ended.
func (s *Store) NightMissing(runID int64, listed, still int) error {
	if err := s.writable(); err != nil {
		return err
	}
	if _, err := s.db.Exec(`UPDATE runs SET missing = ?, still_missing = ? WHERE id = ?`, listed, still, runID); err != nil {
		return fmt.Errorf("state: record the night's missing people (run %d): %w", runID, err)
	}
	return nil
}
