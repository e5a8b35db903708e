package reports

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// sheetRows writes small sheets (Summary, Instructions) top to bottom with
// excelize's ordinary API. The first error sticks and later calls do
// nothing, so callers check err once at the end.
type sheetRows struct {
	f     *excelize.File
	sheet string
	r     int // the last row written or skipped
	err   error
}

func newSheetRows(f *excelize.File, sheet string) *sheetRows {
	s := &sheetRows{f: f, sheet: sheet}
	_, s.err = f.NewSheet(sheet)
	return s
}

// put writes values on the next row, styled when style is not 0.
func (s *sheetRows) put(style int, values ...any) {
	s.r++
	if s.err != nil || len(values) == 0 {
		return
	}
	ref := fmt.Sprintf("A%d", s.r)
	if s.err = s.f.SetSheetRow(s.sheet, ref, &values); s.err != nil || style == 0 {
		return
	}
	last, _ := excelize.CoordinatesToCellName(len(values), s.r)
	s.err = s.f.SetCellStyle(s.sheet, ref, last, style)
}

// blank skips a row.
func (s *sheetRows) blank() { s.r++ }

// style makes a style, keeping the first error.
func (s *sheetRows) style(st *excelize.Style) int {
	if s.err != nil {
		return 0
	}
	var id int
	id, s.err = s.f.NewStyle(st)
	return id
}

// widths sets the widths of the first columns.
func (s *sheetRows) widths(w ...float64) {
	for i, v := range w {
		if s.err != nil {
			return
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		s.err = s.f.SetColWidth(s.sheet, col, col, v)
	}
}
