package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"
)

// csvTable streams rows to a CSV file with encoding/csv, which buffers
// its writes.
type csvTable struct {
	path   string
	out    *os.File
	w      *csv.Writer
	guard  bool // neutralize formula-like cells in every column
	buf    []string
	closed bool
}

func newCSVTable(path string, header []string, comma rune, guard bool) (*csvTable, error) {
	out, w, err := createCSV(path, comma)
	if err != nil {
		return nil, err
	}
	t := &csvTable{path: path, out: out, w: w, guard: guard}
	if err := t.row(header, nil); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func (t *csvTable) row(cells []string, _ []tone) error {
	if t.closed {
		return errors.New("report already closed")
	}
	t.buf = append(t.buf[:0], cells...)
	if t.guard {
		guardAll(t.buf)
	}
	return t.w.Write(t.buf)
}

func (t *csvTable) close([]section) error {
	if t.closed {
		return nil
	}
	t.closed = true
	return finishCSV(t.path, t.out, t.w)
}

// createCSV creates path and a csv.Writer on it with the given delimiter
// (0 means a comma).
func createCSV(path string, comma rune) (*os.File, *csv.Writer, error) {
	if comma == 0 {
		comma = ','
	}
	if comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, nil, fmt.Errorf("%s: invalid CSV delimiter %q", path, comma)
	}
	out, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w := csv.NewWriter(out)
	w.Comma = comma
	return out, w, nil
}

// finishCSV flushes w and closes out, returning the first error.
func finishCSV(path string, out *os.File, w *csv.Writer) error {
	w.Flush()
	err := w.Error()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
