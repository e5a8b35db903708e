package reports

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/reports/outfile"
	"github.com/onboard/onboard/schema"
)

// FailedOutOptions describe the input file the fix file mirrors and what
// the mapping knows about its columns.
type FailedOutOptions struct {
	// Delimiter is the input's CSV delimiter; 0 means a comma (a tab for
	// a .tsv path).
	Delimiter rune
	// Encoding is the input's text encoding: "utf-8" ("" too) or one of
	// read.Encodings. BOM starts the file with a byte order mark, as the
	// input did.
	Encoding string
	BOM      bool
	// Sheet is the input's sheet name for an XLSX fix file ("" means "Fix").
	Sheet string
	// Secret marks, per roster column, the cells that hold a secret: they
	// are left empty, never written masked.
	Secret []bool
	// FieldColumns gives, per vendor field, the roster columns it came
	// from: the cells a problem with that field marks in XLSX.
	FieldColumns map[string][]int
	// Enums gives, per roster column, the values the vendor accepts: a
	// drop-down in XLSX.
	Enums map[int][]string
	// KeepTypes, for an XLSX input, writes an XLSX fix file's numbers and
	// dates as numbers and dates, as the input had them (its reader gives
	// them as plain decimals and ISO dates), not as text.
	KeepTypes bool
}

// FailedOut is the fix file: only the rows still to do (invalid, failed,
// conflict, not_attempted) in the input's own columns, format, encoding and BOM, plus
// onboard's own columns onboard_row (the row in the original file) and
// onboard_error (what is wrong), so the admin fixes the cells and runs the
// file again as it is. Secret cells are left empty and the row's message
// says so: a mask is never written. In XLSX every failing cell is
// highlighted with its message as a comment, the enum columns get
// drop-downs and the columns fit their content. When no row needs fixing
// no file is written (Rows is 0 after Close).
//
// A CSV fix file guards formula-like cells (a leading ' before = + - @, a
// tab, a CR, or a ' itself); the reader undoes exactly that for a CSV
// whose header holds onboard_error (schema.Mapper.FormulaGuarded), so every
// value reads back as it was. The file is written through outfile (a
// private temporary file beside path, renamed at Close): an interrupted
// run leaves no half file.
type FailedOut struct {
	path   string
	f      format
	opts   FailedOutOptions
	header []string // roster header plus onboard's columns where missing
	width  int      // the roster's width
	rowCol int
	errCol int
	file   *outfile.File
	enc    string
	cs     encoding.Encoding // nil for UTF-8
	// CSV
	out io.Writer // file, or an encoder over it
	w   *csv.Writer
	// XLSX: rows are spooled as CSV until Close knows the column widths.
	spool    *os.File
	spoolW   *csv.Writer
	maxWidth []int
	buf      []string
	rows     int
	closed   bool
}

// NewFailedOut checks the path and creates the temporary file beside it,
// so that an unwritable place fails before a run creates anyone.
func NewFailedOut(path string, header []string, opts FailedOutOptions) (*FailedOut, error) {
	f, err := formatOf(path, ".tsv", ".txt")
	if err != nil {
		return nil, err
	}
	if opts.Delimiter == 0 && strings.EqualFold(filepath.Ext(path), ".tsv") {
		opts.Delimiter = '\t'
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = ','
	}
	d := opts.Delimiter
	if d == '"' || d == '\r' || d == '\n' || d == '\'' || !utf8.ValidRune(d) || d == utf8.RuneError {
		return nil, fmt.Errorf("%s: invalid CSV delimiter %q", path, d)
	}
	// A header that names a secret is one even if the caller did not say
	// so: the fix file never holds a password.
	secret := make([]bool, len(header))
	for i, h := range header {
		secret[i] = i < len(opts.Secret) && opts.Secret[i] || schema.SecretHeader(h)
	}
	opts.Secret = secret
	fo := &FailedOut{path: path, f: f, opts: opts, width: len(header), rowCol: -1, errCol: -1}
	fo.enc = strings.ToLower(opts.Encoding)
	switch fo.enc {
	case "", "utf-8", "utf8":
		fo.enc = "utf-8"
	default:
		if fo.cs = read.Charset(fo.enc); fo.cs == nil {
			return nil, fmt.Errorf("%s: unknown encoding %q", path, opts.Encoding)
		}
	}
	fo.header = append([]string(nil), header...)
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case schema.OwnRowColumn:
			fo.rowCol = i
		case schema.OwnErrorColumn:
			fo.errCol = i
		}
	}
	if fo.rowCol < 0 {
		fo.rowCol = len(fo.header)
		fo.header = append(fo.header, schema.OwnRowColumn)
	}
	if fo.errCol < 0 {
		fo.errCol = len(fo.header)
		fo.header = append(fo.header, schema.OwnErrorColumn)
	}
	if fo.file, err = outfile.Create(path); err != nil {
		return nil, err
	}
	if err := fo.start(); err != nil {
		fo.Abort()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fo, nil
}

