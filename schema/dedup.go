package schema

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"strings"
)

// Dedup flags the second and later rows of a file that share a unique key
// with an earlier row (every field of Schema.Key is checked on its own:
// ispring's login and email are both unique). It keeps a 64-bit hash per
// key, not the key, in an open-addressing table of its own (12 bytes a
// slot, three quarters full: 16 bytes a key whatever the key's length; a
// Go map of the same took twice that and a lookup and an insert per row).
// Two distinct keys share a hash with odds of about n²/2⁶⁵ (under 1 in
// 10⁷ at a million rows). Not safe for concurrent use.
type Dedup struct {
	s    *Schema
	seed maphash.Seed
	seen hashIndex // hash(field:lower(value)) → first row
}

// NewDedup returns an empty duplicate detector for s.
func NewDedup(s *Schema) *Dedup { return NewDedupSized(s, 0) }

// NewDedupSized is NewDedup with room made up front for rows rows (each
// key field of a row takes one entry), so the index does not grow and
// rehash as it fills. rows is a hint: more rows still fit.
func NewDedupSized(s *Schema, rows int) *Dedup {
	d := &Dedup{s: s, seed: maphash.MakeSeed()}
	d.seen.init(max(rows*len(s.Key), 64))
	return d
}

// Key returns the schema's key fields, in the order CheckKeys takes them.
func (d *Dedup) Key() []string { return d.s.Key }

// Check records rec's keys as seen on row line and returns a
// DUPLICATE_IN_FILE error per key already seen on an earlier row.
func (d *Dedup) Check(rec Record, line int) []FieldError {
	return d.CheckKeys(d.s.KeyValues(rec, nil), line)
}

// CheckKeys is Check for the values KeyValues extracted, so records can be
// mapped in parallel while duplicates are found in roster order.
func (d *Dedup) CheckKeys(vals []string, line int) []FieldError {
	var errs []FieldError
	for i, k := range d.s.Key {
		v := vals[i]
		if v == "" {
			continue
		}
		var h maphash.Hash
		h.SetSeed(d.seed)
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(strings.ToLower(v))
		sum := h.Sum64()
		if first, dup := d.seen.insert(sum, int32(line)); dup {
			errs = append(errs, FieldError{Field: k, Code: DuplicateInFile, Value: v,
				Message: fmt.Sprintf("duplicate of row %d (%s %q is the vendor's unique key)", first, k, v)})
			continue
		}
	}
	return errs
}

// KeyValues appends to dst the value of each Key field of rec ("" when
// absent), in Key order.
func (s *Schema) KeyValues(rec Record, dst []string) []string {
	for _, k := range s.Key {
		v, _ := rec[k].(string)
		dst = append(dst, v)
	}
	return dst
}

// hashIndex maps 64-bit hashes to rows with linear probing in two flat
// arrays sized from the expected count (no power-of-two rounding), grown
// only if the estimate was short. 0 marks an empty slot, so hash 0 is
// stored as 1 (one more collision in 2⁶⁴).
type hashIndex struct {
	keys []uint64
	rows []int32
	n    int
}

func (x *hashIndex) init(expect int) {
	size := expect*4/3 + 1
	x.keys, x.rows, x.n = make([]uint64, size), make([]int32, size), 0
}

// insert stores row under h unless h is there already; then it returns
// the row stored first and true.
func (x *hashIndex) insert(h uint64, row int32) (int32, bool) {
	if h == 0 {
		h = 1
	}
	if (x.n+1)*8 > len(x.keys)*7 {
		x.grow()
	}
	hi, _ := bits.Mul64(h, uint64(len(x.keys)))
	for i := int(hi); ; i++ {
		if i == len(x.keys) {
			i = 0
		}
		switch x.keys[i] {
		case 0:
			x.keys[i], x.rows[i] = h, row
			x.n++
			return 0, false
		case h:
			return x.rows[i], true
		}
	}
}

func (x *hashIndex) grow() {
	keys, rows := x.keys, x.rows
	x.init(len(keys) * 2)
	for i, k := range keys {
		if k != 0 {
			x.insert(k, rows[i])
		}
	}
}
