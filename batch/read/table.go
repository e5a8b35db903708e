package read

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// table turns the raw cells of either format into the header and rows: it
// enforces the limits, pads short rows and marks values beyond the header,
// so both readers behave the same.
type table struct {
	file   string
	sheet  string // XLSX: the sheet read, named in every error
	opt    Options
	header []string
	// label names column i (0-based) the way the format shows it: "7" for
	// CSV, "G" for XLSX.
	label func(i int) string
	// span: a row is as wide as its cells, delimiters included (CSV), so
	// the header row's own width bounds the columns; XLSX has no such
	// bound.
	span     bool
	warnings []string
}

// csvLabel numbers columns from 1.
func csvLabel(i int) string { return strconv.Itoa(i + 1) }

func (t *table) fail(line int, err error) *Error {
	return &Error{File: t.file, Sheet: t.sheet, Line: line, Err: err}
}

func (t *table) warnf(format string, a ...any) {
	t.warnings = append(t.warnings, fmt.Sprintf(format, a...))
}

// isBlank reports a cell with nothing but white space.
func isBlank(s string) bool {
	if s == "" || s[0] > ' ' && s[0] < utf8.RuneSelf {
		return s == ""
	}
	return strings.TrimSpace(s) == ""
}

// width returns one past the last non-blank cell: 0 for a blank row.
func width(cells []string) int {
	n := len(cells)
	for n > 0 && isBlank(cells[n-1]) {
		n--
	}
	return n
}

// filled counts the non-blank cells.
func filled(cells []string) int {
	n := 0
	for _, c := range cells {
		if !isBlank(c) {
			n++
		}
	}
	return n
}

