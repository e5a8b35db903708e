package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/providers/sim"
)

// book saves a workbook with the named sheets in order.
func book(t *testing.T, order []string, sheets map[string][][]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, name := range order {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", name))
		} else {
			_, err := f.NewSheet(name)
			require.NoError(t, err)
		}
		for r, row := range sheets[name] {
			require.NoError(t, f.SetSheetRow(name, fmt.Sprintf("A%d", r+1), &row))
		}
	}
	path := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())
	return path
}

// The sheet read is in the Summary and in the messages; a cover sheet
// before the roster is passed over, saying so; a sheet without the
// vendor's columns is named in the error, with the sheets that have them.
func TestSheetReadIsNamed(t *testing.T) {
	cover := [][]any{{"How to fill in this workbook"}, {"One person a row on the People sheet."}}
	people := [][]any{{"First Name", "Last Name", "E-mail", "Company", "Location"}, {"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters"}}
	in := book(t, []string{"Instructions", "People"}, map[string][][]any{"Instructions": cover, "People": people})
	out := filepath.Join(t.TempDir(), "report.xlsx")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", out, in)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, `warning: read sheet "People": the first sheet, "Instructions", has no column onboard knows`)
	assert.Contains(t, stderr, `note: sheet "People" is read; the workbook's other sheets with values are not: "Instructions"`)
	f, err := excelize.OpenFile(out)
	require.NoError(t, err)
	defer f.Close()
	summary, err := f.GetRows("Summary")
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(summary), "[Sheet People]")

	two := book(t, []string{"Instructions", "People", "Staff"}, map[string][][]any{"Instructions": cover, "People": people, "Staff": people})
	code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", two)
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, two+` (sheet "Instructions"): `)
	assert.Contains(t, stderr, `sheets "People", "Staff" have some: --sheet NAME reads one`)
	assert.Equal(t, 1, countLines(stderr), stderr)
}

func countLines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}

// A required cell inside a merged range (the range's value is in its first
// cell only) is missing, and the message names the range.
func TestMergedRequiredCellNamesTheRange(t *testing.T) {
	f := excelize.NewFile()
	const s = "Sheet1"
	for i, row := range [][]any{
		{"First Name", "Last Name", "E-mail", "Company", "Location"},
		{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters"},
		{"Maria", "Gonzalez", "mgonzalez@smartapp.com", "smartapp.com"},
	} {
		require.NoError(t, f.SetSheetRow(s, fmt.Sprintf("A%d", i+1), &row))
	}
	require.NoError(t, f.MergeCell(s, "E2", "E3"))
	in := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(in))
	require.NoError(t, f.Close())
	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", out, in)
	assert.Equal(t, 1, code, stderr)
	rows := readCSV(t, out)
	assert.Equal(t, []string{"valid", "invalid"}, column(rows, "status"))
	assert.Equal(t, "MISSING_REQUIRED", column(rows, "error_code")[1])
	assert.Contains(t, column(rows, "message")[1], "(cell E3 is inside the merged range E2:E3, whose value is in E2 only: unmerge the cells and fill in each row)")
}

// The workbook LibreOffice wrote (batch/read/testdata/README.md), end to
// end: the People sheet after a cover sheet, named in the Summary; the
// roster's own Status column beside onboard's onboard_status; the merged
// Location cell named; times as shown.
func TestLibreOfficeWorkbook(t *testing.T) {
	in := filepath.Join("..", "..", "batch", "read", "testdata", "libreoffice-two-sheets.xlsx")
	out := filepath.Join(t.TempDir(), "report.xlsx")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", out, in)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, `read sheet "People"`)
	f, err := excelize.OpenFile(out)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Validation")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"row", "onboard_status", "error_code", "field", "message", "First Name", "Last Name", "E-mail", "Company", "Location", "Status", "Shift start"}, rows[0])
	assert.Equal(t, "active", rows[1][10])
	assert.Equal(t, "0:00", rows[1][11])
	assert.Equal(t, "9:05", rows[2][11])
	assert.Contains(t, rows[2][4], "inside the merged range E2:E3")
	summary, err := f.GetRows("Summary")
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(summary), "[Sheet People]")
}

// A damaged workbook dropped into the inbox is refused whole: no one is
// created, it goes to failed/, and the report names the sheet, the row and
// the damage.
func TestWatchDamagedWorkbookGoesToFailed(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	rows := [][]any{{"First Name", "Last Name", "E-mail", "Company", "Location"}}
	for i := range 10 {
		rows = append(rows, []any{fmt.Sprintf("P%d", i), "Person", fmt.Sprintf("p%03d@smartapp.com", i), "smartapp.com", "headquarters"})
	}
	src := book(t, []string{"Sheet1"}, map[string][][]any{"Sheet1": rows})
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	// Cut the sheet part short inside row 5, as a damaged copy would be.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		if zf.Name == "xl/worksheets/sheet1.xml" {
			b = b[:bytes.Index(b, []byte(`<row r="5"`))+30]
		}
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(box, "people.xlsx"), out.Bytes(), 0o600))

	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 0, s.Store.Len(), "nobody created from a damaged file")
	rs := reportsOf(t, stdout)
	require.Len(t, rs, 1, stdout)
	assert.Equal(t, "failed", rs[0].Status)
	assert.Contains(t, rs[0].Error, `row 5: sheet "Sheet1" is damaged`)
	assert.Contains(t, rs[0].Error, "cut short")
	assert.Equal(t, []string{"people.xlsx", "people.xlsx.error.txt"}, names(t, filepath.Join(box, inbox.Failed)), "the file and the note saying why")
}
