package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onboard/onboard/reports/outfile"
)

// csvTable streams rows to a CSV file. It encodes each line itself into
// one reused buffer (quoting exactly as encoding/csv does, the formula
// guard spliced in as it goes) and hands it to the output's 64 KiB
// buffer: no allocation per line, one copy, where encoding/csv plus a
// guarded copy of every row cost two copies and an allocation per
// guarded cell on the report's single ordered goroutine.
type csvTable struct {
	path   string
	out    *outfile.File
	comma  rune
	guard  bool         // neutralize formula-like cells in every column
	w      *asyncWriter // writes go out on a goroutine of their own
	line   []byte
	tail   []byte // already encoded cells for the next row to end with
	err    error
	closed bool
}

func newCSVTable(path string, header []string, comma rune, guard, bom bool) (*csvTable, error) {
	t, err := openCSVTable(path, comma, guard, bom)
	if err != nil {
		return nil, err
	}
	if err := t.row(header, nil); err != nil {
		t.abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// openCSVTable starts the file (and its BOM) without a header line: the
// caller writes its own first line.
func openCSVTable(path string, comma rune, guard, bom bool) (*csvTable, error) {
	out, w, err := createCSV(path, comma)
	if err != nil {
		return nil, err
	}
	if bom {
		if err := writeBOM(path, out); err != nil {
			return nil, err
		}
	}
	return &csvTable{path: path, out: out, comma: w.Comma, guard: guard, w: newAsyncWriter(out, bufSize, 4)}, nil
}

func (t *csvTable) row(cells []string, _ []tone) error {
	if t.closed {
		return errors.New("report already closed")
	}
	if t.err != nil {
		return t.err
	}
	b := t.line[:0]
	for i, c := range cells {
		if i > 0 {
			b = utf8.AppendRune(b, t.comma)
		}
		b = t.appendField(b, c)
	}
	b = append(b, t.tail...)
	b = append(b, '\n')
	t.line = b
	return t.writeLine(b)
}

// writeLine writes one encoded line, its '\n' included; b may be t.line.
func (t *csvTable) writeLine(b []byte) error {
	if t.err != nil {
		return t.err
	}
	_, t.err = t.w.Write(b)
	if cap(t.line) > 1<<20 {
		t.line = nil // one huge row does not keep its buffer
	}
	return t.err
}

// appendField appends one cell as this table writes it: quoted as
// encoding/csv would, formula-guarded when the table guards. Safe for
// concurrent use.
func (t *csvTable) appendField(b []byte, c string) []byte {
	return appendCSVField(b, c, t.comma, t.guard && needsGuard(c))
}

// appendCSVField appends one field as encoding/csv's Writer writes it,
// prefixed with the formula guard's quote when guard is set.
func appendCSVField(b []byte, s string, comma rune, guard bool) []byte {
	quote := false
	switch {
	case s == "":
	case guard:
		// The guard's ' comes first, so a leading space no longer counts;
		// it is the delimiter itself when the file is '-separated.
		quote = comma == '\'' || hasCSVSpecial(s, comma)
	default:
		quote = s == `\.` || hasCSVSpecial(s, comma)
		if c := s[0]; !quote && c < utf8.RuneSelf {
			// unicode.IsSpace of an ASCII byte, without decoding a rune
			// (every field of every results row starts here).
			quote = c == ' ' || '\t' <= c && c <= '\r'
		} else if !quote {
			r, _ := utf8.DecodeRuneInString(s)
			quote = unicode.IsSpace(r)
		}
	}
	if !quote {
		if guard {
			b = append(b, '\'')
		}
		return append(b, s...)
	}
	b = append(b, '"')
	if guard {
		b = append(b, '\'')
	}
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// hasCSVSpecial reports whether s holds the delimiter, a quote or a line
// break, which make encoding/csv quote a field.
func hasCSVSpecial(s string, comma rune) bool {
	if comma < utf8.RuneSelf {
		// Eight bytes a step (emails, IDs and messages are longer than
		// a word and hold none of the four): a byte of x equal to one
		// leaves a zero byte after the xor, which hasZero finds.
		cm := uint64(comma) * ones
		for len(s) >= 8 {
			x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
				uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
			if hasZero(x^(ones*'"'))|hasZero(x^(ones*'\r'))|hasZero(x^(ones*'\n'))|hasZero(x^cm) != 0 {
				return true
			}
			s = s[8:]
		}
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '"', '\r', '\n', byte(comma):
				return true
			}
		}
		return false
	}
	return strings.ContainsRune(s, comma) || strings.ContainsAny(s, "\"\r\n")
}

// ones has 1 in every byte.
const ones = 0x0101010101010101

// hasZero is not 0 when a byte of x is 0 (the classic test: exact for
// "any", which is all it is asked).
func hasZero(x uint64) uint64 { return (x - ones) &^ x & (ones * 0x80) }

func (t *csvTable) close([]section) error {
	if t.closed {
		return nil
	}
	t.closed = true
	if err := t.w.Close(); t.err == nil {
		t.err = err
	}
	if t.err != nil {
		t.out.Abort()
		return wrapPath(t.path, t.err)
	}
	return t.out.Close() // names path itself
}

func (t *csvTable) abort() {
	t.closed = true
	_ = t.w.Close()
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
	if err == nil || strings.HasPrefix(err.Error(), path+":") || strings.Contains(err.Error(), ": "+path+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
