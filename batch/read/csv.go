package read

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"unicode/utf8"
)

// textBufSize is the size of the read buffers; it bounds the look-ahead
// used to detect the encoding and the delimiter.
const textBufSize = 64 << 10

// csvReader streams a delimited text file through encoding/csv.
type csvReader struct {
	stream
	f      *os.File
	br     *bufio.Reader
	cr     *csv.Reader
	guard  *recordGuard
	quotes *quoteScan // nil for a delimiter that is not ASCII
	// nextLine is where the next record starts at the earliest (the line
	// after the previous record), for errors csv gives no position for.
	nextLine int
	// folded counts the line breaks inside quoted cells so far: a
	// spreadsheet shows such a record as one row, so the row number is the
	// physical line less these.
	folded int
	enc    string // the encoding settled on
	bom    bool   // the file starts with a byte order mark
	comma  rune

	// The block path (csvblock.go), for a one-byte delimiter.
	cut     *csvCutter
	par     *blocks // started with the first row after the header's window
	workers int
	cur     *csvBlock // the block being handed out
	ci      int       // its next record or row
	offset  int       // added to the block's local rows
	nextRow int       // the row after the last record, for errors with no record
	ready   []Row     // rows blockRow has yet to return
}

func openCSV(path string, f *os.File, opt Options) (Reader, error) {
	r, err := newCSVReader(path, f, opt)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return r, nil
}

func newCSVReader(path string, f *os.File, opt Options) (*csvReader, error) {
	r := &csvReader{f: f, nextLine: 1, offset: 1, nextRow: 1, workers: max(1, runtime.GOMAXPROCS(0))}
	r.stream = stream{t: table{file: path, opt: opt, label: csvLabel}, src: r.record}
	enc, err := parseEncoding(opt.Encoding)
	if err != nil {
		return nil, r.t.fail(0, err)
	}
	raw := bufio.NewReaderSize(f, textBufSize)
	if head, err := raw.Peek(len(bomUTF32LE)); err == nil || len(head) > 0 {
		bom, _ := bomOf(head)
		r.bom = bom != ""
	}
	text, enc, guessed, err := decode(raw, enc)
	if err != nil {
		return nil, r.t.fail(0, err)
	}
	r.enc = enc
	if guessed != "" {
		r.t.warnf("%s", guessed)
	}
	// encoding/csv buffers a whole record: the guard fails a record that
	// grows past the row limit (plus the look-ahead), so one huge line or a
	// quote that is never closed cannot take all memory.
	r.guard = &recordGuard{r: text, limit: int64(opt.MaxRowBytes) + 3*textBufSize}
	if enc == encUTF8 {
		// Other encodings decode to valid UTF-8; raw UTF-8 may not be.
		r.guard.scan = newUTF8Scan()
	}
	comma := opt.Delimiter
	if comma == 0 {
		sniff := bufio.NewReaderSize(text, textBufSize)
		head, err := sniff.Peek(textBufSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, r.t.fail(0, err)
		}
		comma = sniffDelimiter(head)
		r.guard.r = sniff
	} else if comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, r.t.fail(0, fmt.Errorf("invalid delimiter %q", comma))
	}
	r.comma = comma
	r.t.span = true
	if comma < utf8.RuneSelf && !opt.recordByRecord {
		// The text after the sniffed head, as the guard would read it.
		r.cut = &csvCutter{q: newQuoteScan(r.guard.r, byte(comma)), limit: int(r.guard.limit), utf8: r.guard.scan != nil}
		r.guard = nil
		r.stream.src = r.blockRecord
		if err := r.start(ErrEmpty, ErrNoDataRows); err != nil {
			return nil, err
		}
		r.stream.rows = r.blockRow
		return r, nil
	}
	var src io.Reader = r.guard
	if comma < utf8.RuneSelf {
		r.quotes = newQuoteScan(r.guard, byte(comma))
		src = r.quotes
	}
	r.br = bufio.NewReaderSize(src, textBufSize)
	// The reader is handed a *bufio.Reader, which csv uses as is, so
	// InputOffset counts the same bytes as the guard.
	r.cr = csv.NewReader(r.br)
	r.cr.Comma = comma
	r.cr.FieldsPerRecord = -1 // the table checks widths, with better messages
	// Each record gets a fresh slice that the Row takes over: measured
	// faster than ReuseRecord plus a copy per row, which costs the same
	// allocation and then the copy.
	r.cr.ReuseRecord = false
	// A bare quote is literal, as in spreadsheets; quoteScan still catches
	// a quoted field that never closes.
	r.cr.LazyQuotes = r.quotes != nil

	if err := r.start(ErrEmpty, ErrNoDataRows); err != nil {
		return nil, err
	}
	return r, nil
}

