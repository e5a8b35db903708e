package reports

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/reports/outfile"
)

// xlsxLayout is the fixed shape of a streamed sheet.
type xlsxLayout struct {
	sheet   string
	header  []string
	widths  []float64 // per column, the least width; 0 or missing means from the header's length
	numeric []bool    // columns stored as numbers when the cell is an integer
	// freezeCols columns stay in view with the header when scrolling
	// right (row and status).
	freezeCols int
	title      string // the document's title in its properties
	bom        bool   // CSV only: start with a UTF-8 BOM (see utf8BOM)
}

// MaxXLSXCell is the most characters (UTF-16 code units, as Excel counts)
// an XLSX cell holds. A longer value is never truncated: the writer leaves
// the cell empty, and the mapper makes the row an error (CELL_TOO_LONG)
// before it is checked or sent, so the row says why.
const MaxXLSXCell = 32767

const (
	// widthSample is how many rows are held before the sheet starts, to
	// size the columns to their content: widths come before the rows in
	// the sheet XML, and a stream cannot go back.
	widthSample = 256
	maxColWidth = 60
	// sheetPart is the data sheet's part. excelize's own sheet1 is a
	// placeholder that is left out of the zip.
	sheetPart = "xl/worksheets/sheet1.xml"
	bufSize   = 64 << 10
)

// xlsxTable streams one sheet straight into its zip entry as rows come,
// at a fast deflate level, in constant memory: a bold header frozen with
// the first freezeCols columns, columns sized to the header and the first
// rows' content, an autofilter, the header repeated on printed pages and a
// landscape fit-to-width page setup. excelize makes what is small and
// built at the end (styles, the Summary sheet, the workbook, document
// properties); its parts are copied in after the sheet.
//
// excelize's StreamWriter is not used for the rows: it writes them to a
// temp file and zips that file again at the end at the default deflate
// level, which measured about 13 times the time of the CSV report.
type xlsxTable struct {
	path    string
	out     *outfile.File
	zw      *zip.Writer
	bw      *asyncWriter // the sheet entry, once started
	f       *excelize.File
	l       xlsxLayout
	ncols   int
	last    int // the last row written; the header is row 1
	styles  [numTones]int
	head    int
	refs    []string   // column letters
	held    [][]string // rows waiting for the widths
	heldTn  [][]tone
	content []int // widest cell per column among the held rows
	xml     []byte
	closed  bool
}

func newXLSXTable(path string, l xlsxLayout) (*xlsxTable, error) {
	// Create the file now: an unwritable path must fail before a run
	// creates anyone, not when its results are saved.
	out, err := outfile.Create(path)
	if err != nil {
		return nil, err
	}
	t := &xlsxTable{path: path, out: out, f: excelize.NewFile(), l: l, ncols: len(l.header), content: make([]int, len(l.header))}
	if err := t.start(); err != nil {
		t.abort()
		return nil, wrapPath(path, err)
	}
	return t, nil
}

// abort drops the workbook and its file: the previous file (or none) stays.
func (t *xlsxTable) abort() {
	t.closed = true
	if t.bw != nil {
		_ = t.bw.Close()
	}
	_ = t.f.Close()
	t.out.Abort()
}

// start names the sheet and makes the styles; the sheet XML itself starts
// once the first rows have given the widths.
func (t *xlsxTable) start() error {
	if err := t.f.SetSheetName(t.f.GetSheetName(0), t.l.sheet); err != nil {
		return err
	}
	var err error
	if t.head, err = t.f.NewStyle(headerStyle()); err != nil {
		return err
	}
	for tn := toneBad; tn < numTones; tn++ {
		if t.styles[tn], err = t.f.NewStyle(fillStyle(toneFills[tn])); err != nil {
			return err
		}
	}
	t.refs = make([]string, max(t.ncols, 1))
	for i := range t.refs {
		if t.refs[i], err = excelize.ColumnNumberToName(i + 1); err != nil {
			return err
		}
	}
	t.zw = zip.NewWriter(t.out)
	// klauspost's deflate at its fastest level: deflating a 1M-row report's
	// 800 MB of sheet XML was most of the run, which took 2.8 s with
	// compress/flate's BestSpeed and takes 2.0 s with this, at the same
	// size. Plain deflate: every reader opens it.
	t.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return nil
}

