package read

import (
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboard/onboard/samples/realfiles"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realFilesDir is ../shared/real-files beside the checkout; "" when it
// is absent.
func realFilesDir(*testing.T) string {
	dir, _ := realfiles.Dir()
	return dir
}

// cell is one value as the row, column and text a spreadsheet shows.
type cell struct {
	line   int
	column string
	value  string
}

// realFiles says, per file, what reading it must give: the header's row,
// the data rows read, and some cells; or the one error a file that cannot
// be read gets. Written once from what Excel and LibreOffice show (dates
// as YYYY-MM-DD by design; see the README's reading section).
var realFiles = []struct {
	file      string
	headerRow int
	rows      int
	cells     []cell
	err       string
}{
	{file: "azure-entra-bulkcreate-ItsTriich.csv", headerRow: 2, rows: 5, cells: []cell{{3, "Name [displayName] Required", " Chris Green"}, {3, "User name [userPrincipalName] Required", " chris@contoso.com"}, {3, "Initial password [passwordProfile] Required", " myPassword1234"}, {7, "Name [displayName] Required", " Emma Johnson"}}},
	{file: "azure-entra-bulkcreate-chrisley75.csv", headerRow: 2, rows: 15, cells: []cell{{3, "Name [displayName] Required", "Tony Stark"}, {3, "User name [userPrincipalName] Required", "tstark@christopherleyoutlook.onmicrosoft.com"}, {3, "Initial password [passwordProfile] Required", " myPassword1234"}, {17, "Name [displayName] Required", "Selena Kyle"}}},
	{file: "azure-entra-bulkcreate-kabene.csv", headerRow: 2, rows: 698, cells: []cell{{3, "Name [displayName] Required", "Example: Chris Green"}, {3, "User name [userPrincipalName] Required", "chris@contoso.com"}, {3, "Initial password [passwordProfile] Required", "YY9244996"}, {700, "Name [displayName] Required", "Chambers Heather"}}},
	{file: "calamine-date_1904.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "2021-01-01", "2021-01-02"}, {2, "15", "16"}, {3, "2021-01-01", "255:10:10"}}},
	{file: "calamine-header-row.xlsx", headerRow: 9, rows: 1, cells: []cell{{10, "Columns", "put data here"}, {10, "Column A", "1"}, {10, "Column B", "2"}}},
	{file: "calamine-string-ref.xlsx", headerRow: 1, rows: 1, cells: []cell{{2, "col1", "-8086931554011838357"}}},
	{file: "calamine-whitespace_trim.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "trimmed value", "  line1\nline2  "}, {2, "value with tabs", "  line1\nline2  "}, {3, "trimmed value", "日期 时间"}}},
	{file: "canvas-sis-test_user_1.csv", headerRow: 1, rows: 1, cells: []cell{{2, "email", "user@example.edu"}, {2, "status", "active"}, {2, "user_id", "100"}}},
	{file: "canvas-sis-users_utf.csv", headerRow: 1, rows: 8, cells: []cell{{2, "user_id", "10945457"}, {2, "login_id", "10945457"}, {2, "first_name", "Di’Nasia"}, {9, "user_id", "11023337"}}},
	{file: "csvkit-dummy.xls", err: "legacy .xls is not supported; save as .xlsx or .csv"},
	{file: "csvkit-test_latin1.csv", headerRow: 1, rows: 2, cells: []cell{{2, "a", "1"}, {2, "b", "2"}, {2, "c", "3"}, {3, "a", "4"}}},
	{file: "csvkit-test_utf16_big.csv", headerRow: 1, rows: 2, cells: []cell{{2, "a", "1"}, {2, "b", "2"}, {2, "c", "3"}, {3, "a", "4"}}},
	{file: "employee-sample-data-excel-online.xlsx", headerRow: 1, rows: 1000, cells: []cell{{2, "EEID", "E02387"}, {2, "Full Name", "Emily Davis"}, {2, "Job Title", "Sr. Manger"}, {1001, "EEID", "E03545"}}},
	{file: "employee-sample-data-excel.xlsx", headerRow: 1, rows: 1000, cells: []cell{{2, "EEID", "E03972"}, {2, "Full Name", "Jordan Gomez"}, {2, "Job Title", "Sr. Analyst"}, {1001, "EEID", "E01466"}}},
	{file: "exceljs-hidden-google-sheets.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "BEGIN", "HIDDEN"}, {3, "BEGIN", "VISIBLE"}}},
	{file: "exceljs-hidden-libre-calc.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "BEGIN", "HIDDEN"}, {3, "BEGIN", "VISIBLE"}}},
	{file: "hrdataset-v14.csv", headerRow: 1, rows: 311, cells: []cell{{2, "Employee_Name", "Adinolfi, Wilson  K"}, {2, "MaritalStatusID", "0"}, {2, "GenderID", "1"}, {312, "Employee_Name", "Zima, Colleen"}}},
	{file: "made/ids-openpyxl-general.xlsx", headerRow: 1, rows: 3, cells: []cell{{2, "Username", "zoe"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin"}, {4, "Username", "li"}}},
	{file: "made/roster-exceljs.csv", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-exceljs.xlsx", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-gnumeric.csv", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-gnumeric.xlsx", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-libreoffice-semicolon-cp1252.csv", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-libreoffice-utf16-tab.txt", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-libreoffice-utf8.csv", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-libreoffice.ods", err: "OpenDocument (.ods) spreadsheets are not supported; save as .xlsx or .csv"},
	{file: "made/roster-libreoffice.xlsx", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-openpyxl-formula-email.xlsx", headerRow: 1, rows: 3, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin"}, {4, "Employee ID", "00125"}}},
	{file: "made/roster-openpyxl-hidden-first-sheet.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "Username", "zoe"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin"}, {3, "Username", "jose"}}},
	{file: "made/roster-openpyxl.xlsx", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-sheetjs-unicode.txt", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-sheetjs.csv", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "made/roster-sheetjs.xlsx", headerRow: 1, rows: 5, cells: []cell{{2, "Employee ID", "00123"}, {2, "First Name", "Zoë"}, {2, "Last Name", "Ærin-Smith"}, {6, "Employee ID", "01000"}}},
	{file: "mitarbeiter-de.csv", headerRow: 1, rows: 12, cells: []cell{{2, "PERS_NR", "1"}, {2, "VORNAME", "Walter"}, {2, "NACHNAME", "Breuer"}, {13, "PERS_NR", "7"}}},
	{file: "moodle-upload_users_enrol_date_period.csv", headerRow: 1, rows: 2, cells: []cell{{2, "username", "student1"}, {2, "password", "Student1#"}, {2, "firstname", "Student"}, {3, "username", "student2"}}},
	{file: "moodle-uploaduser-example.csv", headerRow: 1, rows: 3, cells: []cell{{2, "username", "student1"}, {2, "firstname", "Student"}, {2, "lastname", "One"}, {4, "username", "student3"}}},
	{file: "sheetjs-Attendance.csv", headerRow: 1, rows: 24, cells: []cell{{2, "Date", "10/1"}, {2, "Ben \nAshley", "FALSE"}, {2, "Tom Brooks", "TRUE"}, {25, "Date", "Total"}}},
	{file: "sheetjs-Attendance.xlsx", headerRow: 2, rows: 24, cells: []cell{{3, "Date", "2020-10-01"}, {3, "Ben \nAshley", "FALSE"}, {3, "Tom Brooks", "TRUE"}, {26, "Date", "Total"}}},
	{file: "sheetjs-LONumbers.xlsx", headerRow: 1, rows: 37, cells: []cell{{2, "General", "GENERAL"}, {2, "1", "1"}, {2, "-1.2", "-1.2"}, {38, "General", "[COLOR9]"}}},
	{file: "sheetjs-crlf.csv", headerRow: 1, rows: 2, cells: []cell{{2, "Normal", "Formula"}, {2, "abc\ndef", "abc\ndef"}, {3, "Normal", "Test"}}},
	{file: "sheetjs-large_strings.xlsx", headerRow: 1, rows: 9998, cells: []cell{{2, "a", "aa"}, {2, "a (2)", "aa"}, {2, "a (3)", "aa"}}},
	{file: "sheetjs-number_format_russian.csv", headerRow: 1, rows: 28, cells: []cell{{2, "Format", "0"}, {2, "Value", "12345,6789"}, {2, "B Fmt", "General"}, {29, "Format", "49"}}},
	{file: "sheetjs-sheet_visibility.xlsx", headerRow: 1, rows: 1, cells: []cell{{2, "v", "118"}, {2, "i", "105"}, {2, "s", "115"}}},
	{file: "sheetjs-text_and_numbers.txt", headerRow: 1, rows: 2, cells: []cell{{2, "English", "Hebrew"}, {2, "Hello", "שלום"}, {2, "World", "עולם"}, {4, "English", "1337"}}},
	{file: "sheetjs-text_and_numbers.xlsx", headerRow: 1, rows: 2, cells: []cell{{2, "English", "Hebrew"}, {2, "Hello", "שלום"}, {2, "World", "עולם"}, {4, "English", "1337"}}},
	{file: "sheetjs-wps-write.xlsx", headerRow: 1, rows: 3, cells: []cell{{2, "1", "TRUE"}, {2, "2", "FALSE"}, {2, "Column 4", "sheetjs"}, {4, "1", "baz"}}},
	{file: "sheetjs-xlsx-stream-d-date-cell.xlsx", headerRow: 1, rows: 12, cells: []cell{{2, "String", "Integer"}, {2, "てすと", "1"}, {2, "&'\";<>", "2"}, {13, "String", "A full comment"}}},
	{file: "tealeg-googleDocsTest.xlsx", headerRow: 1, rows: 1, cells: []cell{{2, "This is a test spreadsheet", "as well as a couple of rows"}, {2, "It has a couple of columns", "hello hello"}}},
	{file: "tealeg-inlineStrings.xlsx", headerRow: 10, rows: 27, cells: []cell{{11, "Date", "06/25/16"}, {11, "Campaign", "Malformed Campaign"}, {11, "Impressions", "3,599,619"}}},
	{file: "tealeg-macNumbersTest.xlsx", err: "no data rows after the header"},
	{file: "tealeg-noStylesAndSharedStringsTest.xlsx", headerRow: 2, rows: 2604, cells: []cell{{3, "Activity", "Running"}, {3, "StartTime [ISO8601]", "2013-08-10 19:11:21"}, {3, "Duration [s]", "1045.1"}, {2606, "IBI", "4463"}}},
	{file: "tealeg-wpsBlankLineTest.xlsx", headerRow: 1, rows: 2, cells: []cell{{3, "编号", "编号"}, {5, "Column 3", "编号"}}},
}

// extraCells are the values the issue is about, checked on top of the
// table: every digit, quotes, multi-line cells and the rows after them,
// title rows, unnamed columns.
var extraCells = map[string][]cell{
	"made/ids-openpyxl-general.xlsx": {{2, "Card Number", "4111111111111111"}, {3, "Card Number", "5500000000000004"}, {4, "Card Number", "6011000990139424"}, {2, "Student Number", "202400000123"}},
	"made/roster-openpyxl.xlsx": {{3, "Badge Number", "4111111111111111"}, {3, "Notes", "Line one\nLine two"},
		{4, "Notes", `=HYPERLINK("http://x")`}, {2, "Notes", `Said "hi" at interview`}, {3, "Employee ID", "00124"}, {4, "Zip", "00501"}, {2, "Date of Birth", "1990-02-28"}, {4, "Start Date", "2024-09-02 09:30"}},
	"made/roster-gnumeric.xlsx":                    {{3, "Badge Number", "4111111111111111"}},
	"made/roster-exceljs.xlsx":                     {{3, "Badge Number", "4111111111111111"}},
	"made/roster-libreoffice.xlsx":                 {{3, "Badge Number", "4111111111111110"}}, // LibreOffice rounded it when it saved
	"made/roster-exceljs.csv":                      {{3, "Notes", "Line one\nLine two"}, {4, "Employee ID", "000789"}, {4, "Notes", `=HYPERLINK("http://x")`}},
	"made/roster-gnumeric.csv":                     {{4, "Employee ID", "000789"}, {4, "First Name", "Łukasz"}},
	"made/roster-libreoffice-utf8.csv":             {{3, "Notes", "Line one\nLine two"}, {4, "Last Name", "Żółkiewski"}, {4, "Notes", `=HYPERLINK("http://x")`}},
	"made/roster-libreoffice-semicolon-cp1252.csv": {{4, "First Name", "Aukasz"}}, // what Windows-1252 kept of Łukasz
	"made/roster-sheetjs-unicode.txt":              {{4, "Last Name", "Żółkiewski"}, {6, "First Name", "Ærin"}},
	"azure-entra-bulkcreate-ItsTriich.csv":         {{3, "Block sign in (Yes/No) [accountEnabled] Required", " No"}},
	"calamine-header-row.xlsx":                     {{10, "Column C", "3"}},
	"tealeg-inlineStrings.xlsx":                    {{11, "Column 12", "*"}, {11, "ROAS", "48%"}},
	"sheetjs-number_format_russian.csv":            {{12, "Column 7", "* What is this supposed to be?"}, {5, "Value", "12 346"}, {5, "VBA Fmt", "12\u00a0346"}},
	"sheetjs-wps-write.xlsx":                       {{3, "Column 4", "0.3"}},
	"hrdataset-v14.csv":                            {{2, "DOB", "07/10/83"}, {2, "Zip", "01960"}},
	"mitarbeiter-de.csv":                           {{2, "GEBDAT", "20.03.1964"}, {2, "ABTEILUNG", "Geschäftsführung"}},
	"sheetjs-sheet_visibility.xlsx":                {{2, "i (2)", "105"}},
	"employee-sample-data-excel.xlsx":              {{2, "Hire Date", "1994-09-15"}, {2, "Annual Salary", "$98,769 "}},
}

func TestRealFiles(t *testing.T) {
	dir := realFilesDir(t)
	if dir == "" {
		t.Skip("../shared/real-files is absent (it is not part of the project; the test needs it beside the checkout)")
	}
	want := map[string]int{}
	for i, f := range realFiles {
		want[f.file] = i
	}
	seen := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		name, _ := filepath.Rel(dir, path)
		name = filepath.ToSlash(name)
		seen++
		i, ok := want[name]
		if !assert.True(t, ok, "%s has no entry in realFiles: add what a spreadsheet shows", name) {
			return nil
		}
		tt := realFiles[i]
		t.Run(name, func(t *testing.T) {
			r, err := Open(path, Options{})
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			defer r.Close()
			assert.Equal(t, tt.headerRow, r.HeaderRow(), "header row")
			col := map[string]int{}
			for i, h := range r.Header() {
				col[h] = i
			}
			got := map[int][]string{}
			n := 0
			for {
				row, err := r.Read()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				assert.Empty(t, row.Malformed, "row %d", row.Line)
				got[row.Line] = row.Cells
				n++
			}
			assert.Equal(t, tt.rows, n, "data rows")
			for _, c := range append(tt.cells, extraCells[name]...) {
				i, ok := col[c.column]
				if !assert.True(t, ok, "no column %q in %q", c.column, strings.Join(r.Header(), "|")) {
					continue
				}
				cells, ok := got[c.line]
				if assert.True(t, ok, "no row %d", c.line) {
					assert.Equal(t, c.value, cells[i], "row %d, %s", c.line, c.column)
				}
			}
		})
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, len(realFiles), seen, "every file in the table is in the folder")
}
