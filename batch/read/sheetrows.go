package read

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"
)

// sheetRows reads a worksheet part with the byte scanner, on a goroutine of
// its own, and gives each row as excelize's row iterator would (Next then
// Columns, the same cells, values and row numbers), with what the reader
// adds: the formulas without a saved result, long numbers in full, 1904
// durations undone. Excelize's XML decoder was two thirds of the read's
// CPU; number formats are still excelize's (sstFormats), run once per
// style and value.
type sheetRows struct {
	batches chan rowBatch
	stop    chan struct{}
	wg      sync.WaitGroup
	cur     rowBatch
	i       int
	size    int64
	rc      io.Closer
}

type rowBatch struct {
	rows []scannedRow
	err  error // after rows; io.EOF at the end
	done int64 // bytes of the part scanned up to the batch's end
}

type scannedRow struct {
	line     int
	cells    []string
	formulas []int
}

// sstSource gives shared string i; ok is false when there is none.
type sstSource interface {
	get(i int) (string, bool, error)
}

// rowsBatch is how many rows go to the reader at once.
const rowsBatch = 256

// openSheetRows starts reading part (the worksheet) of the archive zr;
// closer is closed with it.
//
// check runs the well-formedness check (xmlCheck) over the same bytes, on
// a goroutine of its own, and reads the part to its end: damage, or a
// checksum that does not match, then ends the rows.
func openSheetRows(zf *zip.File, closer io.Closer, sst sstSource, fmts *sstFormats, elapsed map[int]bool, check bool) (*sheetRows, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	s := &sheetRows{batches: make(chan rowBatch, 4), stop: make(chan struct{}), size: int64(zf.UncompressedSize64),
		rc: multiCloser{rc, closer}}
	var src io.Reader = rc
	var finish func(err error) error
	if check {
		pr, pw := io.Pipe()
		src = io.TeeReader(rc, pw)
		found := make(chan *xmlDamage, 1)
		go func() {
			d, _, _ := checkXMLPartMerges(zf.Name, pr)
			_, _ = io.Copy(io.Discard, pr) // the rest, after damage
			found <- d
		}()
		finish = func(err error) error {
			if err == nil {
				// the rest of the part, for the check and the checksum
				_, err = io.Copy(io.Discard, src)
			}
			_ = pw.Close()
			if d := <-found; d != nil {
				return d
			}
			if err != nil {
				return fmt.Errorf("%w: %w", errSheetUnreadable, err)
			}
			return nil
		}
	}
	in := &countingReader{r: src}
	p := &rowParser{x: xscan{br: bufio.NewReaderSize(in, 64<<10)}, sst: sst, fmts: fmts, elapsed: elapsed}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(p, in, finish)
	}()
	return s, nil
}

// errSheetUnreadable is a worksheet part that cannot be inflated whole (a
// checksum that does not match, a broken stream).
var errSheetUnreadable = errors.New("worksheet part unreadable")

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

func (s *sheetRows) run(p *rowParser, in *countingReader, finish func(error) error) {
	var b rowBatch
	// end is the error that ends the rows: damage found by the check
	// first, then a part that could not be read, then the parser's.
	end := func(err error) error {
		readErr := p.x.err
		if readErr == io.EOF {
			readErr = nil
		}
		if finish != nil {
			if ferr := finish(readErr); ferr != nil {
				return ferr
			}
		} else if readErr != nil {
			return fmt.Errorf("%w: %w", errSheetUnreadable, readErr)
		}
		if err == nil {
			return io.EOF
		}
		return err
	}
	stopped := false
	defer func() {
		if stopped && finish != nil {
			_ = finish(io.ErrClosedPipe) // let the check's goroutine end
		}
	}()
	send := func() bool {
		b.done = in.n - int64(p.x.br.Buffered())
		select {
		case s.batches <- b:
			b = rowBatch{rows: make([]scannedRow, 0, rowsBatch)}
			return true
		case <-s.stop:
			return false
		}
	}
	b.rows = make([]scannedRow, 0, rowsBatch)
	for {
		if !p.next() {
			b.err = end(p.err)
			send()
			return
		}
		cells, err := p.columns()
		if err != nil {
			b.err = end(err)
			send()
			return
		}
		b.rows = append(b.rows, scannedRow{line: p.seekRow, cells: cells, formulas: p.formulas})
		p.formulas = nil
		if len(b.rows) == rowsBatch && !send() {
			stopped = true
			return
		}
	}
}