func (t *xlsxTable) row(cells []string, tones []tone) error {
	if t.closed {
		return errors.New("report already closed")
	}
	if t.bw == nil {
		for i, c := range cells {
			if i < len(t.content) {
				t.content[i] = max(t.content[i], displayWidth(c))
			}
		}
		t.held = append(t.held, append([]string(nil), cells...))
		t.heldTn = append(t.heldTn, append([]tone(nil), tones...))
		if len(t.held) < widthSample {
			return nil
		}
		return t.begin()
	}
	return t.writeRow(cells, tones)
}

// begin writes the sheet's start (properties, view, widths, header) and
// the held rows.
func (t *xlsxTable) begin() error {
	w, err := t.zw.CreateHeader(&zip.FileHeader{Name: sheetPart, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	t.bw = newAsyncWriter(w, bufSize, 4)
	b := append(t.xml[:0], "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"...)
	b = append(b, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`...)
	b = append(b, `<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>`...)
	b = append(b, sheetView(t.l.freezeCols, t.refs)...)
	b = append(b, `<sheetFormatPr defaultRowHeight="15"/><cols>`...)
	for i, h := range t.l.header {
		b = fmt.Appendf(b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(t.width(i, h), 'f', -1, 64))
	}
	b = append(b, `</cols><sheetData>`...)
	heads := make([]tone, len(t.l.header))
	t.xml = b
	if err := t.writeRowStyled(t.l.header, heads, t.head); err != nil {
		return err
	}
	for i, cells := range t.held {
		if err := t.writeRow(cells, t.heldTn[i]); err != nil {
			return err
		}
	}
	t.held, t.heldTn = nil, nil
	return nil
}

// width is column i's width: the header's (or the layout's) at least, the
// widest held cell's up to maxColWidth.
func (t *xlsxTable) width(i int, h string) float64 {
	w := headerWidth(h)
	if i < len(t.l.widths) && t.l.widths[i] > 0 {
		w = t.l.widths[i]
	}
	return max(w, min(float64(t.content[i]+2), maxColWidth))
}

// sheetView freezes the header row and the first cols columns.
func sheetView(cols int, refs []string) string {
	if cols <= 0 {
		return `<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>`
	}
	cols = min(cols, len(refs)-1)
	tl := refs[cols] + "2"
	return fmt.Sprintf(`<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane xSplit="%d" ySplit="1" topLeftCell="%s" activePane="bottomRight" state="frozen"/>`+
		`<selection pane="topRight" activeCell="%s1" sqref="%s1"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>`+
		`<selection pane="bottomRight" activeCell="%s" sqref="%s"/></sheetView></sheetViews>`, cols, tl, refs[cols], refs[cols], tl, tl)
}

func (t *xlsxTable) writeRow(cells []string, tones []tone) error {
	return t.writeRowStyled(cells, tones, 0)
}

// writeRowStyled appends one row's XML to the buffer and writes it out;
// style, when not 0, styles every cell (the header).
func (t *xlsxTable) writeRowStyled(cells []string, tones []tone, style int) error {
	t.last++
	b := append(t.xml, `<row r="`...)
	b = strconv.AppendInt(b, int64(t.last), 10)
	b = append(b, `">`...)
	next := 0 // the column a cell without r would land in
	for i, c := range cells {
		if i >= len(t.refs) {
			break
		}
		s := style
		if i < len(tones) && tones[i] != plain {
			s = t.styles[tones[i]]
		}
		if c == "" && s == 0 {
			continue
		}
		// r is optional where a cell follows the one before it (OOXML
		// CT_Cell): leaving it out there cuts a fifth of the XML, and so
		// of the deflate time. After a skipped empty cell it is written.
		b = append(b, `<c`...)
		if i != next {
			b = append(b, ` r="`...)
			b = append(b, t.refs[i]...)
			b = strconv.AppendInt(b, int64(t.last), 10)
			b = append(b, '"')
		}
		next = i + 1
		if s != 0 {
			b = append(b, ` s="`...)
			b = strconv.AppendInt(b, int64(s), 10)
			b = append(b, '"')
		}
		switch {
		case c == "":
			b = append(b, `/>`...)
		case style == 0 && i < len(t.l.numeric) && t.l.numeric[i] && isInteger(c):
			b = append(b, `><v>`...)
			b = append(b, c...)
			b = append(b, `</v></c>`...)
		case tooLong(c):
			b = append(b, `/>`...) // never truncated: the row carries CELL_TOO_LONG
		default:
			b = append(b, ` t="inlineStr"><is><t`...)
			if needsPreserve(c) {
				b = append(b, ` xml:space="preserve"`...)
			}
			b = append(b, '>')
			b = appendEscaped(b, c)
			b = append(b, `</t></is></c>`...)
		}
	}
	b = append(b, `</row>`...)
	_, err := t.bw.Write(b)
	t.xml = b[:0]
	if cap(t.xml) > 4*bufSize {
		t.xml = nil // one huge row does not keep its buffer
	}
	return err
}

func (t *xlsxTable) close(sections []section) error {
	if t.closed {
		return nil
	}
	err := t.finish(sections)
	t.closed = true
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if t.bw != nil {
			_ = t.bw.Close()
		}
		t.out.Abort()
		return wrapPath(t.path, err)
	}
	return t.out.Close() // names path itself
}

func (t *xlsxTable) finish(sections []section) error {
	if t.bw == nil {
		if err := t.begin(); err != nil {
			return err
		}
	}
	lastCol := t.refs[max(t.ncols, 1)-1]
	filter := fmt.Sprintf("A1:%s%d", lastCol, t.last)
	b := append(t.xml[:0], `</sheetData>`...)
	b = append(b, `<autoFilter ref="`+filter+`"/>`...)
	b = append(b, `<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>`...)
	b = append(b, `<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>`...)
	b = append(b, `<headerFooter><oddFooter>&amp;L`...)
	b = appendEscaped(b, t.l.sheet)
	b = append(b, `&amp;RPage &amp;P of &amp;N</oddFooter></headerFooter></worksheet>`...)
	if _, err := t.bw.Write(b); err != nil {
		return err
	}
	if err := t.bw.Close(); err != nil {
		return err
	}
	if err := t.workbook(filter, sections); err != nil {
		return err
	}
	return t.zw.Close()
}

// workbook has excelize make every part but the data sheet (styles,
// Summary, workbook with the print titles and filter names, properties)
// and copies them into the zip.
func (t *xlsxTable) workbook(filter string, sections []section) error {
	sheet := quoteSheet(t.l.sheet)
	for _, dn := range []*excelize.DefinedName{
		{Name: "_xlnm.Print_Titles", RefersTo: sheet + "!$1:$1", Scope: t.l.sheet},
		{Name: "_xlnm._FilterDatabase", RefersTo: sheet + "!" + absRef(filter), Scope: t.l.sheet},
	} {
		if err := t.f.SetDefinedName(dn); err != nil {
			return err
		}
	}
	if sections != nil {
		if err := writeSummarySheet(t.f, sections); err != nil {
			return err
		}
		if err := fitToWidth(t.f, summarySheet); err != nil {
			return err
		}
	}
	if err := setProperties(t.f, t.l.title); err != nil {
		return err
	}
	var parts bytes.Buffer
	if err := t.f.Write(&parts); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(parts.Bytes()), int64(parts.Len()))
	if err != nil {
		return err
	}
	for _, zf := range zr.File {
		if zf.Name == sheetPart {
			continue
		}
		if err := t.zw.Copy(zf); err != nil {
			return err
		}
	}
	return nil
}

// fitToWidth prints sheet one page wide.
func fitToWidth(f *excelize.File, sheet string) error {
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	w, h := 1, 0
	return f.SetPageLayout(sheet, &excelize.PageLayoutOptions{FitToWidth: &w, FitToHeight: &h})
}

// asyncWriter is the data sheet's buffer: full 64 KiB buffers go to a
// goroutine that writes them on into the zip entry, so deflating overlaps
// building the rows on the report's ordered goroutine (deflate was half
// of that goroutine's time). A few buffers circulate; nothing grows.
type asyncWriter struct {
	cur    []byte
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    error // the goroutine's first write error, read after done
	failed atomic.Bool
	closed bool
}

func newAsyncWriter(w io.Writer, size, n int) *asyncWriter {
	a := &asyncWriter{full: make(chan []byte, n), free: make(chan []byte, n+1), done: make(chan struct{})}
	for range n {
		a.free <- make([]byte, 0, size)
	}
	a.cur = make([]byte, 0, size)
	go func() {
		defer close(a.done)
		for b := range a.full {
			if a.err == nil {
				if _, a.err = w.Write(b); a.err != nil {
					a.failed.Store(true)
				}
			}
			a.free <- b[:0]
		}
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	if a.failed.Load() {
		return 0, a.Close()
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(a.cur[len(a.cur):cap(a.cur)], p)
		a.cur = a.cur[:len(a.cur)+k]
		p = p[k:]
		if len(a.cur) == cap(a.cur) {
			a.full <- a.cur
			a.cur = <-a.free
		}
	}
	return n, nil
}

// Close writes what is buffered, waits for the goroutine and returns its
// first error.
func (a *asyncWriter) Close() error {
	if !a.closed {
		a.closed = true
		if len(a.cur) > 0 && !a.failed.Load() {
			a.full <- a.cur
		}
		close(a.full)
	}
	<-a.done
	return a.err
}

// setProperties names onboard as the author and application (excelize's
// defaults name the library and "Microsoft Excel").
func setProperties(f *excelize.File, title string) error {
	now := time.Now().UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator: "onboard", LastModifiedBy: "onboard", Title: title,
		Description: "Written by onboard (bulk onboarding to vendors' user APIs)",
		Created:     now, Modified: now, Language: "en-US",
	}); err != nil {
		return err
	}
	return f.SetAppProps(&excelize.AppProperties{Application: "onboard", DocSecurity: 0})
}

