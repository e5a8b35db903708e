package schema

import (
	"fmt"
	"hash/maphash"
	"strings"
)

// Dedup flags the second and later rows of a file that share a unique key
// with an earlier row (every field of Schema.Key is checked on its own:
// ispring's login and email are both unique). It keeps a 64-bit hash per
// key, not the key: 12 bytes a row, whatever the key's length. Two distinct
// keys share a hash with odds of about n²/2⁶⁵ (under 1 in 10⁷ at a million
// rows). Not safe for concurrent use.
type Dedup struct {
	s    *Schema
	seed maphash.Seed
	seen map[uint64]int32 // hash(field:lower(value)) → first row
}

// NewDedup returns an empty duplicate detector for s.
func NewDedup(s *Schema) *Dedup { return NewDedupSized(s, 0) }

// NewDedupSized is NewDedup with room made up front for rows rows (each
// key field of a row takes one entry), so the index does not grow and
// rehash as it fills. rows is a hint: more rows still fit.
func NewDedupSized(s *Schema, rows int) *Dedup {
	return &Dedup{s: s, seed: maphash.MakeSeed(), seen: make(map[uint64]int32, rows*len(s.Key))}
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
		if first, dup := d.seen[sum]; dup {
			errs = append(errs, FieldError{Field: k, Code: DuplicateInFile, Value: v,
				Message: fmt.Sprintf("duplicate of row %d (%s %q is the vendor's unique key)", first, k, v)})
			continue
		}
		d.seen[sum] = int32(line)
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