// Close closes the file.
func (r *csvReader) Close() error {
	if r.par != nil {
		r.par.stopAll()
		r.par = nil
	}
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// record reads one CSV record and the line it starts on, turning csv's
// errors into *Error.
func (r *csvReader) record() ([]string, int, error) {
	rec, err := r.cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, r.parseError(rec, err)
	}
	if len(rec) == 0 { // csv never returns this; FieldPos would panic
		return rec, r.nextLine, nil
	}
	start, _ := r.cr.FieldPos(0)
	last := len(rec) - 1
	lastLine, _ := r.cr.FieldPos(last)
	endLine := lastLine + strings.Count(rec[last], "\n")
	line := start - r.folded
	r.folded += endLine - start
	r.nextLine = endLine + 1
	end := r.cr.InputOffset()
	r.guard.mark(end)
	if q := r.quotes; q != nil && q.unclosed && end == q.total {
		// The record ran to the end of the file inside a quoted field:
		// its last field opened a quote that never closes.
		return nil, 0, r.t.fail(line, fmt.Errorf("unbalanced quote: the quoted cell in column %s opens in this row and is never closed; close it or double the quotes inside it", r.columnName(last)))
	}
	if s := r.guard.scan; s != nil && s.bad >= 0 && s.bad < end {
		return nil, 0, r.utf8Error(rec, line)
	}
	return rec, line, nil
}

// row is the spreadsheet row of physical line n, for errors found before
// the record that starts there is complete.
func (r *csvReader) row(n int) int { return n - r.folded }

// utf8Error names the first cell of rec that is not valid UTF-8.
func (r *csvReader) utf8Error(rec []string, line int) error {
	where := ""
	for i, c := range rec {
		if !utf8.ValidString(c) {
			where = " in column " + r.columnName(i)
			break
		}
	}
	return r.t.fail(line, utf8Problem(where))
}

// parseError explains a csv error. rec holds the fields read before it, so
// the bad field is the next one.
func (r *csvReader) parseError(rec []string, err error) error {
	if errors.Is(err, errRecordTooLong) {
		if r.quotes != nil && r.quotes.inQuotes() {
			return r.t.fail(r.row(r.nextLine), kindf(ErrLimit,
				"unbalanced quote: a quoted cell that opens in this row runs past the %d-byte row limit without closing; close it or double the quotes inside it",
				r.t.opt.MaxRowBytes))
		}
		return r.t.fail(r.row(r.nextLine), kindf(ErrLimit,
			"row is over the %d-byte limit for a row; if no row is that long, look for an unbalanced quote starting here",
			r.t.opt.MaxRowBytes))
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return r.t.fail(r.row(r.nextLine), err)
	}
	col := r.columnName(len(rec))
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return r.t.fail(pe.Line, fmt.Errorf("bare \" in unquoted field (column %s); quote the whole field and double the quotes inside it", col))
	case errors.Is(pe.Err, csv.ErrQuote):
		start := pe.StartLine
		if n := len(rec); n > 0 {
			// The bad field starts right after the last good one.
			l, _ := r.cr.FieldPos(n - 1)
			start = l + strings.Count(rec[n-1], "\n")
		}
		if _, peekErr := r.br.Peek(1); peekErr == io.EOF {
			// encoding/csv read to the end of the file looking for the
			// closing quote: everything after start is lost, so it is a
			// file error, not one bad row.
			return r.t.fail(start, fmt.Errorf("unbalanced quote starting here (column %s): the quoted field is never closed", col))
		}
		return r.t.fail(start, fmt.Errorf("extraneous or missing \" in quoted field (column %s)", col))
	}
	return r.t.fail(pe.StartLine, pe.Err)
}

// columnName names column i for messages: its header when known.
func (r *csvReader) columnName(i int) string {
	if i < len(r.t.header) {
		return fmt.Sprintf("%q", r.t.header[i])
	}
	return csvLabel(i)
}

// errRecordTooLong is what the guard returns to encoding/csv.
var errRecordTooLong = errors.New("record too long")

// recordGuard sits under encoding/csv and fails once the bytes read since
// the end of the last record pass limit. It also feeds the UTF-8 scan.
type recordGuard struct {
	r         io.Reader
	read      int64 // bytes handed out
	lastEnd   int64 // offset just after the last complete record
	limit     int64
	triggered bool
	scan      *utf8Scan // nil when the text needs no check
}

// mark records where the last complete record ended.
func (g *recordGuard) mark(offset int64) { g.lastEnd = offset }

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.triggered || g.read-g.lastEnd > g.limit {
		g.triggered = true
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	if g.scan != nil {
		g.scan.feed(p[:n])
		if err == io.EOF {
			g.scan.end()
		}
	}
	return n, err
}

// Delimiter is the delimiter in use (given or detected), so that outputs
// such as the failed-out file can be written in the input's own format.
func (r *csvReader) Delimiter() rune { return r.comma }

// Encoding is the text encoding in use (given, from the BOM or detected),
// one of Encodings.
func (r *csvReader) Encoding() string { return r.enc }

// BOM reports whether the file starts with a byte order mark, so that an
// output mirroring the input can keep it.
func (r *csvReader) BOM() bool { return r.bom }
