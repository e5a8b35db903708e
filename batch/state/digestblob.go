package state

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The stored form of a person's digests since schema 6 (see migrations):
// blobDigests, then per field one byte (its digest_fields id) and the 12
// bytes the 24 hex digits spell. Digests of another form keep their JSON
// text as the blob (it starts with '{').
const (
	blobDigests = 0x01
	digestBytes = 12
)

// fieldDict maps digest field names to their digest_fields ids and back.
// The store's mutex guards it.
type fieldDict struct {
	ids   map[string]int
	names map[int]string
	max   int
}

// loadFields reads the digest_fields rows this store has not seen yet
// (another process may have added some since: a read-only open beside a
// run). Called before a read that decodes digests, never while rows of
// the one connection are open.
func (s *Store) loadFields() error {
	s.mu.Lock()
	last := s.fields.max
	s.mu.Unlock()
	rows, err := s.db.Query(`SELECT id, name FROM digest_fields WHERE id > ? ORDER BY id`, last)
	if err != nil {
		return fmt.Errorf("state file %s: digest fields: %w", s.path, err)
	}
	defer rows.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("state file %s: digest fields: %w", s.path, err)
		}
		s.fields.add(id, name)
	}
	return rows.Err()
}

func (d *fieldDict) add(id int, name string) {
	if d.ids == nil {
		d.ids, d.names = map[string]int{}, map[int]string{}
	}
	d.ids[name], d.names[id] = id, name
	d.max = max(d.max, id)
}

