package reports

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/onboard/onboard/batch"
)

// resultsCSV writes the results CSV. Each line is encoded into one reused
// buffer (appendCSVField quotes exactly as encoding/csv does) from
// resultRecord's fields in resultColumns order, then the roster's own
// cells masked and formula-guarded: no reflection and no copy of the
// cells per row. gocsv used to marshal the fixed columns by their tags;
// TestResultsCSVMatchesGocsv holds the bytes to what it wrote.
type resultsCSV struct {
	path  string
	t     *csvTable // guard off: each column decides its own
	mask  masker
	bom   bool
	comma rune // the missing list's too
	// numQuoted: the delimiter is a digit or '-', which a number holds
	// (absurd, but the file must still read back).
	numQuoted bool
	// missing is the -missing.csv, once WriteMissing opened it.
	missing *missingCSV
}

func newResultsCSV(path string, header []string, bom bool, comma rune) (*resultsCSV, error) {
	if comma == 0 {
		comma = ','
	}
	t, err := openCSVTable(path, comma, false, bom)
	if err != nil {
		return nil, err
	}
	r := &resultsCSV{path: path, t: t, mask: newMasker(header), bom: bom, comma: comma,
		numQuoted: comma == '-' || ('0' <= comma && comma <= '9')}
	// The header line: resultColumns, renamed where the roster has a
	// column of the same name, then the roster's own names, guarded.
	b := t.line[:0]
	for i, c := range ownColumns(resultColumns, header) {
		if i > 0 {
			b = utf8.AppendRune(b, comma)
		}
		b = appendCSVField(b, c, comma, false)
	}
	for _, h := range header {
		b = utf8.AppendRune(b, comma)
		b = appendCSVField(b, h, comma, needsGuard(h))
	}
	b = append(b, '\n')
	t.line = b
	if err := t.writeLine(b); err != nil {
		t.abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func (r *resultsCSV) Write(o batch.Outcome) error {
	if r.t.closed {
		return errors.New("report already closed")
	}
	rec := newResultRecord(&o)
	b := r.appendRecord(r.t.line[:0], &rec)
	for i := range r.mask.width {
		c := r.mask.cell(o.Cells, i)
		b = utf8.AppendRune(b, r.comma)
		b = appendCSVField(b, c, r.comma, needsGuard(c))
	}
	b = append(b, '\n')
	r.t.line = b
	if err := r.t.writeLine(b); err != nil {
		return wrapPath(r.path, fmt.Errorf("row %d: %w", o.Line, err))
	}
	return nil
}

// appendRecord appends rec's cells in resultColumns order as gocsv wrote
// them: the text columns formula-guarded (csvText), the numbers as they
// are, vendor_status empty when zero.
func (r *resultsCSV) appendRecord(b []byte, rec *resultRecord) []byte {
	c := r.comma
	b = r.appendInt(b, rec.Row)
	for _, s := range [...]csvText{rec.Status, rec.ID, rec.ErrorCode, rec.Field, rec.Message} {
		b = utf8.AppendRune(b, c)
		b = appendCSVField(b, string(s), c, needsGuard(string(s)))
	}
	b = utf8.AppendRune(b, c)
	if rec.VendorStatus != 0 {
		b = r.appendInt(b, int(rec.VendorStatus))
	}
	b = utf8.AppendRune(b, c)
	b = appendCSVField(b, string(rec.VendorCode), c, needsGuard(string(rec.VendorCode)))
	b = utf8.AppendRune(b, c)
	return r.appendInt(b, rec.Attempts)
}

// appendInt appends n as a CSV field: digits need no quotes unless the
// delimiter is one of them.
func (r *resultsCSV) appendInt(b []byte, n int) []byte {
	if r.numQuoted {
		return appendCSVField(b, strconv.Itoa(n), r.comma, false)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// Close finishes the file; the CSV has no room for the summary.
func (r *resultsCSV) Close(sum *batch.Summary) error {
	if r.t.closed {
		return nil
	}
	if err := r.t.close(nil); err != nil {
		r.missing.abort()
		return err
	}
	if r.missing == nil && sum != nil && sum.MissingNote != "" {
		// An earlier run's list beside these results would read as
		// today's: it is replaced by the reason none was made.
		if _, err := os.Lstat(MissingPath(r.path)); err == nil {
			_, err := WriteMissingCSV(MissingPath(r.path), !r.bom, func(func(batch.MissingPerson) error) (int, error) {
				return 0, nil
			}, "("+sum.MissingNote+")")
			return err
		}
	}
	return r.missing.finish()
}

// Abort drops the file: the previous one (or none) stays.
func (r *resultsCSV) Abort() {
	r.t.abort()
	r.missing.abort()
}