// quoteSheet quotes a sheet name for a formula reference.
func quoteSheet(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("''"))) + "'"
}

// absRef turns "A1:K9" into "$A$1:$K$9".
func absRef(ref string) string {
	var b []byte
	digit := false
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		isDigit := c >= '0' && c <= '9'
		if (i == 0 || ref[i-1] == ':') && !isDigit || isDigit && !digit {
			b = append(b, '$')
		}
		digit = isDigit
		b = append(b, c)
	}
	return string(b)
}

// isInteger reports whether s is a plain decimal integer that survives a
// number cell unchanged (no sign games, no leading zero, at most 15 digits).
func isInteger(s string) bool {
	if len(s) == 0 || len(s) > 15 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tooLong reports whether s is over MaxXLSXCell UTF-16 code units.
func tooLong(s string) bool {
	if len(s) <= MaxXLSXCell {
		return false // a code unit takes at least one byte
	}
	return utf16Len(s) > MaxXLSXCell
}

// utf16Len is s's length as Excel counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// displayWidth is about how many characters wide s shows: its longest
// line, in runes.
func displayWidth(s string) int {
	w, line := 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
		} else {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
		if c == '\n' {
			line = 0
			continue
		}
		line++
		w = max(w, line)
	}
	return w
}

func needsPreserve(s string) bool {
	first, last := s[0], s[len(s)-1]
	return first == ' ' || first == '\t' || first == '\n' || last == ' ' || last == '\t' || last == '\n'
}

