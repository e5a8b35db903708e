package reports

import (
	"strconv"
	"strings"

	"github.com/onboard/onboard/batch"
)

// resultColumns come before the roster's own columns in the results
// sheet. resultRecord's csv tags spell the same names (a test checks it).
var resultColumns = []string{"row", "status", "id", "error_code", "field", "message", "vendor_status", "vendor_code", "attempts"}

// resultRecord is the fixed part of one results row. resultsCSV encodes
// it for CSV (what gocsv makes of its tags and MarshalCSV methods is the
// reference its test holds it to); appendCells lists it for XLSX.
type resultRecord struct {
	Row          int       `csv:"row"`
	Status       csvText   `csv:"status"`
	ID           csvText   `csv:"id"`
	ErrorCode    csvText   `csv:"error_code"`
	Field        csvText   `csv:"field"`
	Message      csvText   `csv:"message"`
	VendorStatus blankZero `csv:"vendor_status"`
	VendorCode   csvText   `csv:"vendor_code"`
	Attempts     int       `csv:"attempts"`
}

// csvText is a string written formula-guarded.
type csvText string

// MarshalCSV implements gocsv.TypeMarshaller.
func (t csvText) MarshalCSV() (string, error) { return guardFormula(string(t)), nil }

// blankZero is a number written empty when zero: vendor_status is 0 when
// no HTTP answer came.
type blankZero int

// MarshalCSV implements gocsv.TypeMarshaller.
func (n blankZero) MarshalCSV() (string, error) { return n.String(), nil }

func (n blankZero) String() string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(int(n))
}

// newResultRecord flattens an outcome into one row. Several problems are
// joined with "; " in each column, in order; when there are several, each
// message is prefixed with its field so it can be told apart. The note
// follows the message in brackets (or is the message when there is none).
func newResultRecord(o *batch.Outcome) resultRecord {
	rec := resultRecord{
		Row:          o.Line,
		Status:       csvText(o.Status),
		ID:           csvText(o.ID),
		VendorStatus: blankZero(o.VendorStatus),
		VendorCode:   csvText(o.VendorCode),
		Attempts:     o.Attempts,
	}
	if len(o.Problems) <= 1 && len(o.Warnings) == 0 {
		// Most rows: nothing to join, so no slices to build.
		msg := ""
		if len(o.Problems) == 1 {
			p := &o.Problems[0]
			rec.ErrorCode, rec.Field, msg = csvText(p.Code), csvText(p.Field), p.Message
		}
		rec.Message = csvText(withNote(msg, o.Note))
		return rec
	}
	var codes, fields, msgs []string
	for _, p := range o.Problems {
		if p.Code != "" {
			codes = append(codes, p.Code)
		}
		if p.Field != "" {
			fields = append(fields, p.Field)
		}
		m := p.Message
		if len(o.Problems) > 1 && p.Field != "" && m != "" {
			m = p.Field + ": " + m
		}
		if m != "" {
			msgs = append(msgs, m)
		}
	}
	// Warnings follow in the message column only: the row's codes stay
	// those of its status.
	for _, w := range o.Warnings {
		msgs = append(msgs, warningText(w))
	}
	rec.ErrorCode = csvText(strings.Join(codes, "; "))
	rec.Field = csvText(strings.Join(fields, "; "))
	rec.Message = csvText(withNote(strings.Join(msgs, "; "), o.Note))
	return rec
}

// appendCells appends the record's cells, unguarded, in resultColumns order.
func (r *resultRecord) appendCells(dst []string) []string {
	return append(dst, strconv.Itoa(r.Row), string(r.Status), string(r.ID), string(r.ErrorCode),
		string(r.Field), string(r.Message), r.VendorStatus.String(), string(r.VendorCode), strconv.Itoa(r.Attempts))
}

// ResultsOptions tune the results sheet.
type ResultsOptions struct {
	NoBOM bool // CSV: no UTF-8 BOM, for tools that choke on one
	// Delimiter is the CSV's (0: ','): the input's, so a spreadsheet set
	// for ';' (continental Excel) opens the results in columns too.
	Delimiter rune
}

// NewResults returns the run's results sheet written to path: XLSX or CSV
// by its extension. One row per roster row, in roster order: row, status,
// id, error_code, field, message, vendor_status, vendor_code, attempts,
// then the roster's own columns.
//
// XLSX has a bold frozen header, an autofilter, the status cell coloured
// and a Summary sheet. CSV has every text cell formula-guarded, and the
// rows only; cmd prints SummaryLine instead.
//
// A CSV starts with a UTF-8 BOM unless opts says NoBOM. At most one opts
// is used.
func NewResults(path string, header []string, opts ...ResultsOptions) (batch.Sink, error) {
	f, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	var opt ResultsOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	if f == csvFormat {
		return newResultsCSV(path, header, !opt.NoBOM, opt.Delimiter)
	}
	l := xlsxLayout{
		sheet:      "Results",
		header:     append(ownColumns(resultColumns, header), header...),
		widths:     widths([]float64{8, 14, 24, 20, 18, 50, 14, 14, 10}, header),
		numeric:    []bool{0: true, 6: true, 8: true},
		freezeCols: 2, title: "onboard results",
	}
	t, err := newXLSXTable(path, l)
	if err != nil {
		return nil, err
	}
	r := &resultsXLSX{mask: newMasker(header)}
	return &resultsXLSXSink{tableSink: &tableSink{path: path, t: t, rows: r.rows, sections: resultsSections}, t: t}, nil
}

type resultsXLSX struct {
	mask  masker
	cells []string
	tones []tone
}

func (r *resultsXLSX) rows(o *batch.Outcome, emit emitFunc) error {
	rec := newResultRecord(o)
	r.cells = rec.appendCells(r.cells[:0])
	for i := range r.mask.width {
		r.cells = append(r.cells, r.mask.cell(o.Cells, i))
	}
	r.tones = append(r.tones[:0], make([]tone, len(r.cells))...)
	r.tones[1] = statusTone(o.Status)
	return emit(r.cells, r.tones)
}