// fieldIDs returns the ids of names, adding the new ones to digest_fields
// (each in its own statement, like a new scope: a rolled back write
// leaves an unused name, never a cached id without a row).
func (s *Store) fieldIDs(names []string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		s.mu.Lock()
		id, ok := s.fields.ids[n]
		s.mu.Unlock()
		if !ok {
			err := s.db.QueryRow(`INSERT INTO digest_fields (name) VALUES (?)
				ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, n).Scan(&id)
			if err != nil {
				return nil, fmt.Errorf("state file %s: digest field %q: %w", s.path, n, err)
			}
			s.mu.Lock()
			s.fields.add(id, n)
			s.mu.Unlock()
		}
		out[i] = id
	}
	return out, nil
}

// digestHex is the stored blob of d, as hex for the write statements'
// JSON arrays (unhex'ed in SQL); "" for no digests.
func (s *Store) digestHex(d map[string]string) (string, error) {
	b, err := s.digestBlob(d)
	return hex.EncodeToString(b), err
}

// digestBlob is the stored blob of d; nil (NULL) for no digests.
func (s *Store) digestBlob(d map[string]string) ([]byte, error) {
	e := digestEncoder{s: s}
	return e.blob(d)
}

// digestEncoder encodes the digests of a batch of rows. The rows of a run
// name the same fields, so it keeps the last row's sorted field names and
// their ids and, while a row's fields are those, spares the sort, the
// dictionary and an allocation a row (a tenth of recording a created
// person). The blobs are slices of one buffer.
type digestEncoder struct {
	s     *Store
	names []string // sorted
	ids   []byte
	buf   []byte
	// The packed rows' fields (see packed): byName are the indexes of
	// fields sorted by name, pid their digest_fields ids, 0 for one not
	// known yet.
	fields []string
	byName []int
	pid    []int
}

// outcome is digestBlob of o's digests: Packed's without a map, as the
// map's would be.
func (e *digestEncoder) outcome(o *Outcome) ([]byte, error) {
	if o.Digests != nil || o.Packed.Fields == nil {
		return e.blob(o.Digests)
	}
	if b, ok := e.packed(o.Packed); ok {
		return b, nil
	}
	// A field without an id yet (blob adds it, as for a map), one past
	// a byte, or a digest of another form.
	b, err := e.blob(o.DigestMap())
	e.fields = nil
	return b, err
}

// packed writes r's blob as blob writes its map's, unless a present
// field's id is not known yet or is over 0xff, or a digest is not 24
// lower-case hex digits.
func (e *digestEncoder) packed(r DigestRow) ([]byte, bool) {
	const slot = 2 * digestBytes
	if len(r.Hex) != len(r.Fields)*slot {
		return nil, false
	}
	if len(e.fields) != len(r.Fields) || len(r.Fields) == 0 || &e.fields[0] != &r.Fields[0] {
		e.fields = r.Fields
		e.byName = make([]int, len(r.Fields))
		for i := range e.byName {
			e.byName[i] = i
		}
		slices.SortFunc(e.byName, func(a, b int) int { return strings.Compare(r.Fields[a], r.Fields[b]) })
		e.pid = make([]int, len(r.Fields))
	}
	start, b := e.open(len(r.Fields))
	for j, i := range e.byName {
		v := r.Hex[i*slot : (i+1)*slot]
		if v[0] == 0 {
			continue // not set
		}
		id := e.pid[j]
		if id == 0 {
			e.s.mu.Lock()
			id = e.s.fields.ids[r.Fields[i]]
			e.s.mu.Unlock()
			if id == 0 || id > 0xff {
				return nil, false
			}
			e.pid[j] = id
		}
		var ok bool
		if b, ok = appendDigest(b, byte(id), v); !ok {
			return nil, false
		}
	}
	if len(b) == start+1 {
		return nil, true // no field set: no digests
	}
	e.buf = b
	return b[start:len(b):len(b)], true
}

// blob is digestBlob of d.
func (e *digestEncoder) blob(d map[string]string) ([]byte, error) {
	if len(d) == 0 {
		return nil, nil
	}
	if b, ok := e.encode(d); ok {
		return b, nil
	}
	names := make([]string, 0, len(d))
	binary := true
	for n, v := range d {
		names = append(names, n)
		binary = binary && isDigestHex(v)
	}
	if binary {
		slices.Sort(names)
		ids, err := e.s.fieldIDs(names)
		if err != nil {
			return nil, err
		}
		if slices.Max(ids) <= 0xff {
			e.names, e.ids = names, make([]byte, len(ids))
			for i, id := range ids {
				e.ids[i] = byte(id)
			}
			if b, ok := e.encode(d); ok {
				return b, nil
			}
		}
	}
	return []byte(encodeDigests(d)), nil
}

// encode writes d's blob with the kept names, unless d has other fields or
// a digest that is not 24 lower-case hex digits.
func (e *digestEncoder) encode(d map[string]string) ([]byte, bool) {
	if len(d) != len(e.names) {
		return nil, false
	}
	start, b := e.open(len(d))
	for i, n := range e.names {
		v, ok := d[n]
		if !ok {
			return nil, false
		}
		if b, ok = appendDigest(b, e.ids[i], v); !ok {
			return nil, false
		}
	}
	e.buf = b
	return b[start:len(b):len(b)], true
}

// open starts a blob of up to n fields at the end of e.buf (a new buffer
// when it has no room left): start is where it begins in the returned b,
// which holds its first byte.
func (e *digestEncoder) open(n int) (start int, b []byte) {
	need := 1 + n*(1+digestBytes)
	if cap(e.buf)-len(e.buf) < need {
		e.buf = make([]byte, 0, max(64*need, 4096))
	}
	return len(e.buf), append(e.buf, blobDigests)
}

// appendDigest appends a blob entry: field id, then the 12 bytes v's 24
// lower-case hex digits spell; false for any other v.
func appendDigest(b []byte, id byte, v string) ([]byte, bool) {
	if len(v) != 2*digestBytes {
		return b, false
	}
	b = append(b, id)
	for k := 0; k < len(v); k += 2 {
		hi, lo := lowerHex[v[k]], lowerHex[v[k+1]]
		if hi|lo > 0xf {
			return b, false
		}
		b = append(b, hi<<4|lo)
	}
	return b, true
}

// lowerHex is each byte's value as a lower-case hex digit, 0xff for any
// other byte: encode checks and decodes a digest in one pass.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

// isDigestHex reports whether v is what the digester writes: 24
// lower-case hex digits (upper case would not survive the round trip).
func isDigestHex(v string) bool {
	if len(v) != 2*digestBytes {
		return false
	}
	for i := range len(v) {
		c := v[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// errUnknownField is a digest field id the store has not read yet.
var errUnknownField = errors.New("unknown")

// decodeDigestBlob reads what digestHex stored; nil for none. names is
// the field dictionary's names (a copy, see personScan); a field not in
// it is looked up in the store's own, which fieldIDs may have grown since.
func decodeDigestBlob[B []byte | string](s *Store, b B, names map[int]string) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != blobDigests {
		return decodeDigests(string(b))
	}
	body := b[1:]
	const entry = 1 + digestBytes
	if len(body)%entry != 0 {
		return nil, fmt.Errorf("digest blob of %d bytes", len(b))
	}
	n := len(body) / entry
	out := make(map[string]string, n)
	// One string holds every digest's hex, each value a slice of it: a
	// re-run decodes the digests of every person it skips.
	var all strings.Builder
	all.Grow(n * 2 * digestBytes)
	var hx [2 * digestBytes]byte
	for i := 0; i < len(body); i += entry {
		hexEncode(hx[:], body[i+1:i+entry])
		all.Write(hx[:])
	}
	hexes := all.String()
	for i, j := 0, 0; i < len(body); i, j = i+entry, j+2*digestBytes {
		name, ok := names[int(body[i])]
		if !ok {
			s.mu.Lock()
			name, ok = s.fields.names[int(body[i])]
			s.mu.Unlock()
		}
		if !ok {
			return nil, fmt.Errorf("digest field %d: %w", body[i], errUnknownField)
		}
		out[name] = hexes[j : j+2*digestBytes]
	}
	return out, nil
}

// hexEncode is hex.Encode for a digest held as bytes or as a string.
func hexEncode[B []byte | string](dst []byte, src B) {
	const digits = "0123456789abcdef"
	for i := range len(src) {
		dst[2*i], dst[2*i+1] = digits[src[i]>>4], digits[src[i]&0x0f]
	}
}