// row returns the next row, or the error that ends them (io.EOF).
func (s *sheetRows) row() (scannedRow, error) {
	for s.i >= len(s.cur.rows) {
		if s.cur.err != nil {
			return scannedRow{}, s.cur.err
		}
		s.cur, s.i = <-s.batches, 0
	}
	s.i++
	return s.cur.rows[s.i-1], nil
}

// position is the sheet row the rows given so far reach, with the
// bytes of the part scanned up to it and the part's size: the scan runs
// batches ahead of the reader, so its own position would not match the
// reader's row.
func (s *sheetRows) position() (line int, done, size int64) {
	if s == nil || s.size <= 0 || len(s.cur.rows) == 0 {
		return 0, 0, 0
	}
	return s.cur.rows[len(s.cur.rows)-1].line, s.cur.done, s.size
}

func (s *sheetRows) Close() error {
	if s == nil || s.stop == nil {
		return nil
	}
	close(s.stop)
	s.wg.Wait()
	s.stop = nil
	return s.rc.Close()
}

// totalRows is excelize's TotalRows, the most rows a sheet has.
const totalRows = 1048576

// rowParser follows excelize's Rows.Next and Rows.Columns over the bytes:
// curRow, seekRow and a row start read ahead (rows.token) as they keep
// them, so odd files (rows without r, out of order, gaps) come out alike.
type rowParser struct {
	x       xscan
	curRow  int
	seekRow int
	pending bool   // a row start read and not yet handled by columns
	attrs   []byte // its attributes
	err     error
	ended   bool // </sheetData> or the part's end

	sst      sstSource
	fmts     *sstFormats
	elapsed  map[int]bool
	formulas []int

	v, is, scratch, abuf []byte
}

// token reads up to the next element of note: a row or cell start, or
// the end of sheetData. ok is false at the end.
func (p *rowParser) token() (kind int, name []byte, attrs []byte, ok bool) {
	for !p.ended && p.x.skipText() {
		k, name, attrs := p.x.markup()
		switch {
		case k == mkStart || k == mkSelf:
			if string(name) == "row" || string(name) == "c" {
				return k, name, attrs, true
			}
		case k == mkEnd && string(name) == "sheetData":
			p.ended = true
			return mkEnd, name, nil, true
		}
	}
	p.ended = true
	return 0, nil, nil, false
}

func (p *rowParser) rowNum(attrs []byte) (int, error) {
	v, ok := attrValue(attrs, "r", p.abuf)
	if !ok {
		return 0, nil
	}
	return strconv.Atoi(string(v))
}

// next is Rows.Next.
func (p *rowParser) next() bool {
	if p.err != nil {
		return false
	}
	p.seekRow++
	if p.curRow >= p.seekRow {
		return true
	}
	for {
		k, name, attrs, ok := p.token()
		if !ok {
			return false
		}
		if k == mkEnd {
			return false
		}
		if string(name) == "row" {
			p.curRow++
			n, _ := p.rowNum(attrs)
			if n > totalRows {
				p.err = excelize.ErrMaxRows
				return false
			}
			if n != 0 {
				p.curRow = n
			}
			p.pending, p.attrs = true, append(p.attrs[:0], attrs...)
			return true
		}
		if k == mkStart {
			p.x.skipElement() // a cell outside a row: Next skips its content
		}
	}
}

// columns is Rows.Columns with the cells' values rendered.
func (p *rowParser) columns() ([]string, error) {
	if p.curRow > p.seekRow {
		return nil, nil
	}
	var cells []string
	cellCol := 0
	for {
		var k int
		var name, attrs []byte
		if p.pending {
			k, name, attrs = mkStart, []byte("row"), p.attrs
		} else {
			var ok bool
			if k, name, attrs, ok = p.token(); !ok {
				return cells, nil
			}
		}
		if k == mkEnd {
			return cells, nil
		}
		if string(name) == "row" {
			n, err := p.rowNum(attrs)
			if n > totalRows {
				p.err, p.pending = excelize.ErrMaxRows, false
				return cells, p.err
			} else if n != 0 {
				p.curRow = n
			} else if !p.pending {
				p.curRow++
			}
			p.pending = false
			if p.curRow > p.seekRow {
				return cells, err
			}
			if err != nil {
				return cells, err
			}
			continue
		}
		cellCol++
		c, err := p.cell(attrs, k == mkSelf)
		if err != nil {
			return cells, err
		}
		if c.hasR {
			if cellCol, err = refCol(c.r); err != nil {
				return cells, err
			}
		}
		val, keep, err := p.render(&c)
		if err != nil {
			return cells, err
		}
		if !keep {
			continue
		}
		for i, blank := 1, cellCol-len(cells); i < blank; i++ {
			cells = append(cells, "")
		}
		pos := len(cells)
		cells = append(cells, trimMidnight(val))
		// What the reader adds to excelize's value (xlsxReader.cells).
		switch {
		case c.formulaNoValue():
			p.formulas = append(p.formulas, pos)
		case c.number() && c.hasV && longNumber(c.v):
			cells[pos] = fullDigits(cells[pos], string(c.v))
		case c.number() && p.elapsed[c.s]:
			cells[pos] = undo1904(cells[pos])
		}
	}
}

