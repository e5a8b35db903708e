package read

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"
)

// sheetScan reads the worksheet XML a second time, beside excelize's row
// iterator, for what that iterator does not say: which cells hold a
// formula with no saved result (it gives them as ""), the stored digits of
// numbers longer than 15 significant digits (it gives 4.11111111111111E+15
// or rounds the last digit), and cells under an elapsed-time format in a
// 1904 workbook (it adds four years to the duration). When the reader keeps
// the shared strings itself, it also gives the string index of each t="s"
// cell, which excelize then cannot resolve. It is a byte scanner, not an
// XML decoder: a few percent of excelize's time on the same bytes.
type sheetScan struct {
	rc      io.ReadCloser
	br      *bufio.Reader
	in      *countingReader // under br: how far into the part the scan is
	size    int64           // the part's uncompressed size, from the zip directory
	elapsed map[int]bool    // style indexes with an elapsed-time format, 1904 workbooks only
	shared  bool            // report t="s" cells
	row     int             // the number of the last row scanned
	pending []scanCell      // its cells of note, until asked for
	next    int             // its number while pending; 0 when none is
	done    bool
	col     int // the column of the last cell, for cells without r
	tag     []byte
}

// scanCell is one cell of note.
type scanCell struct {
	col     int    // 0-based
	formula bool   // a formula with no saved result
	raw     string // the stored value of a long number
	elapsed bool   // under an elapsed-time format in a 1904 workbook
	// shared is a t="s" cell with a value, in shared mode only: sst is
	// the string index read as excelize reads it, style the cell's s.
	shared     bool
	sst, style int
}

// openSheetScan opens the worksheet part of sheet in the workbook at
// file. It returns nil when the part cannot be found: the reader then
// reads as excelize alone does. shared asks for t="s" cells.
func openSheetScan(file, sheet string, elapsed map[int]bool, shared bool) *sheetScan {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil
	}
	part := sheetPartName(&zr.Reader, sheet)
	for _, zf := range zr.File {
		if zf.Name == part {
			rc, err := zf.Open()
			if err != nil {
				break
			}
			in := &countingReader{r: rc}
			return &sheetScan{rc: &zipPart{rc, zr}, br: bufio.NewReaderSize(in, 64<<10), in: in, size: int64(zf.UncompressedSize64), elapsed: elapsed, shared: shared}
		}
	}
	_ = zr.Close()
	return nil
}

// zipPart closes the archive with the part.
type zipPart struct {
	io.ReadCloser
	zr *zip.ReadCloser
}

func (z *zipPart) Close() error {
	err := z.ReadCloser.Close()
	if e := z.zr.Close(); err == nil {
		err = e
	}
	return err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// position is how many bytes of the part the scan has used, and the
// part's size; 0, 0 when either is unknown.
func (s *sheetScan) position() (done, size int64) {
	if s == nil || s.in == nil || s.size <= 0 {
		return 0, 0
	}
	return s.in.n - int64(s.br.Buffered()), s.size
}

func (s *sheetScan) Close() error {
	if s == nil || s.rc == nil {
		return nil
	}
	err := s.rc.Close()
	s.rc = nil
	return err
}

// sheetPartName finds the worksheet part of sheet through the workbook
// and its relationships.
func sheetPartName(zr *zip.Reader, sheet string) string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if decodePart(zr, "xl/workbook.xml", &wb) != nil || decodePart(zr, "xl/_rels/workbook.xml.rels", &rels) != nil {
		return ""
	}
	for _, sh := range wb.Sheets {
		if sh.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == sh.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/")
				}
				return path.Join("xl", r.Target)
			}
		}
	}
	return ""
}

func decodePart(zr *zip.Reader, name string, v any) error {
	for _, zf := range zr.File {
		if strings.EqualFold(zf.Name, name) {
			rc, err := zf.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
		}
	}
	return io.ErrUnexpectedEOF
}

