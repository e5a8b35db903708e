package read

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// writeValues writes a workbook as scripts write them: long numbers as
// numbers under General and 0, formulas without a saved result, and (with
// date1904) a duration under [h]:mm:ss.
func writeValues(t *testing.T, date1904 bool) string {
	t.Helper()
	f := excelize.NewFile()
	defer func() { assert.NoError(t, f.Close()) }()
	if date1904 {
		require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	style := func(st *excelize.Style) int {
		id, err := f.NewStyle(st)
		require.NoError(t, err)
		return id
	}
	zero := style(&excelize.Style{NumFmt: 1})
	elapsed := style(&excelize.Style{CustomNumFmt: ptr("[h]:mm:ss")})
	thousands := style(&excelize.Style{NumFmt: 3})
	const s = "Sheet1"
	rows := [][]any{
		{"card", "card0", "short", "email", "time", "sep"},
		{int64(4111111111111111), int64(5500000000000004), 202400000123, nil, 10.6320601851852, int64(4111111111111111)},
		{1.23456789012345678e18, int64(6011000990139424), 447700900123, "bo@x.org", 0.5, 12},
	}
	for r, vals := range rows {
		for c, v := range vals {
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			if v != nil {
				require.NoError(t, f.SetCellValue(s, cell, v))
			}
		}
	}
	require.NoError(t, f.SetCellFormula(s, "D2", `LOWER("ANN@X.ORG")`))
	require.NoError(t, f.SetCellStyle(s, "B2", "B3", zero))
	require.NoError(t, f.SetCellStyle(s, "E2", "E3", elapsed))
	require.NoError(t, f.SetCellStyle(s, "F2", "F3", thousands))
	path := filepath.Join(t.TempDir(), "values.xlsx")
	require.NoError(t, f.SaveAs(path))
	return path
}

func TestXLSXKeepsEveryDigit(t *testing.T) {
	sh, err := readShape(t, writeValues(t, false), Options{})
	require.NoError(t, err)
	require.Len(t, sh.rows, 2)
	assert.Equal(t, []string{"4111111111111111", "5500000000000004", "202400000123", "", "255:10:10"}, sh.rows[0].Cells[:5], "General and 0 show the stored integer")
	assert.Equal(t, "1234567890123450000", sh.rows[1].Cells[0], "as stored, not 1.23456789012345E+18")
	assert.Equal(t, "6011000990139424", sh.rows[1].Cells[1])
	assert.Equal(t, "4,111,111,111,111,110", sh.rows[0].Cells[5], "a format with separators is shown as the spreadsheet shows it")
}

func TestXLSXFormulaWithoutValue(t *testing.T) {
	sh, err := readShape(t, writeValues(t, false), Options{})
	require.NoError(t, err)
	assert.Equal(t, []Formula{{Col: 3, Cell: "D2"}}, sh.rows[0].Formulas)
	assert.Empty(t, sh.rows[1].Formulas)
}

func TestXLSX1904Durations(t *testing.T) {
	sh, err := readShape(t, writeValues(t, true), Options{})
	require.NoError(t, err)
	assert.Equal(t, "255:10:10", sh.rows[0].Cells[4], "a duration, not four years more")
	assert.Equal(t, "12:00:00", sh.rows[1].Cells[4])
}

func TestFullDigits(t *testing.T) {
	for _, tt := range []struct{ shown, raw, want string }{
		{"4.11111111111111E+15", "4111111111111111", "4111111111111111"},
		{"4111111111111110", "4111111111111111", "4111111111111111"},
		{"4.11111111111111E+15", "4.111111111111111E+15", "4111111111111111"},
		{"-4.11111111111111E+15", "-4111111111111111", "-4111111111111111"},
		{"0.123456789012346", "0.1234567890123456789", "0.123456789012346"},
		{"4,111,111,111,111,110", "4111111111111111", "4,111,111,111,111,110"},
		{"1.5E+300", "1.5E+300", "1.5E+300"},
	} {
		assert.Equal(t, tt.want, fullDigits(tt.shown, tt.raw), "%s %s", tt.shown, tt.raw)
	}
}

// The scanner reads prefixed tags, cells and rows without r, and asks
// for rows in order, rows without cells of note included.
func TestSheetScan(t *testing.T) {
	x := `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
		`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>` +
		`<x:row><x:c><x:v>4111111111111111</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v></x:v></x:c><x:c><x:f>1+1</x:f></x:c></x:row>` +
		`<x:row r="5"><x:c r="AB5" s="2"><x:v>12</x:v></x:c><x:c r="AC5"><x:f>B2</x:f><x:v></x:v></x:c></x:row>` +
		`</x:sheetData></x:worksheet>`
	s := &sheetScan{rc: io.NopCloser(strings.NewReader(x)), elapsed: map[int]bool{2: true}}
	s.br = bufio.NewReader(s.rc)
	assert.Empty(t, s.cellsOf(1))
	assert.Equal(t, []scanCell{{col: 0, raw: "4111111111111111"}, {col: 2, formula: true}}, s.cellsOf(2), "a string formula with an empty result has one")
	assert.Empty(t, s.cellsOf(3))
	assert.Empty(t, s.cellsOf(4))
	assert.Equal(t, []scanCell{{col: 27, elapsed: true}, {col: 28, formula: true}}, s.cellsOf(5))
	assert.Empty(t, s.cellsOf(6))
}

// The built-in time formats 20 (h:mm) and 21 (h:mm:ss) show as Excel
// shows them: 0:00 and 9:05:30, no leading zero on the hour.
func TestBuiltinTimeFormats(t *testing.T) {
	f := excelize.NewFile()
	const s = "Sheet1"
	require.NoError(t, f.SetSheetRow(s, "A1", &[]any{"name", "start", "end"}))
	hmm, err := f.NewStyle(&excelize.Style{NumFmt: 20})
	require.NoError(t, err)
	hmmss, err := f.NewStyle(&excelize.Style{NumFmt: 21})
	require.NoError(t, err)
	for i, v := range [][2]float64{{0, 0.37881944444444443}, {0.5, 0.999988425925926}} {
		row := i + 2
		require.NoError(t, f.SetCellValue(s, fmt.Sprintf("A%d", row), "Ann"))
		require.NoError(t, f.SetCellFloat(s, fmt.Sprintf("B%d", row), v[0], -1, 64))
		require.NoError(t, f.SetCellFloat(s, fmt.Sprintf("C%d", row), v[1], -1, 64))
		require.NoError(t, f.SetCellStyle(s, fmt.Sprintf("B%d", row), fmt.Sprintf("B%d", row), hmm))
		require.NoError(t, f.SetCellStyle(s, fmt.Sprintf("C%d", row), fmt.Sprintf("C%d", row), hmmss))
	}
	path := filepath.Join(t.TempDir(), "times.xlsx")
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())
	_, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"Ann", "0:00", "9:05:30"}, rows[0].Cells)
	assert.Equal(t, []string{"Ann", "12:00", "23:59:59"}, rows[1].Cells)
}
