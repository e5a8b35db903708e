package read

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

const sheetPart = "xl/worksheets/sheet1.xml"

// sheetXML renders rows as worksheet XML with inline strings, so tests can
// make sheets excelize would refuse to write (cells over 32,767 chars).
func sheetXML(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, r := range rows {
		b.WriteString(`<row r="` + csvLabel(i) + `">`)
		for j, v := range r {
			ref, err := excelize.CoordinatesToCellName(j+1, i+1)
			require.NoError(t, err)
			b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>`)
			require.NoError(t, xml.EscapeText(&b, []byte(v)))
			b.WriteString(`</t></is></c>`)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}

// emptyWorkbook saves a one-sheet workbook made by excelize.
func emptyWorkbook(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "empty.xlsx")
	f := excelize.NewFile()
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())
	return path
}

// rewriteZip copies the zip at src to a new file, replacing the parts named
// in parts, and returns the new path.
func rewriteZip(t *testing.T, src string, parts map[string][]byte) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	require.NoError(t, err)
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		if data, ok := parts[zf.Name]; ok {
			_, err = w.Write(data)
			require.NoError(t, err)
			continue
		}
		rc, err := zf.Open()
		require.NoError(t, err)
		_, err = io.Copy(w, rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
	}
	require.NoError(t, zw.Close())
	return writeFile(t, "roster.xlsx", out.Bytes())
}

// writeXLSXRows writes rows as the first sheet of a workbook.
func writeXLSXRows(t *testing.T, rows [][]string) string {
	t.Helper()
	return rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: sheetXML(t, rows)})
}

// writeFixture writes the main XLSX fixture: a "Roster" sheet made with
// SetCellValue (shared strings, typed numbers and dates, leading, middle
// and trailing empty rows, a styled empty trailing column) and an "Inline"
// sheet made with the StreamWriter (inline strings).
func writeFixture(t *testing.T) string {
	t.Helper()
	f := excelize.NewFile()
	defer func() { assert.NoError(t, f.Close()) }()
	const s = "Roster"
	require.NoError(t, f.SetSheetName("Sheet1", s))
	style := func(st *excelize.Style) int {
		id, err := f.NewStyle(st)
		require.NoError(t, err)
		return id
	}
	ddmmyyyy := "dd/mm/yyyy"
	date := style(&excelize.Style{NumFmt: 14})
	custom := style(&excelize.Style{CustomNumFmt: &ddmmyyyy})
	zip5 := style(&excelize.Style{NumFmt: 0, CustomNumFmt: ptr("00000")})
	bold := style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	set := func(cell string, v any, style int) {
		require.NoError(t, f.SetCellValue(s, cell, v))
		if style != 0 {
			require.NoError(t, f.SetCellStyle(s, cell, cell, style))
		}
	}
	// Rows 1-2 empty; header on row 3 with a padded name.
	for i, h := range []string{"name", "email", "phone", "start", "ratio", "zip", "big", " updated "} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		set(cell, h, 0)
	}
	set("A4", "Ana", 0)
	set("B4", "ana@example.com", 0)
	set("C4", 4155550123, 0)
	set("D4", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), date)
	set("E4", 0.3, 0) // becomes 0.1+0.2 below
	set("F4", 1234, zip5)
	set("G4", 123456789012, bold)
	set("H4", time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC), 0) // excelize's default m/d/yy hh:mm
	// Row 5 empty; row 6 is short.
	set("A6", "Bo", 0)
	set("B6", "bo@example.com", 0)
	set("D6", time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC), custom)
	set("H6", time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC), 0)
	// A styled but empty trailing column and trailing empty rows.
	require.NoError(t, f.SetCellStyle(s, "K4", "K9", bold))
	require.NoError(t, f.SetRowHeight(s, 20, 30))

	_, err := f.NewSheet("Inline")
	require.NoError(t, err)
	sw, err := f.NewStreamWriter("Inline")
	require.NoError(t, err)
	require.NoError(t, sw.SetRow("A1", []any{"name", "email"}))
	require.NoError(t, sw.SetRow("A2", []any{"Cy", "cy@example.com"}))
	require.NoError(t, sw.SetRow("A3", []any{"Di", "=not a formula"}))
	require.NoError(t, sw.Flush())

	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))
	// excelize writes floats with 15 digits; Excel writes 0.1+0.2 in full.
	cellE4 := regexp.MustCompile(`<c r="E4"><v>[^<]*</v></c>`)
	xml := cellE4.ReplaceAllString(sheetPartXML(t, path), `<c r="E4"><v>0.30000000000000004</v></c>`)
	return rewriteZip(t, path, map[string][]byte{sheetPart: []byte(xml)})
}

func ptr[T any](v T) *T { return &v }

// sheetPartXML returns the first worksheet's XML from the workbook at path.
func sheetPartXML(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	rc, err := zr.Open(sheetPart)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

func TestXLSXFixture(t *testing.T) {
	path := writeFixture(t)
	raw := sheetPartXML(t, path)
	require.Contains(t, raw, "<v>0.30000000000000004</v>", "the fixture stores the float unrounded")
	require.Contains(t, raw, "<v>4155550123</v>", "the fixture stores the phone as a number")
	header, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "email", "phone", "start", "ratio", "zip", "big", "updated"}, header)
	assert.Equal(t, []Row{
		{Line: 4, Cells: []string{"Ana", "ana@example.com", "4155550123", "2024-03-05", "0.3", "01234", "123456789012", "2024-03-05 14:30"}},
		{Line: 6, Cells: []string{"Bo", "bo@example.com", "", "2024-03-06", "", "", "", "2024-03-06"}},
	}, rows)
}

func TestXLSXSheetSelection(t *testing.T) {
	path := writeFixture(t)
	want := []Row{
		{Line: 2, Cells: []string{"Cy", "cy@example.com"}},
		{Line: 3, Cells: []string{"Di", "=not a formula"}},
	}
	for _, sheet := range []string{"Inline", "inline", "2"} {
		t.Run(sheet, func(t *testing.T) {
			header, rows, err := readAll(t, path, Options{Sheet: sheet})
			require.NoError(t, err)
			assert.Equal(t, []string{"name", "email"}, header)
			assert.Equal(t, want, rows)
		})
	}
	for _, sheet := range []string{"Nope", "3", "0"} {
		t.Run("unknown "+sheet, func(t *testing.T) {
			_, _, err := readAll(t, path, Options{Sheet: sheet})
			requireFileError(t, err, path, `sheet "`+sheet+`" not found; the workbook has "Roster", "Inline"`)
		})
	}
}

func TestXLSXDefaultSheetIsFirstVisible(t *testing.T) {
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetName("Sheet1", "_lists"))
	require.NoError(t, f.SetCellValue("_lists", "A1", "hidden"))
	_, err := f.NewSheet("Roster")
	require.NoError(t, err)
	require.NoError(t, f.SetSheetRow("Roster", "A1", &[]any{"name"}))
	require.NoError(t, f.SetSheetRow("Roster", "A2", &[]any{"Ana"}))
	f.SetActiveSheet(1)
	require.NoError(t, f.SetSheetVisible("_lists", false))
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())

	header, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name"}, header)
	assert.Equal(t, []Row{{Line: 2, Cells: []string{"Ana"}}}, rows)
}

func TestXLSXRowShapes(t *testing.T) {
	path := writeXLSXRows(t, [][]string{
		{"", ""},
		{"name", "", "email"},
		{"Ana", "x", "ana@example.com"},
		{"", "", ""},
		{"Bo"},
	})
	header, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "Column 2", "email"}, header)
	assert.Equal(t, []Row{
		{Line: 3, Cells: []string{"Ana", "x", "ana@example.com"}},
		{Line: 5, Cells: []string{"Bo", "", ""}},
	}, rows)
}

func TestXLSXRejects(t *testing.T) {
	valid := writeXLSXRows(t, [][]string{{"name"}, {"Ana"}})
	data, err := os.ReadFile(valid)
	require.NoError(t, err)

	// A sheet of repeated rows: a few KiB zipped, over 1 MiB unzipped.
	bomb := rewriteZip(t, valid, map[string][]byte{sheetPart: []byte(
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			strings.Repeat(`<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>`, 40_000) +
			`</sheetData></worksheet>`)})
	bombInfo, err := os.Stat(bomb)
	require.NoError(t, err)
	require.Less(t, bombInfo.Size(), int64(64<<10), "the bomb must be small")

	// Damage the compressed sheet data in the middle of a larger file.
	rows := [][]string{{"name", "email"}}
	for i := range 2000 {
		rows = append(rows, []string{"name" + csvLabel(i), csvLabel(i*7919) + "@example.com"})
	}
	big, err := os.ReadFile(writeXLSXRows(t, rows))
	require.NoError(t, err)
	corrupt := bytes.Clone(big)
	for i := len(corrupt) / 3; i < len(corrupt)/3+16; i++ {
		corrupt[i] ^= 0x5A
	}

	var plainZip bytes.Buffer
	zw := zip.NewWriter(&plainZip)
	w, err := zw.Create("notes.txt")
	require.NoError(t, err)
	_, err = w.Write([]byte("hello"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	zipOf := func(names ...string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, n := range names {
			w, err := zw.Create(n)
			require.NoError(t, err)
			_, err = w.Write([]byte("x"))
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		return b.Bytes()
	}

	tests := []struct {
		name string
		path string
		opt  Options
		want error
		msg  string
	}{
		{"ods", writeFile(t, "r.ods", zipOf("mimetype", "content.xml", "styles.xml")), Options{}, ErrNotTabular, "(.ods) spreadsheets are not supported; save as .xlsx or .csv"},
		{"numbers", writeFile(t, "r.numbers", zipOf("Index/Document.iwa", "Metadata/Properties.plist")), Options{}, ErrNotTabular, "Apple Numbers files are not supported; export as .xlsx or .csv"},
		{"truncated", writeFile(t, "t.xlsx", data[:len(data)/2]), Options{}, ErrCorruptXLSX, "not a valid XLSX file (corrupt or truncated zip)"},
		{"corrupt", writeFile(t, "c.xlsx", corrupt), Options{}, ErrCorruptXLSX, "not a valid XLSX file (corrupt or truncated zip)"},
		{"zip bomb", bomb, Options{MaxUnzipBytes: 1 << 20}, ErrLimit, "unzips to more than 1048576 bytes (MaxUnzipBytes)"},
		{"text named .xlsx", writeFile(t, "renamed.XLSX", []byte("name,email\nAna,a@x\n")), Options{}, ErrCorruptXLSX, "not a valid XLSX file (named .XLSX but not a zip archive"},
		{"zip without workbook", writeFile(t, "z.xlsx", plainZip.Bytes()), Options{}, ErrNotTabular, "not a CSV or XLSX file"},
		{"empty sheet", writeXLSXRows(t, nil), Options{}, ErrEmpty, `sheet "Sheet1" is empty`},
		{"header only", writeXLSXRows(t, [][]string{{}, {"name", "email"}, {}}), Options{}, ErrNoDataRows, "no data rows after the header"},
		{"duplicate header a field needs", writeXLSXRows(t, [][]string{{"Email", "name", "email "}, {"a", "b", "c"}}),
			Options{Expect: func(s string) bool { return strings.EqualFold(s, "email") }}, nil,
			`row 1: the header names a column that a field reads more than once: "email" (columns A and C)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.path, tt.opt)
			requireFileError(t, err, tt.path, tt.msg)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestClassifyFormat(t *testing.T) {
	tests := []struct {
		code string
		want fmtKind
	}{
		{"General", fmtPlain},
		{"@", fmtPlain},
		{"dd/mm/yyyy", fmtDate},
		{"[$-409]mmmm d, yyyy", fmtDate},
		{"mmm-yy", fmtDate},
		{"mmmm", fmtDate},
		{"yyyy-mm-dd hh:mm:ss", fmtDateTime},
		{"m/d/yyyy h:mm AM/PM", fmtDateTime},
		{"h:mm", fmtOther},
		{"[h]:mm:ss", fmtOther},
		{"00000", fmtOther},
		{"0.00E+00", fmtOther},
		{`#,##0.00 "days"`, fmtOther},
		{`0.0\d`, fmtOther},
		{`General" kg"`, fmtOther},
		{`[Red]0.00;[Blue]-0.00`, fmtOther},
		{"0;dd/mm/yyyy", fmtOther},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, classifyFormat(tt.code), tt.code)
	}
}

func TestXLSXSpillsToTempAndCleansUp(t *testing.T) {
	rows := [][]string{{"name", "email"}}
	for i := range 5000 {
		rows = append(rows, []string{"name " + csvLabel(i), "user" + csvLabel(i) + "@example.com"})
	}
	path := writeXLSXRows(t, rows)
	// excelize's row iterator (kept for the tests that compare) reads the
	// sheet from its temp file; the byte scanner reads it from the zip,
	// and excelize is given the workbook with the sheet empty.
	for _, old := range []bool{true, false} {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		// The sheet XML (~600 KB) is over a quarter of the limit: it spills.
		r, err := Open(path, Options{MaxUnzipBytes: 2 << 20, excelizeRows: old})
		require.NoError(t, err)
		spilled, err := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*", "excelize-*"))
		require.NoError(t, err)
		if old {
			assert.NotEmpty(t, spilled, "the sheet went to a temp file")
		} else {
			assert.Empty(t, spilled, "excelize had the sheet empty")
		}
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 5000, n)
		require.NoError(t, r.Close())
		left, err := filepath.Glob(filepath.Join(tmp, "*"))
		require.NoError(t, err)
		assert.Empty(t, left, "Close removes the temp files")
	}
}
