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
	secret []bool // by column
	// stale is the roster's own onboard_error column (a fix file run
	// again), -1 for none: an earlier run's reason, which this output's
	// own columns replace, so it is shown empty.
	stale int
}

func newMasker(header []string) masker {
	m := masker{width: len(header), secret: make([]bool, len(header)), stale: -1}
	for i, h := range header {
		m.secret[i] = schema.SecretHeader(h)
		if m.stale < 0 && strings.EqualFold(strings.TrimSpace(h), schema.OwnErrorColumn) {
			m.stale = i
		}
	}
	return m
}

// cell is column i of a row as every output shows it: "" past the row's
// end or in the stale onboard_error column, Masked for a non-empty secret.
func (m masker) cell(in []string, i int) string {
	if i >= len(in) || i == m.stale {
		return ""
	}
	if m.secret[i] && in[i] != "" {
		return Masked
	}
	return in[i]
}

// into is cells into dst's storage, reused row after row by a sink that
// hands the cells on before the next row.
func (m masker) into(dst, in []string) []string {
	dst = dst[:0]
	for i := range m.width {
		dst = append(dst, m.cell(in, i))
	}
	return dst
}

// cells returns the roster cells of a row padded or trimmed to the header's
// width, with non-empty secret cells masked, in a copy: the caller's slice
// is never changed.
func (m masker) cells(in []string) []string {
	return m.into(make([]string, 0, m.width), in)
}
