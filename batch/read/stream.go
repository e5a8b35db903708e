package read

import (
	"fmt"
	"io"
)

// headerWindow is how many non-blank rows at the top of a file are looked
// at for the header; lookAhead is how many data rows after it decide the
// table's width (a column that holds values there but has no name).
const (
	headerWindow = 20
	lookAhead    = 20
)

// stream is the Reader plumbing both formats share: it finds the header,
// reads a few data rows ahead (so Open can fail on a file without one, and
// columns without a name are known before the header is), skips blank
// rows and keeps the first error.
type stream struct {
	t table
	// src returns the next raw row and its line, io.EOF at the end, or a
	// *Error.
	src func() (cells []string, line int, err error)
	// formulas, when set, gives the columns of the row src returned last
	// that hold a formula with no saved result.
	formulas func() []int
	// mergedAt, when set, gives the cells of a row (by line, within the
	// header's width) that a merged range covers.
	mergedAt func(line, width int) []Merged
	// rows, when set, gives the shaped rows after start (blank rows
	// skipped) in place of src and t.row: the CSV block path shapes them
	// on its parsing goroutines.
	rows       func() (Row, error)
	pending    []Row
	err        error // returned once pending is drained
	headerLine int
}

type rawRow struct {
	cells    []string
	line     int
	formulas []int
}

// lastFormulas copies what formulas says about the last row.
func (s *stream) lastFormulas() []int {
	if s.formulas == nil {
		return nil
	}
	if f := s.formulas(); len(f) > 0 {
		return append([]int(nil), f...)
	}
	return nil
}

// start reads the header and the first data rows; empty and noRows are
// the errors for a file without them.
func (s *stream) start(empty, noRows error) error {
	var window []rawRow
	// read appends the next non-blank row to window; false at the end or
	// on an error, which is kept in s.err.
	read := func() bool {
		for s.err == nil {
			cells, line, err := s.src()
			if err != nil {
				s.err = err
				return false
			}
			if want := s.t.opt.HeaderRow; want > 0 && s.headerLine == 0 && line < want {
				continue // above the stated header
			}
			if width(cells) > 0 {
				window = append(window, rawRow{cells, line, s.lastFormulas()})
				return true
			}
		}
		return false
	}
	var head rawRow
	if want := s.t.opt.HeaderRow; want > 0 {
		if !read() {
			return s.startErr(s.t.fail(want, fmt.Errorf("no header in row %d (header row): the file ends before it", want)))
		}
		if window[0].line != want {
			return s.t.fail(want, fmt.Errorf("row %d (header row) is blank; the first row with values is %d", want, window[0].line))
		}
		head, window = window[0], window[1:]
	} else {
		for len(window) < headerWindow && read() {
		}
		if len(window) == 0 {
			return s.startErr(s.t.fail(0, empty))
		}
		h := pickHeader(window, s.t.opt.Expect)
		head, window = window[h], window[h+1:]
	}
	s.headerLine = head.line
	for len(window) < lookAhead && read() {
	}
	// Columns are the header's, and any column that holds values in the
	// rows read ahead (within the header row's own cells for CSV, where a
	// stray delimiter would shift every cell after it).
	n := width(head.cells)
	for _, r := range window {
		w := width(r.cells)
		if s.t.span {
			w = min(w, len(head.cells))
		}
		if w > s.t.opt.MaxColumns {
			// A cell far to the right (XFD2) is not a column of the
			// table: its row says it holds a value outside it.
			continue
		}
		n = max(n, w)
	}
	if err := s.t.setHeader(head.cells, n, head.line); err != nil {
		return err
	}
	for _, raw := range window {
		row, _, err := s.t.row(raw.cells, raw.line, raw.formulas)
		if err != nil {
			s.err = err
			break
		}
		s.pending = append(s.pending, s.withMerged(row))
	}
	if len(s.pending) == 0 {
		if s.err == io.EOF || s.err == nil {
			return s.t.fail(0, noRows)
		}
		return s.err
	}
	return nil
}

// startErr is err, or the reader's own error when it stopped early.
func (s *stream) startErr(err error) error {
	if s.err != nil && s.err != io.EOF {
		return s.err
	}
	return err
}

// pickHeader chooses the header among the first non-blank rows: the row
// naming the most expected columns, the first on a tie. A row with a
// single value (a title, a note, Entra's "version:v1.0") is not a header
// when a row with more values follows.
func pickHeader(rows []rawRow, expect func(string) bool) int {
	multi := false
	for _, r := range rows {
		multi = multi || filled(r.cells) >= 2
	}
	best, bestScore := 0, -1
	for i, r := range rows {
		if multi && filled(r.cells) < 2 {
			continue
		}
		score := 0
		if expect != nil {
			for _, c := range r.cells {
				if name := headerName(c); name != "" && expect(name) {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// Header returns the column names, trimmed, with "Column N" for blanks.
func (s *stream) Header() []string { return append([]string(nil), s.t.header...) }

// HeaderRow is the row the header was read from, as a spreadsheet numbers it.
func (s *stream) HeaderRow() int { return s.headerLine }

// Warnings lists what the reader noticed about the header but read anyway.
func (s *stream) Warnings() []string { return s.t.warnings }

// Read returns the next data row; blank rows are skipped.
func (s *stream) Read() (Row, error) {
	if len(s.pending) > 0 {
		row := s.pending[0]
		s.pending = s.pending[1:]
		return row, nil
	}
	if s.err != nil {
		return Row{}, s.err
	}
	row, err := s.next()
	if err != nil {
		s.err = err
	}
	return row, err
}

func (s *stream) next() (Row, error) {
	if s.rows != nil {
		return s.rows()
	}
	for {
		cells, line, err := s.src()
		if err != nil {
			return Row{}, err
		}
		row, ok, err := s.t.row(cells, line, s.lastFormulas())
		if err != nil || ok {
			return s.withMerged(row), err
		}
	}
}

// withMerged notes the row's cells that a merged range covers.
func (s *stream) withMerged(row Row) Row {
	if s.mergedAt != nil && row.Line > 0 {
		row.Merged = s.mergedAt(row.Line, len(s.t.header))
	}
	return row
}
