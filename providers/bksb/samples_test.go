package bksb

import (
	"flag"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/bksb/roster.xlsx from roster.csv")

func TestSampleRoster(t *testing.T) {
	providertest.LoadSample(t, Schema.Provider, "roster.csv", "").Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {}, 5: {}, 12: {},
		6: {Problems: map[string]schema.Code{"Username": schema.MissingRequired}},
		7: {Problems: map[string]schema.Code{"Email": schema.InvalidValue}},
		// bksb documents no range for a date of birth: an unlikely one is
		// a warning, and the row is sent.
		8:  {Warnings: map[string]schema.Code{"DateOfBirth": schema.UnlikelyValue}}, // 2092: in the future
		9:  {Warnings: map[string]schema.Code{"DateOfBirth": schema.UnlikelyValue}}, // 1897: before 1900
		10: {Problems: map[string]schema.Code{"Username": schema.DuplicateInFile}},
		11: {Problems: map[string]schema.Code{"AutoEnrolCourses": schema.InvalidValue}}, // "TBC"
	})
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, Schema.Provider, "roster-mapped.csv", "map.yaml")
	s.Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {},
		5: {Problems: map[string]schema.Code{"Email": schema.MissingRequired}},
		6: {Problems: map[string]schema.Code{"DateOfBirth": schema.InvalidValue}}, // 09/17/2004: a US date
	})

	for line, want := range map[int]schema.Record{
		2: {"Username": "l240117", "Firstname": "Ann", "Lastname": "Lee", "Email": "ann.lee@example.ac.uk",
			"DateOfBirth": time.Date(2004, 9, 17, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": true},
		3: {"Username": "l240118", "Firstname": "Marcus", "Lastname": "Webb", "Email": "marcus.webb@example.ac.uk",
			"DateOfBirth": time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": false},
		4: {"Username": "l240119", "Firstname": "Priya", "Lastname": "Raman", "Email": "priya.raman@example.ac.uk",
			"DateOfBirth": time.Date(2006, 11, 3, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": false}, // the default
	} {
		rec, errs := s.Map(t, line)
		require.Empty(t, errs, "line %d", line)
		assert.Equal(t, want, rec, "line %d", line)
	}
}

// dobCol is the roster's "Date of Birth" column (0-based).
const dobCol = 4

// ukDate is the number format a UK MIS gives dates of birth.
const ukDate = "dd/mm/yyyy"

// TestSampleRosterXLSX checks that the workbook holds the CSV's data, with
// dates of birth as real date cells (a serial number and a dd/mm/yyyy
// format, as a UK MIS exports them), so the reader's date handling is
// exercised. With -update it writes the workbook from the CSV first.
func TestSampleRosterXLSX(t *testing.T) {
	want := providertest.SampleRows(t, Schema.Provider, "roster.csv")
	path := providertest.SamplePath(Schema.Provider, "roster.xlsx")
	if *update {
		providertest.WriteXLSX(t, path, learners(), want)
	}
	f, sheet, rows := providertest.OpenXLSX(t, path, want)
	dates := 0
	for i := range want {
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
				assert.Equal(t, ukDate, *style.CustomNumFmt)
			}
			rows[i][dobCol] = want[i][dobCol]
			dates++
		}
		assert.Equal(t, want[i], rows[i], "row %d", i+1)
	}
	assert.Equal(t, 9, dates, "every ISO date from 1900 on is a date cell; 1897 cannot be one in Excel and stays text")
}

// learners lays the roster out on a sheet named Learners, as an MIS export
// looks: dates of birth Excel can hold (1900 on) become date cells, the
// rest is text.
func learners() providertest.Sheet {
	dateStyle := 0 // made at the first date cell, after the header's style
	return providertest.Sheet{Name: "Learners", Width: 16,
		Cell: func(f *excelize.File, sheet, cell string, row, col int, v string) (bool, error) {
			day, err := time.Parse("2006-01-02", v)
			if row == 0 || col != dobCol || err != nil || day.Year() < 1900 {
				return false, nil
			}
			if dateStyle == 0 {
				format := ukDate
				if dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
					return false, err
				}
			}
			if err := f.SetCellValue(sheet, cell, day); err != nil {
				return false, err
			}
			return true, f.SetCellStyle(sheet, cell, cell, dateStyle)
		}}
}