func (fo *FailedOut) start() error {
	if fo.f == xlsxFormat {
		spill, err := fo.file.SpillDir()
		if err != nil {
			return err
		}
		if fo.spool, err = os.CreateTemp(spill, "fix-*.csv"); err != nil {
			return err
		}
		fo.spoolW = csv.NewWriter(fo.spool)
		fo.maxWidth = make([]int, len(fo.header))
		for i, h := range fo.header {
			fo.maxWidth[i] = textWidth(h)
		}
		return nil
	}
	fo.out = fo.file
	var bom []byte
	switch fo.enc {
	case "utf-8":
		bom = []byte{0xEF, 0xBB, 0xBF}
	case "utf-16le":
		bom = []byte{0xFF, 0xFE}
	case "utf-16be":
		bom = []byte{0xFE, 0xFF}
	case "utf-32le":
		bom = []byte{0xFF, 0xFE, 0x00, 0x00}
	case "utf-32be":
		bom = []byte{0x00, 0x00, 0xFE, 0xFF}
	} // the legacy encodings have none
	if fo.cs != nil {
		fo.out = transform.NewWriter(fo.file, fo.cs.NewEncoder())
	}
	if fo.opts.BOM && bom != nil {
		if _, err := fo.file.Write(bom); err != nil {
			return err
		}
	}
	fo.w = csv.NewWriter(fo.out)
	fo.w.Comma = fo.opts.Delimiter
	fo.buf = append(fo.buf[:0], fo.header...)
	for i := range fo.buf {
		// Guarded like the data (a header "=cmd" would run in a
		// spreadsheet); the reader takes the guard off both.
		fo.buf[i] = fixGuard(fo.encodable(fo.buf[i]))
	}
	return fo.w.Write(fo.buf) // the header as the input had it: the reader matches it
}

// needsFix reports whether a row belongs in the fix file: rows a person
// can fix and send again, and conflicts, which need a person to decide
// who the row is. Every other status (created, skipped, updated, and the
// statuses a run settles itself, such as unknown) stays out.
func needsFix(s batch.Status) bool {
	return s == batch.Invalid || s == batch.Failed || s == batch.NotAttempted || s == batch.Conflict
}

// Write adds o when it needs fixing.
func (fo *FailedOut) Write(o batch.Outcome) error {
	if fo.closed {
		return errors.New("fix file already closed")
	}
	if !needsFix(o.Status) {
		return nil
	}
	cells := make([]string, len(fo.header))
	copy(cells, o.Cells[:min(len(o.Cells), fo.width)])
	marks := map[int]string{}
	var blanked []string
	for i, secret := range fo.opts.Secret {
		if secret && i < fo.width && cells[i] != "" {
			cells[i] = ""
			blanked = append(blanked, fo.header[i])
			marks[i] = "re-enter the password (the fix file never holds one), or leave the cell empty for the vendor's default"
		}
	}
	if cells[fo.rowCol] == "" {
		// A fix file run again keeps the row of the original file.
		cells[fo.rowCol] = strconv.Itoa(o.Line)
	}
	msg := problemText(&o)
	if len(blanked) > 0 {
		msg += fmt.Sprintf("; %s: re-enter it (the fix file never holds passwords), or leave it empty for the vendor's default",
			strings.Join(blanked, ", "))
	}
	cells[fo.errCol] = msg
	fo.rows++
	if fo.f == csvFormat {
		for i, c := range cells {
			cells[i] = fixGuard(fo.encodable(c))
		}
		if err := fo.w.Write(cells); err != nil {
			return fmt.Errorf("%s: row %d: %w", fo.path, o.Line, err)
		}
		return nil
	}
	for _, p := range o.Problems {
		text := strings.TrimSpace(p.Code + ": " + p.Message)
		for _, c := range fo.opts.FieldColumns[p.Field] {
			if c >= 0 && c < fo.width {
				marks[c] = strings.TrimPrefix(marks[c]+"\n"+text, "\n")
			}
		}
	}
	for i, c := range cells {
		fo.maxWidth[i] = max(fo.maxWidth[i], textWidth(c))
	}
	b, err := json.Marshal(marks)
	if err != nil {
		return err
	}
	if err := fo.spoolW.Write(append(cells, string(b))); err != nil {
		return fmt.Errorf("%s: row %d: %w", fo.path, o.Line, err)
	}
	return nil
}

