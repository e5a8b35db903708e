package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// A title row above the table, a stray cell on one row: the header is
// found, stderr says where, and only that row is invalid.
func TestValidateFindsTheHeaderAndKeepsRaggedRows(t *testing.T) {
	roster := "Staff list for September,,,\n" +
		"\n" +
		"Work Email,First Name,Last Name,Username\n" +
		"ann@example.org,Ann,Lee,alee\n" +
		"bo@example.org,Bo,Ng,bng,oops\n" +
		"cy@example.org,Cy,O\"Brien,cob\n"
	in := write(t, "roster.csv", roster)
	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := onboard(t, "validate", "-p", "bksb", "-o", out, in)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "3 rows read (header in row 3), 2 valid, 1 invalid (MALFORMED_ROW 1)")
	rows := readCSV(t, out)
	assert.Equal(t, []string{"4", "5", "6"}, column(rows, "row"))
	assert.Equal(t, []string{"valid", "invalid", "valid"}, column(rows, "status"))
	assert.Contains(t, column(rows, "message")[1], `column 5 "oops"`)
	assert.Equal(t, `O"Brien`, column(rows, "Last Name")[2])
}

func TestHeaderRowOption(t *testing.T) {
	// The row naming bksb's fields wins over a title with as many cells;
	// --header-row overrides the choice.
	in := write(t, "roster.csv", "Report,September,2024\nUsername,First Name,Last Name\nalee,Ann,Lee\n")
	code, _, stderr := onboard(t, "validate", "-p", "bksb", in)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "1 rows read (header in row 2)")
	code, _, stderr = onboard(t, "validate", "-p", "bksb", "--header-row", "1", in)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "required bksb field")
	code, _, stderr = onboard(t, "validate", "-p", "bksb", "--header-row", "3", in)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no data rows after the header")

	// header_row: in the mapping file, for headers named by the mapping.
	shifted := write(t, "shifted.csv", "Report\nUser,Given,Family\nalee,Ann,Lee\n")
	mapping := write(t, "map.yaml", "header_row: 2\ncolumns: {User: Username, Given: Firstname, Family: Lastname}\n")
	code, _, stderr = onboard(t, "validate", "-p", "bksb", "-m", mapping, shifted)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "1 rows read (header in row 2)")
}

// A valid row may carry warnings: the report's message column shows them
// and the summary counts them; the exit code is that of a valid file.
func TestValidWithWarnings(t *testing.T) {
	in := write(t, "roster.csv", "Username,First Name,Last Name,DOB\nalee,Ann,Lee,1850-01-01\nbng,Bo,Ng,2001-02-03\n")
	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := onboard(t, "validate", "-p", "bksb", "-o", out, in)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "2 valid, 0 invalid, 1 with warnings")
	rows := readCSV(t, out)
	assert.Equal(t, []string{"valid", "valid"}, column(rows, "status"))
	assert.Equal(t, "UNLIKELY_VALUE", column(rows, "error_code")[0])
	assert.Contains(t, column(rows, "message")[0], "warning: DateOfBirth is a date of birth before 1900")
	assert.Empty(t, column(rows, "message")[1])

	xlsx := filepath.Join(t.TempDir(), "report.xlsx")
	code, _, stderr = onboard(t, "validate", "-p", "bksb", "-o", xlsx, in)
	require.Equal(t, 0, code, stderr)
	f, err := excelize.OpenFile(xlsx)
	require.NoError(t, err)
	defer f.Close()
	summary, err := f.GetRows("Summary")
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(summary), "[Rows with warnings 1]")
	assert.Contains(t, fmt.Sprint(summary), "[UNLIKELY_VALUE 1]")
	assert.Contains(t, fmt.Sprint(summary), "[Header row 1]")
}

// A formula with no saved result (as openpyxl writes one): invalid for a
// required field, a warning for an optional one, saying how to fix it.
func TestFormulaWithoutSavedResult(t *testing.T) {
	f := excelize.NewFile()
	const s = "Sheet1"
	for i, row := range [][]any{
		{"Username", "First Name", "Last Name", "Email"},
		{"alee", "Ann", "Lee", nil},
		{nil, "Bo", "Ng", "bo@example.org"},
	} {
		require.NoError(t, f.SetSheetRow(s, fmt.Sprintf("A%d", i+1), &row))
	}
	require.NoError(t, f.SetCellFormula(s, "D2", `LOWER(B2&"@example.org")`))
	require.NoError(t, f.SetCellFormula(s, "A3", `LOWER(B3&C3)`))
	in := filepath.Join(t.TempDir(), "roster.xlsx")
	require.NoError(t, f.SaveAs(in))
	require.NoError(t, f.Close())

	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := onboard(t, "validate", "-p", "bksb", "-o", out, in)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "1 valid, 1 invalid, 1 with warnings (FORMULA_NO_VALUE 1)")
	rows := readCSV(t, out)
	assert.Equal(t, []string{"valid", "invalid"}, column(rows, "status"))
	assert.Equal(t, []string{"FORMULA_NO_VALUE", "FORMULA_NO_VALUE"}, column(rows, "error_code"))
	assert.Equal(t, []string{"Email", "Username"}, column(rows, "field"))
	msg := column(rows, "message")
	assert.Contains(t, msg[0], `warning: Email column "Email" (cell D2) holds a formula with no saved result`)
	assert.Contains(t, msg[1], `column "Username" (cell A3) holds a formula with no saved result`)
	assert.Contains(t, msg[1], "open the file in Excel or LibreOffice and save it")
	assert.NotContains(t, stderr, "MISSING_REQUIRED")
}

// A file that goes bad part way (here a quote that never closes, row 45):
// the report keeps the rows before it and its Summary names the row, as
// does stderr; the exit code is fatal.
func TestReadErrorPartWay(t *testing.T) {
	var b strings.Builder
	b.WriteString("Username,First Name,Last Name\n")
	for i := range 43 {
		fmt.Fprintf(&b, "u%d,Ann,Lee\n", i)
	}
	b.WriteString("bad,\"Bo,Ng\nlater,Cy,Do\n")
	in := write(t, "roster.csv", b.String())
	out := filepath.Join(t.TempDir(), "report.xlsx")
	code, _, stderr := onboard(t, "validate", "-p", "bksb", "-o", out, in)
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "row 45: unbalanced quote")
	f, err := excelize.OpenFile(out)
	require.NoError(t, err, "the report is written")
	defer f.Close()
	summary, err := f.GetRows("Summary")
	require.NoError(t, err)
	assert.Contains(t, fmt.Sprint(summary), "[Reading stopped "+in+": row 45: unbalanced quote")
	rows, err := f.GetRows("Validation")
	require.NoError(t, err)
	assert.Greater(t, len(rows), 1, "rows before the error are kept")
}
