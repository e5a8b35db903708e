package state

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"sync"
	"time"
)

// A query that hands back many people packs them into one text: SQLite
// builds each person's personCols into one length-prefixed record
// (personPacked) and group_concat joins the records, so the driver is
// called once for a chunk of people instead of once per column per person
// (eleven calls a person, each taking the connection's mutex, were most of
// what Get cost a re-run).

// personPacked is one person's record, its parts joined by commas: the
// six numbers (0 for NULL), the lengths in bytes of key, vendor_id,
// identity and digest, then status, key, vendor_id, identity and digest
// (a missing digest is empty). The lengths make any byte safe in a value;
// concat_ws and group_concat copy by length, so a NUL is too. status
// needs no length: it is one of three words, told apart by their first
// byte. One concat_ws of sixteen values, four octet_length calls: each
// value and call is SQLite's work for every person a re-run skips.
const personPacked = `concat_ws(',', coalesce(p.first_seen, 0), coalesce(p.last_seen, 0),
	coalesce(p.created_run, 0), coalesce(p.updated_run, 0), coalesce(p.digest_run, 0), coalesce(p.seen_run, 0),
	octet_length(p.key), octet_length(p.vendor_id), octet_length(p.identity), coalesce(octet_length(p.digest), 0),
	p.status, p.key, p.vendor_id, p.identity, coalesce(p.digest, x''))`

// packedPeople is the SELECT list of a query whose one row holds every
// matching person's record (an empty text for none).
const packedPeople = `coalesce(group_concat(` + personPacked + `, ''), '')`

// getQuery is Get's: the people of scope ?1 whose keys are in the JSON
// array ?2. The array drives the join, a primary-key seek an element, in
// its own order: `key IN (SELECT value FROM json_each(?2))` first copied
// the keys into a temporary index, a seventh of the query's time. A key
// twice in the array is a person twice in the text (Get keeps one).
const getQuery = `SELECT ` + packedPeople + ` FROM json_each(?2) j CROSS JOIN people p
	WHERE p.scope_id = ?1 AND p.key = j.value`

// getChunk bounds the keys of one Get query, and so the text it returns.
const getChunk = 1024

// readStmts are read statements prepared once per store, on first use.
// A store open for a run reads people through connections of their own
// (db), so that a chunk's people are read on one core while the run's
// writes go on on the other: in WAL mode a reader sees every transaction
// committed before its query began, and each of the store's writes is
// committed before it returns. What those readers are asked never depends
// on a write still under way: Get runs ahead of the marks only for keys no
// earlier chunk holds (see knownByKey in batch), and PrepareMissing holds
// whatever it reads (see missing.go).
type readStmts struct {
	once sync.Once
	db   *sql.DB // nil when read-only: the store's one connection reads
	get  *sql.Stmt
	err  error
}

// readers are the reader connections: Get's and PrepareMissing's.
const readers = 2

// readerDSN opens the reader connections: query_only, so that nothing
// written can go through them.
func readerDSN(abs string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "query_only(1)")
	return (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
}

// reader returns the database reads that may run beside the run's writes
// go to, and Get's statement on it.
func (s *Store) reader() (*sql.DB, *sql.Stmt, error) {
	s.reads.once.Do(func() {
		if s.readDSN != "" {
			// Without its own connections (a second file handle refused),
			// the store reads on the one it has, as before.
			if db, err := sql.Open("sqlite", s.readDSN); err == nil {
				db.SetMaxOpenConns(readers)
				if s.reads.get, err = db.Prepare(getQuery); err == nil {
					s.reads.db = db
					return
				}
				db.Close()
			}
		}
		s.reads.get, s.reads.err = s.db.Prepare(getQuery)
	})
	if s.reads.err != nil {
		return nil, nil, s.reads.err
	}
	return cmp.Or(s.reads.db, s.db), s.reads.get, nil
}

func (r *readStmts) close() error {
	var err error
	if r.get != nil {
		err = r.get.Close()
	}
	if r.db != nil {
		err = errors.Join(err, r.db.Close())
	}
	return err
}

// unpacker decodes packed records; names is the digest field dictionary
// as personScan holds it.
type unpacker struct {
	s     *Store
	names map[int]string
}

func (s *Store) newUnpacker() *unpacker { return &unpacker{s: s, names: s.fieldNames()} }

// fieldNames is a copy of the digest field names the store has read.
func (s *Store) fieldNames() map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.fields.names)
}

// each calls fn with every person in text, a concatenation of
// personPacked records. The people's strings share text's memory.
func (u *unpacker) each(text string, fn func(Person)) error {
	for len(text) > 0 {
		var p Person
		var err error
		if text, err = u.one(text, &p); err != nil {
			return fmt.Errorf("packed person: %w", err)
		}
		fn(p)
	}
	return nil
}

// one decodes the record at the start of text into p and returns the rest.
func (u *unpacker) one(text string, p *Person) (string, error) {
	var nums [10]int64 // six numbers, four lengths
	for i := range nums {
		n, rest, ok := packedInt(text)
		if !ok {
			return "", fmt.Errorf("bad number %d", i)
		}
		nums[i], text = n, rest
	}
	var st string
	for _, s := range [...]string{StatusCreated, StatusInFlight, StatusFailed} {
		if len(text) > 0 && text[0] == s[0] {
			st = s
			break
		}
	}
	if st == "" || len(text) < len(st)+1 || text[:len(st)] != st || text[len(st)] != ',' {
		return "", fmt.Errorf("bad status")
	}
	text = text[len(st)+1:]
	var vals [4]string // key, vendor_id, identity, digest
	for i := range vals {
		n := nums[6+i]
		if n < 0 || n > int64(len(text)) {
			return "", fmt.Errorf("bad length of value %d", i)
		}
		vals[i], text = text[:n], text[n:]
		if i < len(vals)-1 {
			if len(text) == 0 || text[0] != ',' {
				return "", fmt.Errorf("no end of value %d", i)
			}
			text = text[1:]
		}
	}
	*p = Person{Key: vals[0], Status: st, VendorID: vals[1],
		FirstSeen: unixMS(nums[0]), LastSeen: unixMS(nums[1]),
		CreatedRun: nums[2], UpdatedRun: nums[3], Identity: vals[2], DigestRun: nums[4], SeenRun: nums[5]}
	var err error
	p.Digests, err = decodeDigestBlob(u.s, vals[3], u.names)
	if errors.Is(err, errUnknownField) {
		// A field added since the names were read (by another process,
		// for a read-only store): read them again, once a query.
		if err = u.s.loadFields(); err == nil {
			u.names = u.s.fieldNames()
			p.Digests, err = decodeDigestBlob(u.s, vals[3], u.names)
		}
	}
	if err != nil {
		return "", fmt.Errorf("key %s: digest: %w", p.Key, err)
	}
	return text, nil
}

// packedInt reads a decimal integer and its comma at the start of text
// (what SQLite writes: an optional minus, then digits) and returns the
// rest; strconv's generality was a tenth of unpacking.
func packedInt(text string) (int64, string, bool) {
	neg := len(text) > 0 && text[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	var n uint64
	start := i
	for ; i < len(text) && text[i] != ','; i++ {
		c := text[i] - '0'
		if c > 9 || i-start >= 19 { // 19 digits cannot overflow
			return 0, "", false
		}
		n = n*10 + uint64(c)
	}
	if i == start || i == len(text) || n > math.MaxInt64 {
		return 0, "", false
	}
	if neg {
		return -int64(n), text[i+1:], true
	}
	return int64(n), text[i+1:], true
}
