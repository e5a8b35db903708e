package reports

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/onboard/onboard/reports/outfile"
	"github.com/xuri/excelize/v2"
)

// xlsxLayout is the fixed shape of a streamed sheet.
type xlsxLayout struct {
	sheet   string
	header  []string
	widths  []float64 // per column; 0 or missing means from the header's length
	numeric []bool    // columns stored as numbers when the cell is an integer
	bom     bool      // CSV only: start with a UTF-8 BOM (see utf8BOM)
}

// xlsxTable streams one sheet with excelize's StreamWriter: a bold frozen
// header, fixed column widths and an autofilter over the data. The
// StreamWriter spills rows to a temp file, so memory stays flat; the zip
// itself is built at close.
type xlsxTable struct {
	path    string
	out     *outfile.File
	f       *excelize.File
	sw      *excelize.StreamWriter
	sheet   string
	ncols   int
	last    int // the last row written; the header is row 1
	numeric []bool
	styles  [numTones]int
	buf     []any
	closed  bool
}

func newXLSXTable(path string, l xlsxLayout) (*xlsxTable, error) {
	// Create the file now: an unwritable path must fail before a run
	// creates anyone, not when its results are saved.
	out, x, err := createXLSX(path)
	if err != nil {
		return nil, err
	}
	t := &xlsxTable{path: path, out: out, f: x, sheet: l.sheet, ncols: len(l.header), numeric: l.numeric}
	if err := t.start(l); err != nil {
		t.abort()
		return nil, wrapPath(path, err)
	}
	return t, nil
}

// createXLSX starts writing path atomically (see outfile) and returns a
// workbook whose spill files (the StreamWriter's rows) go into a private
// folder beside path, removed with the output.
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

// abort drops the workbook and its file: the previous file (or none) stays.
func (t *xlsxTable) abort() {
	t.closed = true
	_ = t.f.Close()
	t.out.Abort()
}

// start names the sheet, makes the styles, and writes what the
// StreamWriter needs before the first row: widths, panes, the header.
func (t *xlsxTable) start(l xlsxLayout) error {
	if err := t.f.SetSheetName(t.f.GetSheetName(0), t.sheet); err != nil {
		return err
	}
	head, err := t.f.NewStyle(headerStyle())
	if err != nil {
		return err
	}
	for tn := toneBad; tn < numTones; tn++ {
		if t.styles[tn], err = t.f.NewStyle(fillStyle(toneFills[tn])); err != nil {
			return err
		}
	}
	if t.sw, err = t.f.NewStreamWriter(t.sheet); err != nil {
		return err
	}
	for i, h := range l.header {
		w := 0.0
		if i < len(l.widths) {
			w = l.widths[i]
		}
		if w == 0 {
			w = headerWidth(h)
		}
		if err := t.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := t.sw.SetPanes(frozenHeader()); err != nil {
		return err
	}
	cells := make([]any, len(l.header))
	for i, h := range l.header {
		cells[i] = excelize.Cell{StyleID: head, Value: h}
	}
	t.last = 1
	return t.sw.SetRow("A1", cells)
}

func (t *xlsxTable) row(cells []string, tones []tone) error {
	if t.closed {
		return errors.New("report already closed")
	}
	t.buf = t.buf[:0]
	for i, c := range cells {
		var v any = c
		if i < len(t.numeric) && t.numeric[i] && c != "" {
			if n, err := strconv.Atoi(c); err == nil {
				v = n
			}
		}
		if i < len(tones) && tones[i] != plain {
			v = excelize.Cell{StyleID: t.styles[tones[i]], Value: v}
		}
		t.buf = append(t.buf, v)
	}
	t.last++
	ref, err := excelize.CoordinatesToCellName(1, t.last)
	if err != nil {
		return err
	}
	return t.sw.SetRow(ref, t.buf)
}

func (t *xlsxTable) close(sections []section) error {
	if t.closed {
		return nil
	}
	t.closed = true
	err := t.finish(sections)
	if cerr := t.f.Close(); err == nil {
		err = cerr // removes the StreamWriter's temp files
	}
	if err != nil {
		t.out.Abort()
		return wrapPath(t.path, err)
	}
	return t.out.Close() // names path itself
}

func (t *xlsxTable) finish(sections []section) error {
	lastCol, err := excelize.ColumnNumberToName(max(t.ncols, 1))
	if err != nil {
		return err
	}
	// The autofilter must be set before Flush: after it, excelize drops it
	// without a word.
	if err := t.f.AutoFilter(t.sheet, fmt.Sprintf("A1:%s%d", lastCol, t.last), nil); err != nil {
		return err
	}
	if err := t.sw.Flush(); err != nil {
		return err
	}
	if sections != nil {
		if err := writeSummarySheet(t.f, sections); err != nil {
			return err
		}
	}
	return t.f.Write(t.out)
}

// headerWidth is a column width that shows the whole header text, within
// reason.
func headerWidth(h string) float64 {
	return float64(min(max(len([]rune(h))+4, 10), 40))
}

func frozenHeader() *excelize.Panes {
	return &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}
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