// refCol is the column of cell reference ref as excelize's
// CellNameToCoordinates reads it: upper-case letters and a row number
// directly, anything else through excelize for its error.
func refCol(ref string) (int, error) {
	col, i := 0, 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' && i < 3 {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	row, j := 0, i
	for j < len(ref) && ref[j] >= '0' && ref[j] <= '9' && j-i < 7 {
		row = row*10 + int(ref[j]-'0')
		j++
	}
	if i == 0 || j == i || j != len(ref) || ref[i] == '0' || col > 16384 || row > totalRows {
		c, _, err := excelize.CellNameToCoordinates(ref)
		return c, err
	}
	return col, nil
}

// rawCell is a <c> as read.
type rawCell struct {
	r          string
	hasR       bool
	s          int
	t          string
	v          []byte // the last <v>'s text
	hasV, hasF bool
	is         []byte // the <is> string
	hasIS      bool
	bad        bool // an s excelize cannot read: it then reads nothing more
}

func (c *rawCell) number() bool { return c.t == "" || c.t == "n" }

// formulaNoValue: no <v> at all, or an empty one where a number belongs,
// is a formula never calculated (as sheetScan says).
func (c *rawCell) formulaNoValue() bool {
	return c.hasF && (!c.hasV || c.number() && len(bytes.TrimSpace(c.v)) == 0)
}

// cell reads a cell from its start tag, as xlsxC.cellXMLHandler does.
func (p *rowParser) cell(attrs []byte, self bool) (rawCell, error) {
	var c rawCell
	// cellXMLAttrHandler takes the attributes in order and stops at an s
	// that is not a number, leaving the cell's content to Columns (which
	// ignores it).
	for rest := attrs; ; {
		key, val, tail, ok := nextAttr(rest)
		if !ok {
			break
		}
		rest = tail
		switch string(key) {
		case "r":
			c.r, c.hasR = string(val), true
		case "s":
			n, err := strconv.ParseInt(string(val), 10, 64)
			if err != nil {
				c.bad = true
			}
			c.s = int(n)
		case "t":
			c.t = string(val)
		}
		if c.bad {
			break
		}
	}
	if self || c.bad {
		return c, p.x.err
	}
	c.v = p.v[:0]
	if p.quickCell(&c) {
		p.v = c.v
		return c, nil
	}
	for depth := 1; depth > 0 && p.x.skipText(); {
		k, name, _ := p.x.markup()
		switch k {
		case mkStart:
			switch string(name) {
			case "v":
				c.v, c.hasV = p.x.text(c.v[:0]), true
			case "f":
				c.hasF = true
				p.x.skipElement()
			case "is":
				p.is = p.x.stringItem(p.is[:0], &p.scratch)
				c.is, c.hasIS = p.is, true
			default:
				depth++
			}
		case mkSelf:
			switch string(name) {
			case "v":
				c.v, c.hasV = c.v[:0], true
			case "f":
				c.hasF = true
			case "is":
				c.is, c.hasIS = p.is[:0], true
			}
		case mkEnd:
			depth--
		}
	}
	p.v = c.v
	return c, p.x.err
}