// cellsOf returns the cells of note in sheet row n; rows must be asked for
// in order.
func (s *sheetScan) cellsOf(n int) []scanCell {
	if s == nil {
		return nil
	}
	for {
		if s.next != 0 {
			switch {
			case s.next > n:
				return nil // row n has no element: it is empty
			case s.next == n:
				cells := s.pending
				s.next, s.pending = 0, nil
				return cells
			}
			s.next, s.pending = 0, nil
		}
		if s.done {
			return nil
		}
		s.scanRow()
	}
}

// rowAfter returns the number of the first row element after row n left
// in the part, 0 when there is none: once excelize has ended, any is a row
// it did not read.
func (s *sheetScan) rowAfter(n int) int {
	if s == nil {
		return 0
	}
	for {
		if s.next > n {
			return s.next
		}
		if s.done {
			return 0
		}
		s.scanRow()
	}
}

// scanRow reads up to the next row's end, putting its cells of note in
// pending.
func (s *sheetScan) scanRow() {
	inRow := false
	var cell scanCell
	var hasF, hasV, number, shared, inCell bool
	var style int
	var v []byte
	for {
		name, attrs, end, self, ok := s.nextTag()
		if !ok {
			s.done = true
			return
		}
		switch {
		case string(name) == "row" && !end:
			inRow = true
			r := atoi(attrOf(attrs, "r"))
			if r == 0 {
				r = s.row + 1
			}
			s.row, s.next, s.col = r, r, 0
			if self {
				return
			}
		case string(name) == "row" && end:
			if inRow {
				return
			}
		case string(name) == "c" && !end:
			col := s.col + 1
			if c := refColumn(attrOf(attrs, "r")); c > 0 {
				col = c
			}
			s.col = col
			t := attrOf(attrs, "t")
			number = len(t) == 0 || string(t) == "n"
			shared = s.shared && string(t) == "s"
			style = atoi(attrOf(attrs, "s"))
			cell = scanCell{col: col - 1, elapsed: number && s.elapsed[style]}
			hasF, hasV, v, inCell = false, false, nil, !self
			if self && cell.elapsed {
				s.pending = append(s.pending, cell)
			}
		case string(name) == "c" && end:
			if !inCell {
				continue
			}
			inCell = false
			// No <v> at all, or an empty one where a number belongs (a
			// string result may be ""), is a formula never calculated.
			if hasF && (!hasV || number && len(bytes.TrimSpace(v)) == 0) {
				cell.formula = true
			} else if number && longNumber(v) {
				cell.raw = string(v)
			} else if shared && len(v) > 0 {
				cell.shared, cell.sst, cell.style = true, sstIndex(v), style
			}
			if cell.formula || cell.raw != "" || cell.elapsed || cell.shared {
				s.pending = append(s.pending, cell)
			}
		case string(name) == "f" && inCell && !end:
			hasF = true
		case string(name) == "v" && inCell && !end:
			hasV = true
			if !self {
				v = s.text()
			}
		case string(name) == "sheetData" && end:
			s.done = true
			return
		}
	}
}

// sstIndex reads a t="s" cell's value as excelize does: entities
// decoded, spaces trimmed, and 0 for what is not a number.
func sstIndex(v []byte) int {
	s := string(v)
	if bytes.IndexByte(v, '&') >= 0 {
		var d struct {
			V string `xml:",chardata"`
		}
		if xml.Unmarshal([]byte("<v>"+s+"</v>"), &d) == nil {
			s = d.V
		}
	}
	i, _ := strconv.Atoi(strings.TrimSpace(s))
	return i
}

// longNumber reports a stored number with more than 15 significant
// digits, or in exponent form: excelize shows those rounded.
func longNumber(v []byte) bool {
	v = bytes.TrimSpace(v)
	if bytes.ContainsAny(v, "Ee") {
		return true
	}
	digits := 0
	lead := true
	for _, c := range v {
		if c >= '0' && c <= '9' {
			if lead && c == '0' {
				continue
			}
			lead = false
			digits++
		}
	}
	return digits > 15
}