// appendEscaped appends s as XML text: & < > escaped, characters XML 1.0
// cannot hold (controls, CR) and a literal "_xHHHH_" written the way Excel
// reads them back (_x000D_, _x005F_x...), invalid UTF-8 as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		// Runs that need nothing go in one append: most cells are one run.
		j := i
		for j < len(s) && xmlPlain[s[j]] {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '_' && isEscapeLike(s[i:]):
			b = append(b, "_x005F_"...)
		case c < 0x20 && c != '\t' && c != '\n':
			b = append(b, "_x00"...)
			b = append(b, hexDigit(c>>4), hexDigit(c&15), '_')
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}

// xmlPlain marks the bytes appendEscaped copies as they are: printable
// ASCII, tab and newline, except & < > and _.
var xmlPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '&' && c != '<' && c != '>' && c != '_'
	}
	t['\t'], t['\n'] = true, true
	return t
}()

// isEscapeLike reports whether s starts with "_xHHHH_", which Excel would
// read as an escaped character.
func isEscapeLike(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hexDigit(n byte) byte { return "0123456789ABCDEF"[n] }

// headerWidth is a column width that shows the whole header text, within
// reason.
func headerWidth(h string) float64 {
	return float64(min(max(len([]rune(h))+4, 10), 40))
}

func headerStyle() *excelize.Style {
	return &excelize.Style{
		Font:   &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
	}
}

func fillStyle(color string) *excelize.Style {
	return &excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}}
}

// createXLSX starts writing path atomically (see outfile) and returns a
// workbook whose spill files go into a private folder beside path,
// removed with the output. For workbooks excelize writes whole (the
// template).
func createXLSX(path string) (*outfile.File, *excelize.File, error) {
	out, err := outfile.Create(path)
	if err != nil {
		return nil, nil, err
	}
	spill, err := out.SpillDir()
	if err != nil {
		out.Abort()
		return nil, nil, err
	}
	return out, excelize.NewFile(excelize.Options{TmpDir: spill}), nil
}

func frozenHeader() *excelize.Panes {
	return &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}
}
