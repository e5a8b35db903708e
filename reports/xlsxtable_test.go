package reports

import (
	"archive/zip"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/batch"
)

// xlsxParts returns the XML of the parts that carry a sheet's layout: the
// data sheet without its rows (properties, frozen panes, widths, filter,
// page setup, footer), the workbook's defined names (print titles) and the
// document properties, with the timestamps blanked.
func xlsxParts(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	read := func(name string) string {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				require.NoError(t, err)
				defer rc.Close()
				b, err := io.ReadAll(rc)
				require.NoError(t, err)
				return string(b)
			}
		}
		t.Fatalf("%s: no part %s", path, name)
		return ""
	}
	sheet := read("xl/worksheets/sheet1.xml")
	start, end := strings.Index(sheet, "<sheetData>"), strings.Index(sheet, "</sheetData>")
	require.True(t, start > 0 && end > start, "sheetData in the sheet")
	var b strings.Builder
	b.WriteString("sheet: " + sheet[:start] + "\n  ...rows...\n" + sheet[end:] + "\n")
	wb := read("xl/workbook.xml")
	b.WriteString("names: " + regexp.MustCompile(`<definedNames>.*</definedNames>`).FindString(wb) + "\n")
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	b.WriteString("core: " + stamp.ReplaceAllString(read("docProps/core.xml"), "TIME") + "\n")
	b.WriteString("app: " + read("docProps/app.xml") + "\n")
	return b.String()
}

// TestXLSXSheetParts pins the layout of the results and report sheets:
// row and status frozen with the header, widths from the content (header
// and first rows, to a maximum), print titles, landscape fit-to-width, a
// page footer, and properties naming onboard.
func TestXLSXSheetParts(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.xlsx")
	sink, err := NewValidation(report, rosterHeader)
	require.NoError(t, err)
	outs := validationOutcomes()
	writeAll(t, sink, outs, summaryOf("validate", outs))
	checkGolden(t, "validation.xlsx.parts.golden", []byte(xlsxParts(t, report)))

	results := filepath.Join(dir, "results.xlsx")
	sink, err = NewResults(results, rosterHeader)
	require.NoError(t, err)
	routs := resultOutcomes()
	writeAll(t, sink, routs, summaryOf("run", routs))
	checkGolden(t, "results.xlsx.parts.golden", []byte(xlsxParts(t, results)))
}

// TestXLSXLongCellNeverTruncated: a cell over 32,767 characters is left
// empty (the mapper makes its row CELL_TOO_LONG), never cut; one at the
// limit is kept whole; rows after it are all there.
func TestXLSXLongCellNeverTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xlsx")
	sink, err := NewValidation(path, []string{"email", "notes"})
	require.NoError(t, err)
	atLimit := strings.Repeat("é", MaxXLSXCell)
	over := strings.Repeat("x", MaxXLSXCell+1)
	overWide := strings.Repeat("😀", MaxXLSXCell/2+1) // 2 UTF-16 units each
	for i, notes := range []string{atLimit, over, overWide, "after"} {
		require.NoError(t, sink.Write(batch.Outcome{Line: i + 2, Status: batch.Valid, Cells: []string{"a@x.org", notes}}))
	}
	require.NoError(t, sink.Close(nil))
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Validation")
	require.NoError(t, err)
	require.Len(t, rows, 5)
	assert.Equal(t, atLimit, rows[1][6])
	for _, r := range rows[2:4] {
		if len(r) > 6 {
			assert.Empty(t, r[6], "no truncated value")
		}
	}
	assert.Equal(t, "after", rows[4][6])
}

// TestXLSXTextEscaped: XML specials, controls, CR, a literal _x0041_ and
// invalid UTF-8 come back as written (or, for invalid UTF-8, as U+FFFD),
// leading and trailing spaces kept.
func TestXLSXTextEscaped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xlsx")
	sink, err := NewValidation(path, []string{"v"})
	require.NoError(t, err)
	values := []string{"a<b>&c\"'", "bell\x07tab\tnl\nend", "cr\r\nlf", "_x0041_ and _x00", "  padded  ", "bad\xffutf8", "=1+1",
		"José <x> _x0042_ ñ", "plain run", "<", "trailing&", "é_x0043_", "\x7fdel", "\xef\xbf\xbenot a character"}
	for i, v := range values {
		require.NoError(t, sink.Write(batch.Outcome{Line: i + 2, Status: batch.Valid, Cells: []string{v}}))
	}
	require.NoError(t, sink.Close(nil))
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Validation")
	require.NoError(t, err)
	require.Len(t, rows, len(values)+1)
	for i, v := range values {
		want := strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\uFFFE", "\uFFFD") // XML 1.0 cannot hold U+FFFE
		assert.Equal(t, want, rows[i+1][5], "value %q", v)
	}
}

// TestXLSXManyRowsWidthSample: past the rows held for the widths, rows
// stream in order and every one is there.
func TestXLSXManyRowsWidthSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.xlsx")
	sink, err := NewResults(path, []string{"email"})
	require.NoError(t, err)
	const n = widthSample*3 + 7
	for i := range n {
		require.NoError(t, sink.Write(batch.Outcome{Line: i + 2, Status: batch.Created, ID: "u", Cells: []string{"p@x.org"}}))
	}
	require.NoError(t, sink.Close(batch.NewSummary("run", "acme", "in.csv")))
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Results")
	require.NoError(t, err)
	require.Len(t, rows, n+1)
	assert.Equal(t, "2", rows[1][0])
	assert.Equal(t, strconv.Itoa(n+1), rows[n][0])
	assert.Equal(t, []string{"Results", "Summary"}, f.GetSheetList())
}
