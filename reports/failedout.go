package reports

import (
	"path/filepath"
	"strings"

	"github.com/onboard/onboard/batch"
)

// FailedOutOptions describe the input file the failed-out file mirrors.
type FailedOutOptions struct {
	// Delimiter is the input's CSV delimiter; 0 means a comma (a tab for
	// a .tsv path).
	Delimiter rune
}

// errorColumn is the column that says what is wrong with a row.
const errorColumn = "error"

// NewFailedOut returns a sink that writes only the rows still to do
// (invalid, failed, not_attempted) in the input's own columns and format,
// plus an "error" column such as
// "MISSING_REQUIRED email: required; INVALID_ENUM role: must be one of ...",
// so the admin can fix them and run that file again. When the header has
// an "error" column already (a failed-out file being run again), that
// column is overwritten rather than a second one added.
//
// The format comes from path: .xlsx, or CSV for .csv, .tsv and .txt.
// Roster cells are written as they were read, without the formula guard,
// so the file runs again unchanged; secret cells stay masked, so a row
// whose password was masked needs it typed in again.
func NewFailedOut(path string, header []string, opts FailedOutOptions) (batch.Sink, error) {
	f, err := formatOf(path, ".tsv", ".txt")
	if err != nil {
		return nil, err
	}
	comma := opts.Delimiter
	if comma == 0 && strings.EqualFold(filepath.Ext(path), ".tsv") {
		comma = '\t'
	}
	fo := &failedOut{mask: newMasker(header), errCol: -1, guard: f == csvFormat}
	cols := append([]string(nil), header...)
	for i, h := range header {
		if normalizeHeader(h) == errorColumn {
			fo.errCol = i
			break
		}
	}
	if fo.errCol < 0 {
		fo.errCol = len(cols)
		cols = append(cols, errorColumn)
	}
	t, err := openTable(path, f, xlsxLayout{sheet: "Failed", header: cols}, comma, false)
	if err != nil {
		return nil, err
	}
	return &tableSink{path: path, t: t, rows: fo.rows}, nil
}

type failedOut struct {
	mask   masker
	errCol int
	guard  bool // CSV: guard the error text, which comes from us and vendors
	tones  []tone
}

func (fo *failedOut) rows(o *batch.Outcome, emit emitFunc) error {
	// An unknown row is never one to send again by hand: the person may
	// exist, and the next run settles it by lookup.
	if succeeded(o.Status) || o.Status == batch.Unknown {
		return nil
	}
	cells := fo.mask.cells(o.Cells)
	if fo.errCol == len(cells) {
		cells = append(cells, "")
	}
	msg := problemText(o)
	if fo.guard {
		msg = guardFormula(msg)
	}
	cells[fo.errCol] = msg
	fo.tones = append(fo.tones[:0], make([]tone, len(cells))...)
	fo.tones[fo.errCol] = toneBad
	return emit(cells, fo.tones)
}

// problemText is one line naming every problem: "CODE field: message",
// joined with "; ". Without problems it is the status, so a not_attempted
// row still says why it is there. The note follows in brackets.
func problemText(o *batch.Outcome) string {
	parts := make([]string, 0, len(o.Problems))
	for _, p := range o.Problems {
		s := strings.TrimSpace(p.Code + " " + p.Field)
		switch {
		case p.Message == "":
		case s == "":
			s = p.Message
		default:
			s += ": " + p.Message
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		parts = append(parts, string(o.Status))
	}
	return withNote(strings.Join(parts, "; "), o.Note)
}