// quickCell reads the two shapes nearly every cell has, when the whole
// cell is in the buffer: <v>text</v></c> and <is><t>text</t></is></c>,
// the text without markup (no '<'). Anything else is left to the general
// loop, unread.
func (p *rowParser) quickCell(c *rawCell) bool {
	br := p.x.br
	buf, _ := br.Peek(quickPeek) // fewer at the part's end
	var text []byte
	var n int
	switch {
	case bytes.HasPrefix(buf, []byte("<v>")):
		end := bytes.IndexByte(buf[3:], '<')
		if end < 0 || !bytes.HasPrefix(buf[3+end:], []byte("</v></c>")) {
			return false
		}
		text, n = buf[3:3+end], 3+end+len("</v></c>")
		c.v, c.hasV = append(c.v[:0], text...), true
		c.v = decodeText(c.v, 0)
	case bytes.HasPrefix(buf, []byte("<is><t>")), bytes.HasPrefix(buf, []byte(`<is><t xml:space="preserve">`)):
		start := bytes.IndexByte(buf, '>') + 1
		start += bytes.IndexByte(buf[start:], '>') + 1
		end := bytes.IndexByte(buf[start:], '<')
		if end < 0 || !bytes.HasPrefix(buf[start+end:], []byte("</t></is></c>")) {
			return false
		}
		text, n = buf[start:start+end], start+end+len("</t></is></c>")
		p.is = decodeText(append(p.is[:0], text...), 0)
		if bytes.Contains(p.is, []byte("_x")) {
			p.is = append(p.is[:0], bstrDecode(p.is)...)
		}
		c.is, c.hasIS = p.is, true
	default:
		return false
	}
	_, _ = br.Discard(n)
	return true
}

// nextAttr reads the first attribute of attrs: its local name, its value
// decoded, and what follows.
func nextAttr(attrs []byte) (key, val, rest []byte, ok bool) {
	j := bytes.IndexByte(attrs, '=')
	if j < 0 {
		return nil, nil, nil, false
	}
	key = trimSpace(attrs[:j])
	if k := bytes.IndexByte(key, ':'); k >= 0 {
		key = key[k+1:]
	}
	r := attrs[j+1:]
	for len(r) > 0 && isSpace(r[0]) {
		r = r[1:]
	}
	if len(r) == 0 || (r[0] != '"' && r[0] != '\'') {
		return nil, nil, nil, false
	}
	e := bytes.IndexByte(r[1:], r[0])
	if e < 0 {
		return nil, nil, nil, false
	}
	val = r[1 : 1+e]
	if bytes.IndexByte(val, '&') >= 0 || bytes.IndexByte(val, '\r') >= 0 {
		val = decodeText(append([]byte(nil), val...), 0)
	}
	return key, val, r[e+2:], true
}

// trimSpace is bytes.TrimSpace for XML's white space.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// render is xlsxC.getValueFrom and the row iterator's test for a cell: it
// is kept when its value is not empty or it has a formula.
func (p *rowParser) render(c *rawCell) (string, bool, error) {
	val, err := p.value(c)
	return val, val != "" || c.hasF, err
}

