package read

import (
	"archive/zip"
	"bufio"
	"bytes"
	dlist "container/list"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// sstPart is the shared-strings part as excelize finds it: the entry named
// xl/sharedStrings.xml in any case, with \ read as /; the last one when a
// broken zip repeats it (excelize keeps the last). nil when there is none.
func sstPart(zr *zip.Reader) *zip.File {
	var part *zip.File
	for _, zf := range zr.File {
		if isSSTPart(zf) {
			part = zf
		}
	}
	return part
}

func isSSTPart(zf *zip.File) bool {
	return strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), "xl/sharedStrings.xml")
}

// copyWithout writes the workbook in zr to a new temp file (0600) in dir,
// the read's scratch folder, less its shared-strings part when noSST is
// set, and with sheet (when not nil) an empty worksheet; it returns its
// name. Entries are copied still compressed: no inflating, and a few
// percent of the read time.
func copyWithout(zr *zip.Reader, dir string, noSST bool, sheet *zip.File) (name string, err error) {
	tmp, err := os.CreateTemp(dir, "onboard-xlsx-")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	zw := zip.NewWriter(bw)
	for _, zf := range zr.File {
		if noSST && isSSTPart(zf) {
			continue
		}
		if zf == sheet {
			w, err := zw.Create(zf.Name)
			if err != nil {
				return "", err
			}
			if _, err := io.WriteString(w, emptySheet); err != nil {
				return "", err
			}
			continue
		}
		raw, err := zf.OpenRaw()
		if err != nil {
			return "", err
		}
		fh := zf.FileHeader
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(w, raw); err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return tmp.Name(), bw.Flush()
}

// emptySheet stands for a worksheet the reader scans itself.
const emptySheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`

// Shared-strings store geometry. Strings are kept on disk, each one's
// offset implied by its block's: 8 bytes per 64 strings in memory. Blocks
// read back are cached, up to sstCacheBytes, since rosters refer to recent
// strings and to a few hot ones (enum values) over and over.
const (
	sstBlock      = 64
	sstCacheBytes = 4 << 20
	// sstBlockMax is the largest block cached; a bigger one (long texts)
	// is read string by string, so no lookup holds more than one string.
	sstBlockMax = 256 << 10
)

// sstStore holds a workbook's shared strings in a temp file, for the
// workbooks whose shared-strings part excelize would index at 40+ bytes a
// string (a 287 MB part peaked at 615 MiB).
type sstStore struct {
	f      *os.File
	starts []int64 // the offset of strings 0, sstBlock, 2*sstBlock, ...
	n      int     // strings
	size   int64   // bytes in f

	lru    dlist.List // of *sstCached, most recent first
	cached map[int]*dlist.Element
	bytes  int // held by lru
	hdr    [binary.MaxVarintLen64]byte
}

type sstCached struct {
	block int
	data  []byte
}

// buildSSTStore reads the shared-strings part once into a store. Each
// string is what excelize's xlsxSI.String gives: the <t> directly in <si>
// (the last one if there are several), then each <r> run's <t>, then
// _xHHHH_ escapes decoded; phonetic <rPh> runs and anything else are not
// text. Strings longer than maxLen bytes are stored cut to maxLen: over
// the cell limit either way, but the error then gives that size. The
// store's file goes in dir, the read's scratch folder.
//
// A part in UTF-8 is read with the byte scanner (scanSST), checked on the
// way when check is set; one in another encoding through encoding/xml.
func buildSSTStore(zf *zip.File, charset func(string, io.Reader) (io.Reader, error), maxLen int, dir string, check bool) (s *sstStore, err error) {
	if utf8Part(zf) {
		return scanSSTStore(zf, maxLen, dir, check)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s, w, err := newSSTStore(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = s.Close()
			s = nil
		}
	}()
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	d.CharsetReader = charset

	// depth counts elements open inside the current <si> (0: none);
	// collect is the depth whose character data is text, 0 when none is.
	var (
		inSI, inRun    bool
		depth, collect int
		direct, runs   []byte
		runStart       int
		rawMax         = 8 * maxLen // escapes shrink text at most 7 to 1
		text           *[]byte
	)
	add := func(b []byte) {
		if room := rawMax - len(*text); room > 0 {
			*text = append(*text, b[:min(len(b), room)]...)
		}
	}
	emit := func() error {
		return s.put(w, bstrDecode(append(direct, runs...)), maxLen)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("shared strings: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !inSI {
				if t.Name.Local == "si" {
					inSI, depth, collect, inRun = true, 0, 0, false
					direct, runs = direct[:0], runs[:0]
				}
				continue
			}
			depth++
			switch {
			case depth == 1 && t.Name.Local == "t":
				direct, collect, text = direct[:0], depth, &direct
			case depth == 1 && t.Name.Local == "r":
				inRun, runStart = true, len(runs)
			case depth == 2 && inRun && t.Name.Local == "t":
				runs, collect, text = runs[:runStart], depth, &runs
			}
		case xml.EndElement:
			if !inSI {
				continue
			}
			if depth == 0 {
				inSI = false
				if err := emit(); err != nil {
					return nil, err
				}
				continue
			}
			if collect == depth {
				collect = 0
			}
			if depth == 1 {
				inRun = false
			}
			depth--
		case xml.CharData:
			if inSI && collect != 0 && collect == depth {
				add(t)
			}
		}
	}
	if inSI { // a part cut short: excelize keeps the string it was in
		if err := emit(); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return s, nil
}

// put appends one string to the store's file, cut at maxLen bytes on a
// character boundary, and notes a block start every sstBlock strings.
func (s *sstStore) put(w io.Writer, str []byte, maxLen int) error {
	if len(str) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(str[cut]) {
			cut--
		}
		str = str[:cut]
	}
	if s.n%sstBlock == 0 {
		s.starts = append(s.starts, s.size)
	}
	n := binary.PutUvarint(s.hdr[:], uint64(len(str)))
	if _, err := w.Write(s.hdr[:n]); err != nil {
		return err
	}
	if _, err := w.Write(str); err != nil {
		return err
	}
	s.size += int64(n + len(str))
	s.n++
	return nil
}

// newSSTStore makes an empty store in a temp file in dir, and the writer
// its strings go through.
func newSSTStore(dir string) (*sstStore, *bufio.Writer, error) {
	tmp, err := os.CreateTemp(dir, "onboard-sst-")
	if err != nil {
		return nil, nil, err
	}
	return &sstStore{f: tmp, cached: map[int]*dlist.Element{}}, bufio.NewWriterSize(tmp, 64<<10), nil
}

// scanSSTStore is buildSSTStore for a part in UTF-8.
func scanSSTStore(zf *zip.File, maxLen int, dir string, check bool) (s *sstStore, err error) {
	s, w, err := newSSTStore(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = s.Close()
			s = nil
		}
	}()
	err = scanSST(zf, check, func(str []byte) error {
		return s.put(w, str, maxLen)
	})
	if err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return s, nil
}

// bstrDecode decodes the _xHHHH_ escapes of OOXML strings as excelize's
// bstrUnmarshal does: left to right, not overlapping; an escape that is
// not a valid rune (a surrogate half) is dropped.
func bstrDecode(b []byte) []byte {
	i := bytes.Index(b, []byte("_x"))
	if i < 0 {
		return b
	}
	out := append([]byte(nil), b[:i]...)
	for i < len(b) {
		if r, ok := bstrAt(b[i:]); ok {
			if utf8.ValidRune(r) {
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// bstrAt reads an _xHHHH_ escape at the start of b.
func bstrAt(b []byte) (rune, bool) {
	if len(b) < 7 || b[0] != '_' || b[1] != 'x' || b[6] != '_' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// get returns string i; ok is false when there is no such string, which
// excelize treats as an empty cell.
func (s *sstStore) get(i int) (str string, ok bool, err error) {
	if i < 0 || i >= s.n {
		return "", false, nil
	}
	b := i / sstBlock
	start, end := s.starts[b], s.size
	if b+1 < len(s.starts) {
		end = s.starts[b+1]
	}
	if end-start > sstBlockMax {
		str, err := s.readOne(start, i%sstBlock)
		return str, err == nil, err
	}
	var data []byte
	if e, hit := s.cached[b]; hit {
		s.lru.MoveToFront(e)
		data = e.Value.(*sstCached).data
	} else {
		data = make([]byte, end-start)
		if _, err := s.f.ReadAt(data, start); err != nil {
			return "", false, fmt.Errorf("shared strings: %w", err)
		}
		s.cache(b, data)
	}
	for j := i % sstBlock; ; j-- {
		n, k := binary.Uvarint(data)
		if k <= 0 || uint64(len(data)-k) < n {
			return "", false, errors.New("shared strings: damaged temp file")
		}
		if j == 0 {
			return string(data[k : k+int(n)]), true, nil
		}
		data = data[k+int(n):]
	}
}

// readOne reads string j of the block at off, skipping the ones before.
func (s *sstStore) readOne(off int64, j int) (string, error) {
	for ; ; j-- {
		k, err := s.f.ReadAt(s.hdr[:], off)
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("shared strings: %w", err)
		}
		n, h := binary.Uvarint(s.hdr[:k])
		if h <= 0 || int64(n) > s.size-off {
			return "", errors.New("shared strings: damaged temp file")
		}
		if j == 0 {
			buf := make([]byte, n)
			if _, err := s.f.ReadAt(buf, off+int64(h)); err != nil {
				return "", fmt.Errorf("shared strings: %w", err)
			}
			return string(buf), nil
		}
		off += int64(h) + int64(n)
	}
}

// cache keeps block b, dropping the least recently used ones over budget.
func (s *sstStore) cache(b int, data []byte) {
	for s.bytes+len(data) > sstCacheBytes && s.lru.Len() > 0 {
		old := s.lru.Back()
		c := s.lru.Remove(old).(*sstCached)
		delete(s.cached, c.block)
		s.bytes -= len(c.data)
	}
	s.cached[b] = s.lru.PushFront(&sstCached{b, data})
	s.bytes += len(data)
}

// Close removes the temp file.
func (s *sstStore) Close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	s.f = nil
	return err
}

// sstFormats shows a shared string under its cell's number format as
// excelize would. Excelize formats a string only through a format's text
// section ("ID-"@ gives ID-value; an accounting format pads it with
// spaces); all else shows it as is. Rather than copy that engine, each
// style's format is run once, through excelize, on a placeholder in a
// scratch workbook, and the result is kept as the text around the value.
type sstFormats struct {
	wb      *excelize.File
	scratch *excelize.File
	around  map[int][]string // style → the text around the value; nil: as is
	styles  map[int]int      // style → the scratch style; 0: as is
	codes   map[int]string   // style → its custom format code
	nums    map[numKey]string
	// date1904 is the workbook's date system, for numbers.
	date1904 bool
}

// placeholders stand for the value; one that a format contains is skipped.
var placeholders = []string{"\uE000", "\uE001\uE002", "\uE003\uE004\uE005"}

func (s *sstFormats) apply(style int, v string) string {
	if style == 0 { // excelize does not format style 0
		return v
	}
	around, ok := s.around[style]
	if !ok {
		around = s.template(style)
		if s.around == nil {
			s.around = map[int][]string{}
		}
		s.around[style] = around
	}
	if around == nil {
		return v
	}
	return strings.Join(around, v)
}

// template runs style's number format on a placeholder; nil when the value
// shows as is.
func (s *sstFormats) template(style int) []string {
	hs, ok := s.scratchStyle(style)
	if !ok {
		return nil
	}
	x := s.scratch
	code := s.codes[style]
	for _, ph := range placeholders {
		if strings.Contains(code, ph) {
			continue
		}
		const sheet, ref = "Sheet1", "A1"
		if x.SetCellStr(sheet, ref, ph) != nil || x.SetCellStyle(sheet, ref, ref, hs) != nil {
			return nil
		}
		out, err := x.GetCellValue(sheet, ref)
		if err != nil || out == ph {
			return nil
		}
		return strings.Split(out, ph)
	}
	return nil
}

// scratchStyle is a style of the scratch workbook with style's number
// format; false when excelize shows a value under style as is.
func (s *sstFormats) scratchStyle(style int) (int, bool) {
	if hs, ok := s.styles[style]; ok {
		return hs, hs > 0
	}
	hs := s.newScratchStyle(style)
	if s.styles == nil {
		s.styles = map[int]int{}
	}
	s.styles[style] = hs
	return hs, hs > 0
}

func (s *sstFormats) newScratchStyle(style int) int {
	st := s.wb.Styles
	if st == nil || st.CellXfs == nil || style < 0 || style >= len(st.CellXfs.Xf) {
		return 0
	}
	id := 0
	if p := st.CellXfs.Xf[style].NumFmtID; p != nil {
		id = *p
	}
	if id == rawNumFmt {
		return 0
	}
	want := &excelize.Style{NumFmt: id}
	custom := false
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt { // the first, as excelize looks it up
			if nf != nil && nf.NumFmtID == id {
				code := nf.FormatCode
				if nf.FormatCode16 != "" {
					code = nf.FormatCode16
				}
				if code == "" {
					return 0
				}
				want, custom = &excelize.Style{CustomNumFmt: &code}, true
				break
			}
		}
	}
	if s.scratch == nil {
		s.scratch = excelize.NewFile()
		if s.date1904 {
			d := true
			_ = s.scratch.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &d})
		}
	}
	x := s.scratch
	hs, err := x.NewStyle(want)
	if err != nil || hs <= 0 {
		return 0
	}
	// A built-in ID the scratch workbook does not keep as is is one
	// excelize has no format for: the value shows as is.
	if p := x.Styles.CellXfs.Xf[hs].NumFmtID; !custom && (p == nil || *p != id) {
		return 0
	}
	if custom {
		if s.codes == nil {
			s.codes = map[int]string{}
		}
		s.codes[style] = *want.CustomNumFmt
	}
	return hs
}

// number shows the stored number v (one excelize's isNumeric takes) under
// style's format as excelize does, through the scratch workbook; results
// are cached, as a column's values repeat (dates, codes).
func (s *sstFormats) number(style int, v string) string {
	key := numKey{style, v}
	if out, ok := s.nums[key]; ok {
		return out
	}
	out := normalizeNumber(v)
	if hs, ok := s.scratchStyle(style); ok {
		const sheet, ref = "Sheet1", "A1"
		x := s.scratch
		if x.SetCellDefault(sheet, ref, v) == nil && x.SetCellStyle(sheet, ref, ref, hs) == nil {
			if got, err := x.GetCellValue(sheet, ref); err == nil {
				out = got
			}
		}
	}
	if len(s.nums) >= 1<<16 {
		clear(s.nums)
	}
	if s.nums == nil {
		s.nums = map[numKey]string{}
	}
	s.nums[key] = out
	return out
}

type numKey struct {
	style int
	v     string
}

// Close releases the scratch workbook.
func (s *sstFormats) Close() error {
	if s == nil || s.scratch == nil {
		return nil
	}
	err := s.scratch.Close()
	s.scratch = nil
	return err
}