// Rows is the number of rows written so far: 0 after Close means no file.
func (fo *FailedOut) Rows() int { return fo.rows }

// Path is where the fix file goes.
func (fo *FailedOut) Path() string { return fo.path }

// Close finishes the file, or removes every trace of it when no row
// needed fixing.
func (fo *FailedOut) Close(*batch.Summary) error {
	if fo.closed {
		return nil
	}
	fo.closed = true
	if fo.rows == 0 {
		fo.Abort()
		return nil
	}
	var err error
	if fo.f == csvFormat {
		fo.w.Flush()
		err = fo.w.Error()
		if c, ok := fo.out.(io.Closer); ok && fo.out != io.Writer(fo.file) && err == nil {
			err = c.Close() // flushes the encoder
		}
	} else {
		err = fo.writeXLSX()
	}
	fo.closeSpool()
	if err != nil {
		fo.file.Abort()
		return wrapPath(fo.path, err) // a write error names the path already
	}
	return fo.file.Close()
}

// Abort drops the fix file: nothing is put in place.
func (fo *FailedOut) Abort() {
	fo.closed = true
	fo.closeSpool()
	if fo.file != nil {
		fo.file.Abort() // removes the spill folder with the spool
	}
}

func (fo *FailedOut) closeSpool() {
	if fo.spool != nil {
		_ = fo.spool.Close()
		fo.spool = nil
	}
}

// encodable replaces what the output encoding cannot hold (vendor text
// in a Windows-1252 or Shift_JIS file) with '?'. Roster cells read from
// that encoding always can.
func (fo *FailedOut) encodable(s string) string {
	if fo.cs == nil || strings.HasPrefix(fo.enc, "utf-") {
		return s
	}
	if _, err := fo.cs.NewEncoder().String(s); err == nil {
		return s
	}
	var b strings.Builder
	var one [utf8.UTFMax]byte
	for _, r := range s {
		n := utf8.EncodeRune(one[:], r)
		if _, err := fo.cs.NewEncoder().Bytes(one[:n]); err != nil {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fixGuard is the fix file's formula guard: guardFormula's, plus a quote
// before a cell that starts with one, so that removing one leading quote
// (schema.Mapper.FormulaGuarded) gives back every value exactly.
func fixGuard(s string) string {
	if strings.HasPrefix(s, "'") {
		return "'" + s
	}
	return guardFormula(s)
}

// textWidth is the width of the longest line of s, in runes.
func textWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}

// readSpool calls fn for every spooled row with its marks.
func (fo *FailedOut) readSpool(fn func(cells []string, marks map[int]string) error) error {
	fo.spoolW.Flush()
	if err := fo.spoolW.Error(); err != nil {
		return err
	}
	if _, err := fo.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := csv.NewReader(bufio.NewReader(fo.spool))
	r.FieldsPerRecord = len(fo.header) + 1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		marks := map[int]string{}
		if err := json.Unmarshal([]byte(rec[len(rec)-1]), &marks); err != nil {
			return err
		}
		if err := fn(rec[:len(rec)-1], marks); err != nil {
			return err
		}
	}
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
