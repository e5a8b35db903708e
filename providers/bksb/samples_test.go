package bksb

import (
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/bksb/roster.xlsx from roster.csv")

const samples = "../../samples/bksb"

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(samples, name))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// outcome is what a sample row must come to: its problems by field, or for
// a valid row the vendor's answer ("" for created).
type outcome struct {
	problems map[string]schema.Code
	vendor   providers.Code
}

// checkSample maps every row through the engine (with in-file duplicate
// detection), sends the valid ones to a simulator, and compares each row,
// keyed by its line number (the header is line 1), with want.
func checkSample(t *testing.T, rows [][]string, m *schema.Mapping, want map[int]outcome) {
	t.Helper()
	mp, err := schema.NewMapper(Schema, rows[0], m)
	require.NoError(t, err)
	assert.Empty(t, mp.Warnings(), "every sample column is mapped or ignored")
	_, _, c := simulated(t)
	dedup := schema.NewDedup(Schema)
	require.Len(t, rows[1:], len(want))
	for i, cells := range rows[1:] {
		line := i + 2
		rec, errs := mp.Map(cells)
		errs = append(errs, dedup.Check(rec, line)...)
		var got map[string]schema.Code
		for _, fe := range errs {
			if got == nil {
				got = map[string]schema.Code{}
			}
			got[fe.Field] = fe.Code
		}
		w := want[line]
		if !assert.Equal(t, w.problems, got, "line %d", line) || len(got) > 0 {
			continue
		}
		_, err := c.Create(ctx(t), rec)
		if w.vendor == "" {
			assert.NoError(t, err, "line %d", line)
			continue
		}
		var pe *providers.Error
		if assert.ErrorAs(t, err, &pe, "line %d", line) {
			assert.Equal(t, w.vendor, pe.Code, "line %d", line)
		}
	}
}

func TestSampleRoster(t *testing.T) {
	checkSample(t, readCSV(t, "roster.csv"), nil, rosterWant)
}

var rosterWant = map[int]outcome{
	2: {}, 3: {}, 4: {}, 5: {}, 12: {},
	6:  {problems: map[string]schema.Code{"Username": schema.MissingRequired}},
	7:  {problems: map[string]schema.Code{"Email": schema.InvalidValue}},
	8:  {problems: map[string]schema.Code{"DateOfBirth": schema.InvalidValue}}, // 2092: in the future
	9:  {problems: map[string]schema.Code{"DateOfBirth": schema.InvalidValue}}, // 1897: before 1900
	10: {problems: map[string]schema.Code{"Username": schema.DuplicateInFile}},
	11: {problems: map[string]schema.Code{"AutoEnrolCourses": schema.InvalidValue}}, // "TBC"
}

func TestSampleMapped(t *testing.T) {
	m, err := schema.LoadMapping(filepath.Join(samples, "map.yaml"))
	require.NoError(t, err)
	rows := readCSV(t, "roster-mapped.csv")
	checkSample(t, rows, m, map[int]outcome{
		2: {}, 3: {}, 4: {},
		5: {problems: map[string]schema.Code{"Email": schema.MissingRequired}},
		6: {problems: map[string]schema.Code{"DateOfBirth": schema.InvalidValue}}, // 09/17/2004: a US date
	})

	mp, err := schema.NewMapper(Schema, rows[0], m)
	require.NoError(t, err)
	for line, want := range map[int]schema.Record{
		2: {"Username": "l240117", "Firstname": "Ann", "Lastname": "Lee", "Email": "ann.lee@example.ac.uk",
			"DateOfBirth": time.Date(2004, 9, 17, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": true},
		3: {"Username": "l240118", "Firstname": "Marcus", "Lastname": "Webb", "Email": "marcus.webb@example.ac.uk",
			"DateOfBirth": time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": false},
		4: {"Username": "l240119", "Firstname": "Priya", "Lastname": "Raman", "Email": "priya.raman@example.ac.uk",
			"DateOfBirth": time.Date(2006, 11, 3, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": false}, // the default
	} {
		rec, errs := mp.Map(rows[line-1])
		require.Empty(t, errs, "line %d", line)
		assert.Equal(t, want, rec, "line %d", line)
	}
}

// dobCol is the roster's "Date of Birth" column (0-based).
const dobCol = 4

// TestSampleRosterXLSX checks that the workbook holds the CSV's data, with
// dates of birth as real date cells (a serial number and a dd/mm/yyyy
// format, as a UK MIS exports them), so the reader's date handling is
// exercised. With -update it writes the workbook from the CSV first.
func TestSampleRosterXLSX(t *testing.T) {
	want := readCSV(t, "roster.csv")
	path := filepath.Join(samples, "roster.xlsx")
	if *update {
		writeXLSX(t, path, want)
	}
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Len(t, rows, len(want))
	dates := 0
	for i := range want {
		for len(rows[i]) < len(want[i]) { // excelize drops trailing empty cells
			rows[i] = append(rows[i], "")
		}
		if i > 0 && rows[i][dobCol] != want[i][dobCol] {
			// A date cell: its raw value is the serial; it must be the same day.
			cell, err := excelize.CoordinatesToCellName(dobCol+1, i+1)
			require.NoError(t, err)
			serial, err := strconv.ParseFloat(rows[i][dobCol], 64)
			require.NoError(t, err, "row %d: %s is neither the CSV text nor a date serial", i+1, cell)
			day, err := excelize.ExcelDateToTime(serial, false)
			require.NoError(t, err)
			assert.Equal(t, want[i][dobCol], day.Format("2006-01-02"), "row %d", i+1)
			styleID, err := f.GetCellStyle(sheet, cell)
			require.NoError(t, err)
			style, err := f.GetStyle(styleID)
			require.NoError(t, err)
			if assert.NotNil(t, style.CustomNumFmt, "row %d: a date number format", i+1) {
				assert.Equal(t, "dd/mm/yyyy", *style.CustomNumFmt)
			}
			rows[i][dobCol] = want[i][dobCol]
			dates++
		}
		assert.Equal(t, want[i], rows[i], "row %d", i+1)
	}
	assert.Equal(t, 9, dates, "every ISO date from 1900 on is a date cell; 1897 cannot be one in Excel and stays text")
}

// writeXLSX writes rows on a sheet named Learners, header bold and frozen.
// Dates of birth Excel can hold (1900 on) become date cells; the rest is
// text, as an MIS export looks.
func writeXLSX(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Learners"
	require.NoError(t, f.SetSheetName("Sheet1", sheet))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	require.NoError(t, err)
	ukDate := "dd/mm/yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &ukDate})
	require.NoError(t, err)
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			if day, err := time.Parse("2006-01-02", v); r > 0 && c == dobCol && err == nil && day.Year() >= 1900 {
				require.NoError(t, f.SetCellValue(sheet, cell, day))
				require.NoError(t, f.SetCellStyle(sheet, cell, cell, dateStyle))
				continue
			}
			require.NoError(t, f.SetCellStr(sheet, cell, v))
		}
	}
	last, err := excelize.CoordinatesToCellName(len(rows[0]), 1)
	require.NoError(t, err)
	require.NoError(t, f.SetCellStyle(sheet, "A1", last, bold))
	require.NoError(t, f.SetColWidth(sheet, "A", "F", 16))
	require.NoError(t, f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	require.NoError(t, f.SaveAs(path))
}
