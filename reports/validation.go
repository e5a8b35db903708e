package reports

import (
	"strconv"
	"unicode/utf8"

	"github.com/onboard/onboard/batch"
)

// validationColumns come before the roster's own columns.
var validationColumns = []string{"row", "status", "error_code", "field", "message"}

// ValidationOptions tune the validation report.
type ValidationOptions struct {
	// FieldColumns maps a vendor field to the roster columns (0-based) it
	// was read from, so the XLSX report can highlight the failing cell. A
	// field without an entry is looked for in the header under its own
	// name (ignoring case, spaces, '_', '-' and '.').
	FieldColumns map[string][]int
	// NoBOM leaves the UTF-8 BOM out of a CSV report.
	NoBOM bool
	// Delimiter is a CSV report's (0: ','): the input's.
	Delimiter rune
}

// NewValidation returns the validate report written to path: XLSX or CSV
// by its extension. Columns are row, status, error_code, field, message,
// then the roster's own header. A valid row gives one line; an invalid row
// one line per problem, each repeating the roster cells.
//
// XLSX has a bold frozen header, an autofilter, the failing cells in red
// and a Summary sheet. CSV has the lines only, every cell formula-guarded;
// cmd prints SummaryLine instead. At most one opts is used.
func NewValidation(path string, header []string, opts ...ValidationOptions) (batch.Sink, error) {
	f, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	var opt ValidationOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	v := &validation{mask: newMasker(header), fieldCols: opt.FieldColumns, byName: map[string]int{}}
	for i, h := range header {
		if _, dup := v.byName[normalizeHeader(h)]; !dup {
			v.byName[normalizeHeader(h)] = i
		}
	}
	l := xlsxLayout{
		sheet:      "Validation",
		header:     append(ownColumns(validationColumns, header), header...),
		widths:     widths([]float64{8, 10, 20, 18, 50}, header),
		numeric:    []bool{true},
		bom:        !opt.NoBOM,
		freezeCols: 2, title: "onboard validation report",
	}
	comma := opt.Delimiter
	if comma == 0 {
		comma = ','
	}
	t, err := openTable(path, f, l, comma, true)
	if err != nil {
		return nil, err
	}
	sink := &tableSink{path: path, t: t, rows: v.rows, sections: validationSections}
	if c, ok := t.(*csvTable); ok {
		return newCSVValidation(sink, c, v.mask), nil
	}
	return sink, nil
}

// csvValidation is the CSV validation report as a batch.Encoder: the
// roster part of its lines (masked, formula-guarded, quoted), the same for
// every line of a row, is encoded by Encode on the dry run's workers, and
// Write puts the row's own columns in front of it.
type csvValidation struct {
	*tableSink
	csv  *csvTable
	mask masker
}

func newCSVValidation(sink *tableSink, t *csvTable, m masker) *csvValidation {
	return &csvValidation{tableSink: sink, csv: t, mask: m}
}

// Encode appends the roster cells as they follow the row's own columns,
// each with its delimiter first, padded or trimmed to the header's width.
func (s *csvValidation) Encode(dst []byte, cells []string) []byte {
	for i := range s.mask.width {
		dst = utf8.AppendRune(dst, s.csv.comma)
		dst = s.csv.appendField(dst, s.mask.cell(cells, i))
	}
	return dst
}

func (s *csvValidation) Write(o batch.Outcome) error {
	s.csv.tail = o.Encoded
	err := s.tableSink.Write(o)
	s.csv.tail = nil
	return err
}

type validation struct {
	mask      masker
	fieldCols map[string][]int
	byName    map[string]int // normalized header → first column
	cells     []string
	roster    []string
	tones     []tone
}

func (v *validation) rows(o *batch.Outcome, emit emitFunc) error {
	var roster []string
	if o.Encoded == nil { // else the table writes Encoded after the row's own columns
		v.roster = v.mask.into(v.roster, o.Cells)
		roster = v.roster
	}
	problems := o.Problems
	if len(o.Warnings) > 0 {
		problems = append(problems[:len(problems):len(problems)], o.Warnings...)
	}
	if len(problems) == 0 {
		problems = []batch.Problem{{}} // one line even without a problem
	}
	fixed := len(validationColumns)
	for i, p := range problems {
		note := ""
		if i == 0 {
			note = o.Note
		}
		warning := i >= len(o.Problems) && len(o.Warnings) > 0
		msg := p.Message
		if warning {
			msg = warningText(p)
		}
		v.cells = append(v.cells[:0], strconv.Itoa(o.Line), string(o.Status), p.Code, p.Field, withNote(msg, note))
		v.cells = append(v.cells, roster...)
		if o.Encoded != nil {
			if err := emit(v.cells, nil); err != nil {
				return err
			}
			continue
		}
		v.tones = append(v.tones[:0], make([]tone, len(v.cells))...)
		switch {
		case warning:
			// The warned cell stands out, yellow, whatever the status.
			v.tones[1] = statusTone(o.Status)
			for _, c := range v.columnsOf(p.Field) {
				v.tones[fixed+c] = toneNotAttempted
			}
		case succeeded(o.Status):
			v.tones[1] = statusTone(o.Status)
		default:
			for c := 1; c < fixed; c++ {
				v.tones[c] = toneBad
			}
			for _, c := range v.columnsOf(p.Field) {
				v.tones[fixed+c] = toneBad
			}
		}
		if err := emit(v.cells, v.tones); err != nil {
			return err
		}
	}
	return nil
}

// columnsOf returns the roster columns a field was read from.
func (v *validation) columnsOf(field string) []int {
	if field == "" {
		return nil
	}
	cols, ok := v.fieldCols[field]
	if !ok {
		if c, found := v.byName[normalizeHeader(field)]; found {
			cols = []int{c}
		}
	}
	var out []int
	for _, c := range cols {
		if c >= 0 && c < v.mask.width {
			out = append(out, c)
		}
	}
	return out
}

// warningText is a warning as the message column shows it.
func warningText(w batch.Problem) string {
	if w.Field != "" {
		return "warning: " + w.Field + " " + w.Message
	}
	return "warning: " + w.Message
}
