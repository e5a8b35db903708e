package reports

import (
	"strings"

	"github.com/onboard/onboard/schema"
)

// Masked replaces a secret cell's value in every output.
const Masked = schema.Mask

// guardFormula neutralizes a CSV cell that a spreadsheet would evaluate
// (= + - @, tab, CR at the start) by prefixing it with a quote.
func guardFormula(s string) string {
	if needsGuard(s) {
		return "'" + s
	}
	return s
}

// needsGuard reports whether guardFormula would prefix s.
func needsGuard(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// guardAll applies guardFormula to every cell of row, in place.
func guardAll(row []string) {
	for i, c := range row {
		row[i] = guardFormula(c)
	}
}

// normalizeHeader lower-cases h and drops spaces, '_', '-' and '.', so that
// "Pass-Word" and "client_secret" compare as "password" and "clientsecret".
func normalizeHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case ' ', '_', '-', '.':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// masker knows a roster's width and its secret columns. The pipeline masks
// secrets already; this is the second line of defence for columns whose
// header says what they hold.
type masker struct {
	width  int
	secret []int
}

func newMasker(header []string) masker {
	m := masker{width: len(header)}
	for i, h := range header {
		if schema.SecretHeader(h) {
			m.secret = append(m.secret, i)
		}
	}
	return m
}

// into is cells into dst's storage, reused row after row by a sink that
// hands the cells on before the next row.
func (m masker) into(dst, in []string) []string {
	dst = append(dst[:0], in[:min(len(in), m.width)]...)
	for len(dst) < m.width {
		dst = append(dst, "")
	}
	for _, i := range m.secret {
		if dst[i] != "" {
			dst[i] = Masked
		}
	}
	return dst
}

// cells returns the roster cells of a row padded or trimmed to the header's
// width, with non-empty secret cells masked, in a copy: the caller's slice
// is never changed.
func (m masker) cells(in []string) []string {
	out := make([]string, m.width)
	copy(out, in)
	for _, i := range m.secret {
		if out[i] != "" {
			out[i] = Masked
		}
	}
	return out
}
