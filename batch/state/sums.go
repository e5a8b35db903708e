package state

import "sync/atomic"

// Sums are a person's digests as GetPacked reads them: the stored blob,
// decoded a field at a time. A re-run compares every skipped person's
// digests with its row's and keeps none of them; a map of hex strings a
// person was a fifth of Get's CPU and most of its allocations.
type Sums struct {
	blob string    // blobDigests, then per field its id and digestBytes bytes
	dict *sumsDict // the field names of the ids
}

// sumsDict is the digest field dictionary a GetPacked call read with.
type sumsDict struct {
	ids   map[string]byte
	names [256]string
	known [256]bool
	// asked are the ids of the names DigestAt was last asked about.
	asked atomic.Pointer[namesIDs]
}

// namesIDs are the ids of a caller's names (-1: none), the names told
// apart by their slice's first element and length.
type namesIDs struct {
	first *string
	n     int
	ids   []int
}

// idsOf returns the ids of names: looked up once for the people of a
// GetPacked call, not once a person and field.
func (d *sumsDict) idsOf(names []string) []int {
	if c := d.asked.Load(); c != nil && len(names) > 0 && c.first == &names[0] && c.n == len(names) {
		return c.ids
	}
	ids := make([]int, len(names))
	for i, n := range names {
		ids[i] = -1
		if id, ok := d.ids[n]; ok {
			ids[i] = int(id)
		}
	}
	if len(names) > 0 {
		d.asked.Store(&namesIDs{&names[0], len(names), ids})
	}
	return ids
}

func newSumsDict(names map[int]string) *sumsDict {
	d := &sumsDict{ids: make(map[string]byte, len(names))}
	for id, n := range names {
		if id >= 0 && id < len(d.names) {
			d.ids[n], d.names[id], d.known[id] = byte(id), n, true
		}
	}
	return d
}

// packed reports whether blob is a digest blob every field of which d
// knows: Sums can hold it.
func (d *sumsDict) packed(blob string) bool {
	n, ok := blobEntries(blob)
	if !ok {
		return false
	}
	for i := range n {
		if !d.known[blob[1+i*(1+digestBytes)]] {
			return false
		}
	}
	return true
}

// DigestIs reports whether the store holds a digest of field name for p
// (had) and whether it is hex (same), from Digests or from Sums.
func (p *Person) DigestIs(name, hex string) (had, same bool) {
	if p.Sums.blob == "" {
		old, had := p.Digests[name]
		return had, had && old == hex
	}
	id, ok := p.Sums.dict.ids[name]
	if !ok {
		return false, false
	}
	return p.Sums.field(id, hex)
}

// field is DigestIs of the field whose id is id.
func (s Sums) field(id byte, hex string) (had, same bool) {
	n, _ := blobEntries(s.blob)
	for i := range n {
		e := s.blob[1+i*(1+digestBytes) : 1+(i+1)*(1+digestBytes)]
		if e[0] == id {
			return true, hexIs(hex, e[1:])
		}
	}
	return false, false
}

// DigestAt is DigestIs of names[i], for a caller that asks every person
// about the same names (one slice, kept and not changed).
func (p *Person) DigestAt(names []string, i int, hex string) (had, same bool) {
	if p.Sums.blob == "" {
		return p.DigestIs(names[i], hex)
	}
	id := p.Sums.dict.idsOf(names)[i]
	if id < 0 {
		return false, false
	}
	return p.Sums.field(byte(id), hex)
}

// HasDigests reports whether the store holds digests for p (a person
// created before digests were kept has none).
func (p *Person) HasDigests() bool { return p.Digests != nil || p.Sums.blob != "" }

// DigestMap is p's digests by field name, as Digests holds them.
func (p *Person) DigestMap() map[string]string {
	if p.Sums.blob == "" {
		return p.Digests
	}
	n, _ := blobEntries(p.Sums.blob)
	out := make(map[string]string, n)
	var hx [2 * digestBytes]byte
	for i := range n {
		e := p.Sums.blob[1+i*(1+digestBytes) : 1+(i+1)*(1+digestBytes)]
		hexEncode(hx[:], e[1:])
		out[p.Sums.dict.names[e[0]]] = string(hx[:])
	}
	return out
}

// hexIs reports whether hex spells the digestBytes bytes of b in lower-case
// hex digits (what Digests holds), without spelling them out first.
func hexIs(hex, b string) bool {
	const digits = "0123456789abcdef"
	if len(hex) != 2*digestBytes || len(b) != digestBytes {
		return false
	}
	for j := range digestBytes {
		if hex[2*j] != digits[b[j]>>4] || hex[2*j+1] != digits[b[j]&0x0f] {
			return false
		}
	}
	return true
}
