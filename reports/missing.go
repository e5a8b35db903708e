package reports

import (
	"cmp"
	"encoding/csv"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/reports/outfile"
)

// missingSheet lists the people the state store knows for the run's
// provider and tenant whom the file does not hold.
const missingSheet = "Missing"

var missingColumns = []string{"key", "vendor_id", "identity", "created_by_run", "first_seen", "last_seen"}

// missingNone is the one row of an empty Missing sheet or file, so that
// "nobody is missing" is not mistaken for "not checked".
const missingNone = "(nobody newly missing: every person the state store knows for this provider is in this file or was listed by an earlier run and is counted as still missing)"

func missingCells(p batch.MissingPerson) []string {
	return []string{p.Key, p.VendorID, p.Identity, strconv.FormatInt(p.CreatedRun, 10),
		p.FirstSeen.Format(time.RFC3339), p.LastSeen.Format(time.RFC3339)}
}

// MissingPath is where CSV results at path list the missing people:
// "results.csv" → "results-missing.csv".
func MissingPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-missing" + ext
}

// resultsXLSXSink is the XLSX results sink: its rows, and a Missing sheet.
type resultsXLSXSink struct {
	*tableSink
	t *xlsxTable
}

// WriteMissing adds the Missing sheet. excelize streams it (rows spill to
// a temp file, not memory); the workbook copies it in at Close.
func (s *resultsXLSXSink) WriteMissing(list func(fn func(batch.MissingPerson) error) (int, error)) error {
	if s.t.closed {
		return errors.New("report already closed")
	}
	f := s.t.f
	if _, err := f.NewSheet(missingSheet); err != nil {
		return wrapPath(s.path, err)
	}
	sw, err := f.NewStreamWriter(missingSheet)
	if err != nil {
		return wrapPath(s.path, err)
	}
	for i, w := range []float64{36, 40, 16, 14, 26, 26} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return wrapPath(s.path, err)
		}
	}
	if err := sw.SetPanes(frozenHeader()); err != nil {
		return wrapPath(s.path, err)
	}
	row := 1
	put := func(cells []string, style int) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = excelize.Cell{StyleID: style, Value: c}
		}
		ref, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		return sw.SetRow(ref, vals)
	}
	if err := put(missingColumns, s.t.head); err != nil {
		return wrapPath(s.path, err)
	}
	n, err := list(func(p batch.MissingPerson) error { return put(missingCells(p), 0) })
	if err == nil && n == 0 {
		err = put([]string{missingNone}, 0)
	}
	if err != nil {
		return wrapPath(s.path, err)
	}
	return wrapPath(s.path, sw.Flush())
}

// missingCSV is the -missing.csv beside CSV results: opened by
// WriteMissing, put in place with the results at Close.
type missingCSV struct {
	path string
	out  *outfile.File
	w    *csv.Writer
}

// WriteMissing writes the -missing.csv file; it is put in place when the
// results are.
func (r *resultsCSV) WriteMissing(list func(fn func(batch.MissingPerson) error) (int, error)) error {
	if r.t.closed || r.missing != nil {
		return errors.New("report already closed")
	}
	m := &missingCSV{path: MissingPath(r.path)}
	var err error
	if m.out, m.w, err = createCSV(m.path, r.comma); err != nil {
		return err
	}
	r.missing = m
	if r.bom {
		if err := writeBOM(m.path, m.out); err != nil {
			r.missing = nil
			return err
		}
	}
	write := func(cells []string) error {
		guardAll(cells)
		return m.w.Write(cells)
	}
	if err := write(append([]string(nil), missingColumns...)); err != nil {
		return wrapPath(m.path, err)
	}
	n, err := list(func(p batch.MissingPerson) error { return write(missingCells(p)) })
	if err == nil && n == 0 {
		// A full row: tools reading the file expect every line's width.
		err = write(append([]string{missingNone}, make([]string, len(missingColumns)-1)...))
	}
	return wrapPath(m.path, err)
}

// finish puts the file in place; nil-safe.
func (m *missingCSV) finish() error {
	if m == nil {
		return nil
	}
	return finishCSV(m.path, m.out, m.w)
}

// abort drops the file; nil-safe.
func (m *missingCSV) abort() {
	if m != nil {
		m.out.Abort()
	}
}

// WriteMissingCSV writes a missing list on its own (watch's end-of-night
// list over the night's whole drop): the columns of the results' Missing
// list, a BOM unless noBOM, put in place atomically. It returns how many
// people it lists.
// none, when set, replaces the "nobody" row of an empty list.
func WriteMissingCSV(path string, noBOM bool, list func(fn func(batch.MissingPerson) error) (int, error), none ...string) (int, error) {
	out, w, err := createCSV(path, ',')
	if err != nil {
		return 0, err
	}
	if !noBOM {
		if err := writeBOM(path, out); err != nil {
			return 0, err
		}
	}
	write := func(cells []string) error {
		guardAll(cells)
		return w.Write(cells)
	}
	if err := write(append([]string(nil), missingColumns...)); err != nil {
		out.Abort()
		return 0, wrapPath(path, err)
	}
	n, err := list(func(p batch.MissingPerson) error { return write(missingCells(p)) })
	if err == nil && n == 0 {
		err = write(append([]string{cmp.Or(append(none, missingNone)...)}, make([]string, len(missingColumns)-1)...))
	}
	if err != nil {
		out.Abort()
		return n, wrapPath(path, err)
	}
	return n, finishCSV(path, out, w)
}
