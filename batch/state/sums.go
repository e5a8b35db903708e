package state

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
	n, _ := blobEntries(p.Sums.blob)
	for i := range n {
		e := p.Sums.blob[1+i*(1+digestBytes) : 1+(i+1)*(1+digestBytes)]
		if e[0] != id {
			continue
		}
		return true, hexIs(hex, e[1:])
	}
	return false, false
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
