package reports

import (
	"fmt"
	"strings"

	"github.com/onboard/onboard/batch"
)

// emitFunc writes one row to a table.
type emitFunc func(cells []string, tones []tone) error

// tableSink adapts a table to batch.Sink. rows turns one outcome into the
// rows to write (none, one, or one per problem); sections builds the
// Summary sheet (nil for none).
type tableSink struct {
	path     string
	t        table
	rows     func(o *batch.Outcome, emit emitFunc) error
	sections func(*batch.Summary) []section
	// o and emit are kept so that Write allocates nothing per row: a
	// parameter whose address goes to a func value, and a method value
	// made per call, would each escape to the heap.
	o    batch.Outcome
	emit emitFunc
}

func (s *tableSink) Write(o batch.Outcome) error {
	if s.emit == nil {
		s.emit = s.t.row
	}
	s.o = o
	err := s.rows(&s.o, s.emit)
	s.o = batch.Outcome{} // hold no row's cells after it is written
	if err != nil {
		if strings.HasPrefix(err.Error(), s.path+":") {
			return err // a write error of the file itself (a full disk): it names the file
		}
		return fmt.Errorf("%s: row %d: %w", s.path, o.Line, err)
	}
	return nil
}

func (s *tableSink) Close(sum *batch.Summary) error {
	var sec []section
	if s.sections != nil {
		sec = s.sections(sum)
	}
	return s.t.close(sec)
}

// Abort drops the output: the previous file (or none) stays. A command
// aborts its outputs when it fails before the run.
func (s *tableSink) Abort() { s.t.abort() }

// Abort drops sink's output when it can (every sink of this package can):
// nothing is put in place.
func Abort(sink batch.Sink) {
	if a, ok := sink.(interface{ Abort() }); ok {
		a.Abort()
	}
}

// openTable opens an XLSX or CSV table with layout l. comma is the CSV
// delimiter; guard turns on the CSV formula guard for every cell.
func openTable(path string, f format, l xlsxLayout, comma rune, guard bool) (table, error) {
	if f == xlsxFormat {
		return newXLSXTable(path, l)
	}
	return newCSVTable(path, l.header, comma, guard, l.bom)
}

// statusTone is the colour of a status cell.
func statusTone(s batch.Status) tone {
	switch s {
	case batch.Created, batch.Valid, batch.Adopted, batch.Updated:
		return toneCreated
	case batch.Skipped:
		return toneSkipped
	case batch.Unknown:
		return toneNotAttempted
	case batch.Invalid:
		return toneInvalid
	case batch.Failed, batch.Conflict:
		return toneFailed
	case batch.NotAttempted:
		return toneNotAttempted
	}
	return plain
}

// succeeded reports whether a row needs nothing more.
func succeeded(s batch.Status) bool {
	return s == batch.Created || s == batch.Skipped || s == batch.Valid || s == batch.Adopted || s == batch.Updated
}

// withNote adds an outcome's note to a message: in brackets after it, or
// alone when the message is empty.
func withNote(msg, note string) string {
	switch {
	case note == "":
		return msg
	case msg == "":
		return note
	}
	return msg + " [" + note + "]"
}

// widths returns the fixed columns' widths followed by widths made from
// the roster header.
func widths(fixed []float64, header []string) []float64 {
	out := append([]float64(nil), fixed...)
	for _, h := range header {
		out = append(out, headerWidth(h))
	}
	return out
}
