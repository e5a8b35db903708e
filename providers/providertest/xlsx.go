package providertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// Sheet is how WriteXLSX lays a roster out: text cells on one sheet,
// header bold and frozen, as an HR or registrar export looks.
type Sheet struct {
	Name  string  // the sheet's name
	Width float64 // when set, the width of every used column
	// Cell, when set, may write the cell at (row, col), 0-based, itself (a
	// real date cell, say) and report true; other cells are text.
	Cell func(f *excelize.File, sheet, cell string, row, col int, v string) (bool, error)
}

// WriteXLSX writes rows to a new workbook at path as sheet lays them out.
// Empty cells are left out.
func WriteXLSX(t *testing.T, path string, sheet Sheet, rows [][]string) {
	t.Helper()
	require.NotEmpty(t, rows, "a header at least")
	f := excelize.NewFile()
	defer f.Close()
	name := sheet.Name
	require.NoError(t, f.SetSheetName("Sheet1", name))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	require.NoError(t, err)
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			if sheet.Cell != nil {
				done, err := sheet.Cell(f, name, cell, r, c, v)
				require.NoError(t, err, "cell %s", cell)
				if done {
					continue
				}
			}
			require.NoError(t, f.SetCellStr(name, cell, v))
		}
	}
	last, err := excelize.CoordinatesToCellName(len(rows[0]), 1)
	require.NoError(t, err)
	require.NoError(t, f.SetCellStyle(name, "A1", last, bold))
	if sheet.Width > 0 {
		lastCol, err := excelize.ColumnNumberToName(len(rows[0]))
		require.NoError(t, err)
		require.NoError(t, f.SetColWidth(name, "A", lastCol, sheet.Width))
	}
	require.NoError(t, f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	require.NoError(t, f.SaveAs(path))
}

// OpenXLSX opens the workbook at path (closed when the test ends) and
// returns its first sheet's name and raw cell values, one row per row of
// want, each padded to want's width (excelize drops trailing empty cells).
func OpenXLSX(t *testing.T, path string, want [][]string) (f *excelize.File, sheet string, rows [][]string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	sheet = f.GetSheetName(0)
	rows, err = f.GetRows(sheet, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Len(t, rows, len(want))
	for i := range want {
		for len(rows[i]) < len(want[i]) {
			rows[i] = append(rows[i], "")
		}
	}
	return f, sheet, rows
}

// SampleXLSX checks that samples/<id>/roster.xlsx holds roster.csv's data,
// cell for cell; with update it first writes the workbook from the CSV as
// sheet lays it out.
func SampleXLSX(t *testing.T, id string, sheet Sheet, update bool) {
	t.Helper()
	want := SampleRows(t, id, "roster.csv")
	path := SamplePath(id, "roster.xlsx")
	if update {
		WriteXLSX(t, path, sheet, want)
	}
	_, _, rows := OpenXLSX(t, path, want)
	for i := range want {
		assert.Equal(t, want[i], rows[i], "row %d", i+1)
	}
}
