package read

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// table turns the raw cells of either format into the header and rows: it
// enforces the limits, pads short rows and refuses values beyond the header,
// so both readers behave the same.
type table struct {
	file   string
	opt    Options
	header []string
	// label names column i (0-based) the way the format shows it: "7" for
	// CSV, "G" for XLSX.
	label func(i int) string
}

// csvLabel numbers columns from 1.
func csvLabel(i int) string { return strconv.Itoa(i + 1) }

func (t *table) fail(line int, err error) *Error {
	return &Error{File: t.file, Line: line, Err: err}
}

// isBlank reports a cell with nothing but white space.
func isBlank(s string) bool {
	return s == "" || strings.TrimSpace(s) == ""
}

// width returns one past the last non-blank cell: 0 for a blank row.
func width(cells []string) int {
	n := len(cells)
	for n > 0 && isBlank(cells[n-1]) {
		n--
	}
	return n
}

// setHeader makes the header from the first non-blank row; a blank row
// leaves it unset.
func (t *table) setHeader(cells []string, line int) error {
	n := width(cells)
	if n == 0 {
		return nil
	}
	if n > t.opt.MaxColumns {
		return t.fail(line, kindf(ErrLimit, "the header has %d columns, more than the %d allowed (MaxColumns)", n, t.opt.MaxColumns))
	}
	cells = cells[:n]
	if err := t.check(cells, line, func(i int) string { return "Column " + csvLabel(i) }); err != nil {
		return err
	}
	header := make([]string, n)
	seen := make(map[string]int, n)
	var dups []string
	for i, c := range cells {
		name := strings.TrimFunc(c, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
		if name == "" {
			name = "Column " + csvLabel(i)
		}
		key := strings.ToLower(name)
		if j, dup := seen[key]; dup {
			dups = append(dups, fmt.Sprintf("%q (columns %s and %s)", name, t.label(j), t.label(i)))
		} else {
			seen[key] = i
		}
		header[i] = name
	}
	if len(dups) > 0 {
		return t.fail(line, fmt.Errorf("duplicate column names in the header: %s", strings.Join(dups, ", ")))
	}
	t.header = header
	return nil
}

// row shapes one data row, taking cells over: callers hand it a slice they
// will not touch again. It reports ok=false for a blank row, which the
// caller skips.
func (t *table) row(cells []string, line int) (r Row, ok bool, err error) {
	n := width(cells)
	if n == 0 {
		return Row{}, false, nil
	}
	if n > len(t.header) {
		return Row{}, false, t.fail(line, fmt.Errorf("has %d fields, header has %d", n, len(t.header)))
	}
	if err := t.check(cells[:n], line, func(i int) string { return t.header[i] }); err != nil {
		return Row{}, false, err
	}
	w := len(t.header)
	if len(cells) < w {
		cells = append(make([]string, 0, w), cells...)
	}
	return Row{Line: line, Cells: cells[:w:w]}, true, nil
}

// check applies the cell and row size limits; name gives the column name
// for messages.
func (t *table) check(cells []string, line int, name func(i int) string) error {
	total := 0
	for i, c := range cells {
		if len(c) > t.opt.MaxCellBytes {
			return t.fail(line, kindf(ErrLimit, "cell in column %q is %d bytes, over the %d-byte limit (MaxCellBytes)", name(i), len(c), t.opt.MaxCellBytes))
		}
		total += len(c)
	}
	if total > t.opt.MaxRowBytes {
		return t.fail(line, kindf(ErrLimit, "row is %d bytes, over the %d-byte limit (MaxRowBytes)", total, t.opt.MaxRowBytes))
	}
	return nil
}
