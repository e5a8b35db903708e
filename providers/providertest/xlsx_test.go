package providertest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func TestWriteXLSXRoundTrip(t *testing.T) {
	rows := [][]string{{"Name", "Born", "Note"}, {"Ann", "2004-09-17", ""}, {"Bo", "n/a", "x"}}
	path := t.TempDir() + "/r.xlsx"
	dates := 0
	WriteXLSX(t, path, Sheet{Name: "People", Width: 12, Cell: func(f *excelize.File, sheet, cell string, row, col int, v string) (bool, error) {
		if row == 0 || col != 1 || !strings.Contains(v, "-") {
			return false, nil
		}
		dates++
		return true, f.SetCellInt(sheet, cell, 42)
	}}, rows)
	assert.Equal(t, 1, dates, "the hook sees every non-empty cell")

	f, sheet, got := OpenXLSX(t, path, rows)
	assert.Equal(t, "People", sheet)
	assert.Equal(t, [][]string{{"Name", "Born", "Note"}, {"Ann", "42", ""}, {"Bo", "n/a", "x"}}, got, "rows padded to the CSV's width")
	w, err := f.GetColWidth(sheet, "C")
	require.NoError(t, err)
	assert.InDelta(t, 12, w, 0.01)
	panes, err := f.GetPanes(sheet)
	require.NoError(t, err)
	assert.True(t, panes.Freeze, "the header is frozen")
}
