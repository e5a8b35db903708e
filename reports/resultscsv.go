package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"

	"github.com/gocarina/gocsv"
	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/reports/outfile"
)

// resultsCSV writes the results CSV: gocsv marshals the fixed columns from
// resultRecord's tags, one record at a time so nothing accumulates, and
// rowJoiner appends the roster's own columns before the line is written.
type resultsCSV struct {
	path   string
	out    *outfile.File
	j      rowJoiner
	one    [1]resultRecord // gocsv marshals slices; this one is reused
	mask   masker
	closed bool
	bom    bool
	comma  rune // the missing list's too
	// missing is the -missing.csv, once WriteMissing opened it.
	missing *missingCSV
}

func newResultsCSV(path string, header []string, bom bool, comma rune) (*resultsCSV, error) {
	if comma == 0 {
		comma = ','
	}
	out, w, err := createCSV(path, comma)
	if err != nil {
		return nil, err
	}
	if bom {
		if err := writeBOM(path, out); err != nil {
			return nil, err
		}
	}
	r := &resultsCSV{path: path, out: out, j: rowJoiner{w: w}, mask: newMasker(header), bom: bom, comma: comma}
	r.j.extra = append(r.j.extra, header...)
	guardAll(r.j.extra)
	// The header line: gocsv's names (resultRecord's tags), renamed where
	// the roster has a column of the same name.
	r.j.rename = ownColumns(resultColumns, header)
	if err := gocsv.MarshalCSV(&[]resultRecord{}, &r.j); err != nil {
		out.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func (r *resultsCSV) Write(o batch.Outcome) error {
	if r.closed {
		return errors.New("report already closed")
	}
	r.one[0] = newResultRecord(&o)
	r.j.extra = r.mask.cells(o.Cells)
	guardAll(r.j.extra)
	if err := gocsv.MarshalCSVWithoutHeaders(r.one[:], &r.j); err != nil {
		return wrapPath(r.path, fmt.Errorf("row %d: %w", o.Line, err))
	}
	return nil
}

// Close finishes the file; the CSV has no room for the summary.
func (r *resultsCSV) Close(sum *batch.Summary) error {
	if r.closed {
		return nil
	}
	r.closed = true
	if err := finishCSV(r.path, r.out, r.j.w); err != nil {
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
	r.closed = true
	r.out.Abort()
	r.missing.abort()
}

// rowJoiner is the gocsv.CSVWriter gocsv writes to: it appends extra (the
// roster cells) to each line gocsv made and passes it to the csv.Writer.
// Its Flush does nothing, because gocsv flushes after every call and we
// call it once per row; finishCSV flushes at the end.
type rowJoiner struct {
	w     *csv.Writer
	extra []string
	buf   []string
	// rename, when set, replaces the next row's own cells (the header's
	// names) and is cleared.
	rename []string
}

func (j *rowJoiner) Write(row []string) error {
	if j.rename != nil && len(j.rename) == len(row) {
		row, j.rename = j.rename, nil
	}
	j.buf = append(append(j.buf[:0], row...), j.extra...)
	return j.w.Write(j.buf)
}

func (j *rowJoiner) Flush() {}

func (j *rowJoiner) Error() error { return j.w.Error() }

var _ gocsv.CSVWriter = (*rowJoiner)(nil)