// headerName is a header cell as a column name.
func headerName(c string) string {
	return strings.TrimFunc(c, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
}

// setHeader makes the header from cells, n columns wide (cells may be
// shorter). Blank names become "Column N"; a repeated name becomes
// "Name (2)" unless Options.Expect wants it, when it is an error: the
// field could not tell which column to read.
func (t *table) setHeader(cells []string, n, line int) error {
	if n > t.opt.MaxColumns {
		named := width(cells[:min(len(cells), t.opt.MaxColumns)])
		if stray := filled(cells[min(len(cells), t.opt.MaxColumns):]); !t.span && named > 0 && stray == 1 {
			return t.fail(line, kindf(ErrLimit, "the header row has a value in %s%d, column %d, beyond the %d columns allowed (MaxColumns); its columns before that end at %s: if %s%d is a stray cell, delete it",
				t.label(n-1), line, n, t.opt.MaxColumns, t.label(named-1), t.label(n-1), line))
		}
		return t.fail(line, kindf(ErrLimit, "the header has %d columns, more than the %d allowed (MaxColumns)", n, t.opt.MaxColumns))
	}
	if len(cells) > n {
		cells = cells[:n]
	}
	if err := t.check(cells, line, func(i int) string { return "Column " + csvLabel(i) }); err != nil {
		return err
	}
	if i := nulCell(cells); i >= 0 {
		return t.fail(line, fmt.Errorf("the header's column %s holds a NUL character (byte 0): the file may be damaged there; delete it and save the file again", t.label(i)))
	}
	header := make([]string, n)
	seen := make(map[string]int, n)
	var unnamed, renamed, needed []string
	for i := range n {
		name := ""
		if i < len(cells) {
			name = headerName(cells[i])
		}
		if name == "" {
			name = "Column " + csvLabel(i)
			unnamed = append(unnamed, fmt.Sprintf("%s (%q)", t.label(i), name))
		}
		key := strings.ToLower(name)
		if j, dup := seen[key]; dup {
			if t.opt.Expect != nil && t.opt.Expect(name) {
				needed = append(needed, fmt.Sprintf("%q (columns %s and %s)", name, t.label(j), t.label(i)))
			}
			base := name
			for k := 2; ; k++ {
				name = fmt.Sprintf("%s (%d)", base, k)
				if _, taken := seen[strings.ToLower(name)]; !taken {
					break
				}
			}
			renamed = append(renamed, fmt.Sprintf("%s %q", t.label(i), name))
			key = strings.ToLower(name)
		}
		seen[key] = i
		header[i] = name
	}
	if len(needed) > 0 {
		return t.fail(line, fmt.Errorf("the header names a column that a field reads more than once: %s; rename or delete one of them", strings.Join(needed, ", ")))
	}
	if len(unnamed) > 0 {
		t.warnf("the header (row %d) has no name for column %s: values there are read under that name", line, list(unnamed))
	}
	if len(renamed) > 0 {
		t.warnf("the header (row %d) repeats column names; the repeats are read as %s", line, list(renamed))
	}
	t.header = header
	return nil
}

// list joins items for a message, eliding all but the first ten.
func list(items []string) string {
	const most = 10
	if len(items) > most {
		return strings.Join(items[:most], ", ") + fmt.Sprintf(" and %d more", len(items)-most)
	}
	return strings.Join(items, ", ")
}

// row shapes one data row, taking cells over: callers hand it a slice they
// will not touch again. It reports ok=false for a blank row, which the
// caller skips. Cells beyond the header that hold data make the row
// Malformed, not the file unreadable.
func (t *table) row(cells []string, line int, formulas []int) (r Row, ok bool, err error) {
	return t.shape(cells, line, formulas, true)
}

// shape is row; nul=false says no cell holds a NUL byte (the caller
// looked at all the cells' bytes at once).
func (t *table) shape(cells []string, line int, formulas []int, nul bool) (r Row, ok bool, err error) {
	// The raw field count is capped like the header's: a million empty
	// fields on one line would otherwise be held, row after row, in the
	// window between reader and results (gigabytes).
	// XLSX rows are at most 16,384 cells (Excel's limit), and a stray
	// cell far to the right is the row's own problem (beyond).
	if t.span && len(cells) > t.opt.MaxColumns {
		return Row{}, false, t.fail(line, kindf(ErrLimit, "row has %d fields, more than the %d allowed (MaxColumns)", len(cells), t.opt.MaxColumns))
	}
	n := width(cells)
	if n == 0 && len(formulas) == 0 {
		return Row{}, false, nil
	}
	if err := t.check(cells[:n], line, t.columnName); err != nil {
		return Row{}, false, err
	}
	w := len(t.header)
	r = Row{Line: line}
	if n > w {
		r.Malformed = t.beyond(cells[w:n], w, line)
	} else if nul {
		if i := nulCell(cells[:n]); i >= 0 {
			r.Malformed = fmt.Sprintf("the cell in column %q holds a NUL character (byte 0), which no roster value has: the file may be damaged there; delete it and save the file again", t.columnName(i))
		}
	}
	for _, c := range formulas {
		if c < w {
			r.Formulas = append(r.Formulas, Formula{Col: c, Cell: t.label(c) + strconv.Itoa(line)})
		}
	}
	if len(cells) < w {
		cells = append(make([]string, 0, w), cells...)
	}
	if cap(cells) > 2*w+8 {
		// Keep only the header's width: a slice of a wider row would keep
		// the whole row's array alive.
		cells = append(make([]string, 0, w), cells[:w]...)
	}
	r.Cells = cells[:w:w]
	return r, true, nil
}

// nulCell is the first cell holding a NUL byte, -1 when none does.
func nulCell(cells []string) int {
	for i, c := range cells {
		if strings.IndexByte(c, 0) >= 0 {
			return i
		}
	}
	return -1
}

// columnName names column i for messages.
func (t *table) columnName(i int) string {
	if i < len(t.header) {
		return t.header[i]
	}
	return "column " + t.label(i)
}

// beyond describes the data in cells, which start at column from, past the
// header's last column.
func (t *table) beyond(cells []string, from, line int) string {
	var parts []string
	for i, c := range cells {
		if isBlank(c) {
			continue
		}
		v := []rune(c)
		if len(v) > 40 {
			c = string(v[:40]) + "…"
		}
		where := "column " + t.label(from+i)
		if !t.span {
			where = t.label(from+i) + strconv.Itoa(line)
		}
		parts = append(parts, fmt.Sprintf("%s %q", where, c))
	}
	last := len(t.header) - 1
	col := t.label(last)
	if !t.span {
		return fmt.Sprintf("the row has values outside the table, which ends at column %s (%q, %d columns): %s; delete them, or move them into the table under a header",
			col, t.header[last], len(t.header), list(parts))
	}
	return fmt.Sprintf("the row has values beyond the last column (column %s, %q): %s; remove them, or look for a stray delimiter that shifts the cells",
		col, t.header[last], list(parts))
}

// check applies the cell and row size limits; name gives the column name
// for messages.
func (t *table) check(cells []string, line int, name func(i int) string) error {
	total := 0
	for i, c := range cells {
		if len(c) > t.opt.MaxCellBytes {
			return t.fail(line, kindf(ErrLimit, "cell in column %q is %d bytes, over the %d-byte limit for a cell; no roster value is that long: look for a pasted document or a quote that runs on", name(i), len(c), t.opt.MaxCellBytes))
		}
		total += len(c)
	}
	if total > t.opt.MaxRowBytes {
		return t.fail(line, kindf(ErrLimit, "row is %d bytes, over the %d-byte limit for a row", total, t.opt.MaxRowBytes))
	}
	return nil
}
