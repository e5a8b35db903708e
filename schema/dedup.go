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
// key, not the key, in an open-addressing table of its own (16 bytes a
// slot, three quarters full: 21 bytes a key whatever the key's length; a
// Go map of the same took twice that and a lookup and an insert per row).
// Two distinct keys share a hash with odds of about n²/2⁶⁵ (under 1 in
// 10⁷ at a million rows). Not safe for concurrent use.
type Dedup struct {
	s    *Schema
	seed maphash.Seed
	seen hashIndex // hash(field:lower(value)) → first row
	warm uint64    // Warm's sum, so that its loads are not optimized away
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

// Sized returns an empty Dedup with d's hash seed and room for rows rows,
// so hashes made by d.Hashes can be checked in it.
func (d *Dedup) Sized(rows int) *Dedup {
	n := NewDedupSized(d.s, rows)
	n.seed = d.seed
	return n
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
	var hs [4]uint64
	return d.CheckHashed(vals, d.Hashes(vals, hs[:0]), line)
}

// Hashes appends the index hash of each key value to dst (0 for an empty
// value). It is safe for concurrent use, so the mapping workers hash and
// the in-order check only looks up.
func (d *Dedup) Hashes(vals []string, dst []uint64) []uint64 {
	for i, k := range d.s.Key {
		v := vals[i]
		if v == "" {
			dst = append(dst, 0)
			continue
		}
		var h maphash.Hash
		h.SetSeed(d.seed)
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(DuplicateFold(v))
		dst = append(dst, h.Sum64()|1) // never 0: 0 is an empty value
	}
	return dst
}

// Warm loads the index slots of hashes (a chunk's, made by Hashes) ahead
// of the CheckHashed calls for them. Each check is a cache miss in an
// index of millions of keys; spread among a row's other work those misses
// come one at a time (~330 ns a key, a fifth of a dry run's CPU), while
// the independent loads of this tight loop overlap (~30 ns a key).
func (d *Dedup) Warm(hashes []uint64) {
	var sum uint64
	for _, h := range hashes {
		if h != 0 { // an empty value: CheckHashed skips it
			sum += d.seen.slots[d.seen.home(h)].key
		}
	}
	d.warm = sum
}

// CheckHashed is CheckKeys with the hashes Hashes made for vals.
func (d *Dedup) CheckHashed(vals []string, hashes []uint64, line int) []FieldError {
	var errs []FieldError
	for i, k := range d.s.Key {
		if hashes[i] == 0 {
			continue
		}
		if first, dup := d.seen.insert(hashes[i], int32(line)); dup {
			errs = append(errs, DuplicateError(k, vals[i], int(first)))
		}
	}
	return errs
}

// DuplicateError is the DUPLICATE_IN_FILE error of a row whose field
// holds value, first seen on row first: the one message every check gives.
func DuplicateError(field, value string, first int) FieldError {
	return FieldError{Field: field, Code: DuplicateInFile, Value: value,
		Message: fmt.Sprintf("duplicate of row %d (%s %q is the vendor's unique key)", first, field, value)}
}

// DuplicateFold is how duplicate keys compare: case aside.
func DuplicateFold(value string) string { return strings.ToLower(value) }

// hashIndex maps 64-bit hashes to rows with linear probing in two flat
// arrays sized from the expected count (no power-of-two rounding), grown
// only if the estimate was short. 0 marks an empty slot, so hash 0 is
// stored as 1 (one more collision in 2⁶⁴).
type hashIndex struct {
	slots []hashSlot // key and row side by side: one cache miss a lookup
	n     int
}

type hashSlot struct {
	key uint64
	row int32
}

func (x *hashIndex) init(expect int) {
	x.slots, x.n = make([]hashSlot, expect*4/3+1), 0
}

// insert stores row under h unless h is there already; then it returns
// the row stored first and true.
func (x *hashIndex) insert(h uint64, row int32) (int32, bool) {
	if h == 0 {
		h = 1
	}
	if (x.n+1)*8 > len(x.slots)*7 {
		x.grow()
	}
	for i := x.home(h); ; i++ {
		if i == len(x.slots) {
			i = 0
		}
		s := &x.slots[i]
		switch s.key {
		case 0:
			s.key, s.row = h, row
			x.n++
			return 0, false
		case h:
			return s.row, true
		}
	}
}

// home is the slot where probing for h starts.
func (x *hashIndex) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(x.slots)))
	return int(hi)
}

func (x *hashIndex) grow() {
	old := x.slots
	x.init(len(old) * 2)
	for _, s := range old {
		if s.key != 0 {
			x.insert(s.key, s.row)
		}
	}
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
