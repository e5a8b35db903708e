package state

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"strings"
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
	dict  *sumsDict // set: a digest blob of known fields goes to Sums
}

// recScratch holds each's scratch between calls (of any store: a re-run
// unpacks a chunk a Get, a new unpacker each time).
var recScratch = sync.Pool{New: func() any { return new([]packedRec) }}

// packedRec is a person read from a record, and the digest blob still to
// decode.
type packedRec struct {
	p      Person
	digest string
}

func (s *Store) newUnpacker() *unpacker { return &unpacker{s: s, names: s.fieldNames()} }

// fieldNames is a copy of the digest field names the store has read.
func (s *Store) fieldNames() map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.fields.names)
}

// each calls fn with every person in text, a concatenation of
// personPacked records. The people's strings share text's memory, and
// the hex digests of all of them one string: a re-run decodes the
// digests of every person it skips, and a string a person was an
// allocation a person.
func (u *unpacker) each(text string, fn func(*Person)) error {
	scratch := recScratch.Get().(*[]packedRec)
	defer recScratch.Put(scratch)
	recs := (*scratch)[:0]
	defer func() {
		clear(recs) // the scratch keeps no person alive
		*scratch = recs[:0]
	}()
	hexLen := 0
	for len(text) > 0 {
		recs = append(recs, packedRec{})
		r := &recs[len(recs)-1] // read in place: a Person is 224 bytes
		var err error
		if text, err = u.one(text, r); err != nil {
			return fmt.Errorf("packed person: %w", err)
		}
		if u.dict != nil && u.dict.packed(r.digest) {
			r.p.Sums, r.digest = Sums{blob: r.digest, dict: u.dict}, ""
		} else if n, ok := blobEntries(r.digest); ok {
			hexLen += n * 2 * digestBytes
		}
	}
	var all strings.Builder
	all.Grow(hexLen)
	var hx [2 * digestBytes]byte
	for _, r := range recs {
		if n, ok := blobEntries(r.digest); ok {
			for i := range n {
				e := 1 + i*(1+digestBytes)
				hexEncode(hx[:], r.digest[e+1:e+1+digestBytes])
				all.Write(hx[:])
			}
		}
	}
	hexes := all.String()
	for i := range recs {
		r := &recs[i]
		if r.p.Sums.blob != "" {
			fn(&r.p)
			continue
		}
		if err := u.digests(r, &hexes); err != nil {
			return fmt.Errorf("packed person: key %s: digest: %w", r.p.Key, err)
		}
		fn(&r.p)
	}
	return nil
}

// blobEntries is the number of fields in a digest blob; ok is false for
// none and for a digest of another form.
func blobEntries(b string) (n int, ok bool) {
	const entry = 1 + digestBytes
	if len(b) == 0 || b[0] != blobDigests || (len(b)-1)%entry != 0 {
		return 0, false
	}
	return (len(b) - 1) / entry, true
}

// digests sets r.p.Digests from r.digest: a blob's from the front of
// hexes (which it consumes), any other through decodeDigestBlob.
func (u *unpacker) digests(r *packedRec, hexes *string) error {
	n, ok := blobEntries(r.digest)
	if !ok {
		return u.decode(r)
	}
	own := (*hexes)[:n*2*digestBytes]
	*hexes = (*hexes)[len(own):]
	d := make(map[string]string, n)
	for i := range n {
		id := int(r.digest[1+i*(1+digestBytes)])
		name, known := u.names[id]
		if !known {
			return u.decode(r) // a field added since: see decode
		}
		d[name] = own[i*2*digestBytes : (i+1)*2*digestBytes]
	}
	r.p.Digests = d
	return nil
}

// decode is decodeDigestBlob of r.digest into r.p.
func (u *unpacker) decode(r *packedRec) error {
	var err error
	r.p.Digests, err = decodeDigestBlob(u.s, r.digest, u.names)
	if errors.Is(err, errUnknownField) {
		// A field added since the names were read (by another process,
		// for a read-only store): read them again, once a query.
		if err = u.s.loadFields(); err == nil {
			u.names = u.s.fieldNames()
			r.p.Digests, err = decodeDigestBlob(u.s, r.digest, u.names)
		}
	}
	return err
}

// one reads the record at the start of text into r and returns the rest.
func (u *unpacker) one(text string, r *packedRec) (string, error) {
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
	r.p = Person{Key: vals[0], Status: st, VendorID: vals[1],
		FirstSeen: unixMS(nums[0]), LastSeen: unixMS(nums[1]),
		CreatedRun: nums[2], UpdatedRun: nums[3], Identity: vals[2], DigestRun: nums[4], SeenRun: nums[5]}
	r.digest = vals[3]
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

// appendKeysJSON appends keys as json.Marshal writes a []string, byte for
// byte; a key of plain ASCII (most are) is copied as it is, without
// encoding/json's reflection and per-byte escaping (a tenth of Get).
func appendKeysJSON(b []byte, keys []string) []byte {
	b = append(b, '[')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if plainJSON(k) {
			b = append(append(append(b, '"'), k...), '"')
			continue
		}
		q, _ := json.Marshal(k) // a string always marshals
		b = append(b, q...)
	}
	return append(b, ']')
}

// plainJSON reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII without a quote, a backslash or the HTML
// characters it escapes.
func plainJSON(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c < 0x20, c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
