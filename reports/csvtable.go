package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/onboard/onboard/reports/outfile"
)

// csvTable streams rows to a CSV file with encoding/csv, which buffers
// its writes.
type csvTable struct {
	path   string
	out    *outfile.File
	w      *csv.Writer
	guard  bool // neutralize formula-like cells in every column
	buf    []string
	closed bool
}

func newCSVTable(path string, header []string, comma rune, guard, bom bool) (*csvTable, error) {
	out, w, err := createCSV(path, comma)
	if err != nil {
		return nil, err
	}
	if bom {
		if err := writeBOM(path, out); err != nil {
			return nil, err
		}
	}
	t := &csvTable{path: path, out: out, w: w, guard: guard}
	if err := t.row(header, nil); err != nil {
		out.Abort()
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

func (t *csvTable) abort() {
	t.closed = true
	t.out.Abort()
}

// createCSV starts writing path (atomically, mode 0600: see outfile) and
// returns a csv.Writer on it with the given delimiter (0 means a comma).
func createCSV(path string, comma rune) (*outfile.File, *csv.Writer, error) {
	if comma == 0 {
		comma = ','
	}
	if comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, nil, fmt.Errorf("%s: invalid CSV delimiter %q", path, comma)
	}
	out, err := outfile.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w := csv.NewWriter(out)
	w.Comma = comma
	return out, w, nil
}

// utf8BOM starts the CSV reports and results: Excel on Windows reads a
// CSV without it as the local code page ("StÃ©phane"). Our own reader and
// most tools skip it; --no-bom leaves it out for those that do not.
const utf8BOM = "\ufeff"

// writeBOM writes the BOM before anything else; on an error the output is
// dropped.
func writeBOM(path string, out *outfile.File) error {
	if _, err := io.WriteString(out, utf8BOM); err != nil {
		out.Abort()
		return wrapPath(path, err)
	}
	return nil
}

// finishCSV flushes w and puts out in place, returning the first error;
// on an error nothing is put in place.
func finishCSV(path string, out *outfile.File, w *csv.Writer) error {
	w.Flush()
	if err := w.Error(); err != nil {
		out.Abort()
		return wrapPath(path, err)
	}
	return out.Close() // names path itself
}

// wrapPath prefixes err with path unless it names it already.
func wrapPath(path string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), path+":") {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