// nextTag finds the next element tag: its local name (any prefix
// dropped), its attribute text, whether it is an end tag, whether it
// closes itself. ok is false at the end of the part.
func (s *sheetScan) nextTag() (name []byte, attrs []byte, end, self, ok bool) {
	for {
		if _, err := s.br.ReadSlice('<'); err != nil && err != bufio.ErrBufferFull {
			return nil, nil, false, false, false
		} else if err == bufio.ErrBufferFull {
			continue
		}
		tag, err := s.readTag()
		if err != nil {
			return nil, nil, false, false, false
		}
		if len(tag) == 0 || tag[0] == '?' || tag[0] == '!' {
			continue
		}
		if tag[0] == '/' {
			end, tag = true, tag[1:]
		}
		if n := len(tag); n > 0 && tag[n-1] == '/' {
			self, tag = true, tag[:n-1]
		}
		i := bytes.IndexAny(tag, " \t\r\n")
		if i < 0 {
			i = len(tag)
		}
		local := tag[:i]
		if j := bytes.IndexByte(local, ':'); j >= 0 {
			local = local[j+1:]
		}
		return local, tag[i:], end, self, true
	}
}

// readTag reads up to the '>' that ends the tag (quoted '>' included).
func (s *sheetScan) readTag() ([]byte, error) {
	s.tag = s.tag[:0]
	quote := byte(0)
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return nil, err
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return s.tag, nil
		}
		s.tag = append(s.tag, c)
		if len(s.tag) > 1<<20 {
			return nil, io.ErrUnexpectedEOF
		}
	}
}

// text reads an element's text up to the next tag, leaving its '<' unread;
// CDATA sections are text too.
func (s *sheetScan) text() []byte {
	var out []byte
	for {
		b, err := s.br.Peek(1)
		if err != nil {
			return out
		}
		if b[0] == '<' {
			if p, _ := s.br.Peek(len(cdataOpen)); string(p) != cdataOpen {
				return out
			}
			_, _ = s.br.Discard(len(cdataOpen))
			out = s.cdata(out)
			continue
		}
		chunk, err := s.br.ReadSlice('<')
		if err == nil {
			out = append(out, chunk[:len(chunk)-1]...)
			_ = s.br.UnreadByte()
			return out
		}
		out = append(out, chunk...)
		if err != bufio.ErrBufferFull {
			return out
		}
	}
}

const cdataOpen = "<![CDATA["

// cdata appends a CDATA section's text, read up to its "]]>".
func (s *sheetScan) cdata(out []byte) []byte {
	start := len(out)
	for {
		chunk, err := s.br.ReadSlice('>')
		out = append(out, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return out
		}
		if bytes.HasSuffix(out[start:], []byte("]]>")) {
			return out[:len(out)-3]
		}
	}
}

// attrOf returns attribute name's value in attrs (nil if absent).
func attrOf(attrs []byte, name string) []byte {
	for i := 0; i < len(attrs); {
		j := bytes.IndexByte(attrs[i:], '=')
		if j < 0 {
			return nil
		}
		key := bytes.TrimSpace(attrs[i : i+j])
		if k := bytes.IndexByte(key, ':'); k >= 0 {
			key = key[k+1:]
		}
		rest := bytes.TrimLeft(attrs[i+j+1:], " \t\r\n")
		if len(rest) == 0 {
			return nil
		}
		q := rest[0]
		if q != '"' && q != '\'' {
			return nil
		}
		e := bytes.IndexByte(rest[1:], q)
		if e < 0 {
			return nil
		}
		if string(key) == name {
			return rest[1 : 1+e]
		}
		i = len(attrs) - len(rest) + e + 2
	}
	return nil
}

// atoi is a small non-negative decimal, 0 when b is not one.
func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' || n > 1<<30 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// refColumn is the 1-based column of a cell reference such as "AB12"; 0
// when there is none.
func refColumn(ref []byte) int {
	col := 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			return col
		}
		if col > 1<<20 {
			return 0
		}
	}
	return col
}

// sheetPartOf is the worksheet part of sheet in the workbook at file; ""
// when it cannot be found.
func sheetPartOf(file, sheet string) string {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return ""
	}
	defer zr.Close()
	return sheetPartName(&zr.Reader, sheet)
}