func (p *rowParser) value(c *rawCell) (string, error) {
	switch c.t {
	case "inlineStr":
		if c.hasIS {
			return p.fmts.apply(c.s, string(c.is)), nil
		}
	case "s":
		if len(c.v) > 0 {
			i, err := strconv.Atoi(string(c.v))
			if err != nil {
				i, _ = strconv.Atoi(strings.TrimSpace(string(c.v)))
			}
			str, ok, err := p.sst.get(i)
			if err != nil || !ok {
				return "", err // excelize: an invalid index, no value
			}
			return p.fmts.apply(c.s, str), nil
		}
	}
	v := string(c.v)
	switch c.t {
	case "b":
		switch v {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return p.fmts.apply(c.s, v), nil
	case "d":
		return p.numberOrText(c.s, cellDate(v)), nil
	case "s":
		if v == "" {
			return p.fmts.apply(c.s, v), nil
		}
		i, _ := strconv.Atoi(strings.TrimSpace(v))
		str, ok, err := p.sst.get(i)
		if err != nil || !ok {
			return "", err // excelize: an invalid index, no value
		}
		return p.fmts.apply(c.s, str), nil
	case "str":
		return v, nil
	case "inlineStr":
		if c.hasIS {
			return p.fmts.apply(c.s, string(c.is)), nil
		}
		return p.fmts.apply(c.s, v), nil
	}
	return p.numberOrText(c.s, v), nil
}

// numberOrText formats a stored value under the number branch of
// getValueFrom: getCellDefault, then formattedValue.
func (p *rowParser) numberOrText(style int, v string) string {
	if style == 0 && plainInt(v) {
		return v // as getCellDefault gives it
	}
	if numeric(v) {
		if style == 0 {
			return normalizeNumber(v)
		}
		return p.fmts.number(style, v)
	}
	// A value that is no number shows as text would.
	return p.fmts.apply(style, v)
}

// plainInt reports a non-negative integer of up to 15 digits without a
// leading zero, which excelize's number formatting gives back unchanged.
func plainInt(v string) bool {
	if len(v) == 0 || len(v) > 15 || (v[0] == '0' && len(v) > 1) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// numeric is excelize's isNumeric test.
func numeric(s string) bool {
	if strings.Contains(s, "_") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// normalizeNumber is excelize's getCellDefault for a numeric value.
func normalizeNumber(v string) string {
	if !numeric(v) {
		return v
	}
	f, _ := strconv.ParseFloat(v, 64)
	plain := strconv.FormatFloat(f, 'f', -1, 64)
	if len(plain)-strings.Count(plain, ".") > 15 && !withinPrecision(v) {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return plain
}

// withinPrecision is excelize's isNumWithinPrecision: an integer whose
// digits after the 15th are all zeros.
func withinPrecision(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if strings.ContainsAny(s, ".eE") {
		return false
	}
	if len(s) <= 15 {
		return true
	}
	return strings.Trim(s[15:], "0") == ""
}

// cellDate is getCellDate's conversion of an ISO 8601 t="d" value to a
// serial number; other values stay as they are.
func cellDate(v string) string {
	layout := "20060102T150405.999"
	if strings.HasSuffix(v, "Z") {
		layout = "20060102T150405Z"
		if strings.Contains(v, "-") {
			layout = "2006-01-02T15:04:05Z"
		}
	} else if strings.Contains(v, "-") {
		layout = "2006-01-02 15:04:05Z"
	}
	t, err := time.Parse(layout, strings.ReplaceAll(v, ",", "."))
	if err != nil {
		return v
	}
	return strconv.FormatFloat(serialDay(t), 'G', 15, 64)
}

// serialDay is a time as Excel's 1900 serial number, computed as
// excelize's timeToExcelTime does (dates before 1899-12-31 are 0).
func serialDay(t time.Time) float64 {
	const day = 24 * time.Hour
	const span = 290 * 364 * day
	epoch := time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	if t.Before(epoch) {
		return 0
	}
	tt, diff, result := t, t.Sub(epoch), 0.0
	for diff >= span {
		result += float64(span / day)
		tt = tt.Add(-span)
		diff = tt.Sub(epoch)
	}
	rem := diff % day
	result += float64(diff-rem)/float64(day) + float64(rem)/float64(day)
	// Excel counts a 29 February 1900.
	if t.After(time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)) {
		result++
	}
	return result
}

// openScannedRows starts reading sheet's rows with the byte scanner, its
// shared strings from store or, when that is nil, held in memory. It
// returns nil, nil when the scanner cannot read the sheet (its part not
// found, or a part in another encoding than UTF-8): excelize reads it.
//
// checkSST says the shared strings were not checked at open (verifyZip's
// lateSST): they are as they are loaded.
func openScannedRows(path, sheet string, store *sstStore, fmts *sstFormats, elapsed map[int]bool, check, checkSST bool) (*sheetRows, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, ErrCorruptXLSX
	}
	name := sheetPartName(&zr.Reader, sheet)
	var part *zip.File
	for _, zf := range zr.File {
		if zf.Name == name {
			part = zf
			break
		}
	}
	sst := sstPart(&zr.Reader)
	if part == nil || !utf8Part(part) || sst != nil && store == nil && !utf8Part(sst) {
		_ = zr.Close()
		return nil, nil
	}
	var src sstSource = store
	if store == nil {
		m := &sstMem{}
		if sst != nil {
			if m, err = readSSTMem(sst, checkSST); err != nil {
				_ = zr.Close()
				return nil, err
			}
		}
		src = m
	}
	s, err := openSheetRows(part, zr, src, fmts, elapsed, check)
	if err != nil {
		_ = zr.Close()
		return nil, ErrCorruptXLSX
	}
	return s, nil
}

// utf8Part reports a part in UTF-8: no byte-order mark of UTF-16 and no
// XML declaration naming another encoding.
func utf8Part(zf *zip.File) bool {
	rc, err := zf.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(rc, head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || bytes.HasPrefix(head, []byte{0xFF, 0xFE}) {
		return false
	}
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return true
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return false
	}
	enc, ok := attrValue(head[5:end], "encoding", nil)
	if !ok {
		return true
	}
	e := strings.ToLower(string(enc))
	return e == "utf-8" || e == "utf8"
}

// workbookStore builds the store of the workbook's shared strings, for
// excelize's row iterator on a workbook it opened without them.
func workbookStore(path string, f *excelize.File, maxLen int, dir string) (*sstStore, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, ErrCorruptXLSX
	}
	defer zr.Close()
	part := sstPart(&zr.Reader)
	if part == nil {
		return nil, nil
	}
	return buildSSTStore(part, f.CharsetReader, maxLen, dir, false)
}
