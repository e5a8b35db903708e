package reports

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocarina/gocsv"
	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func writeResults(t *testing.T, path string) {
	t.Helper()
	sink, err := NewResults(path, rosterHeader)
	require.NoError(t, err)
	outs := resultOutcomes()
	sum := summaryOf("run", outs)
	sum.Recovered = 1
	sum.Settings = map[string]string{"workers": "4", "rate": "5/s", "dry_run": "false"}
	writeAll(t, sink, outs, sum)
}

func TestResultsGolden(t *testing.T) {
	for _, ext := range []string{"csv", "xlsx"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results."+ext)
			writeResults(t, path)
			checkFileGolden(t, path, "results."+ext+".golden")
		})
	}
}

// The XLSX stores a formula-like cell as a string, never as a formula.
func TestResultsXLSXFormulaIsString(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.xlsx")
	writeResults(t, path)
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	cell := "N3" // row 3 (Line 3), column "notes"
	v, err := f.GetCellValue("Results", cell)
	require.NoError(t, err)
	assert.Equal(t, "=cmd|' /C calc'!A0", v)
	formula, err := f.GetCellFormula("Results", cell)
	require.NoError(t, err)
	assert.Empty(t, formula)
	typ, err := f.GetCellType("Results", cell)
	require.NoError(t, err)
	assert.Equal(t, excelize.CellTypeInlineString, typ)
}

// Both formats hold the same cells; CSV only adds the formula guard.
func TestResultsCSVMatchesXLSX(t *testing.T) {
	dir := t.TempDir()
	writeResults(t, filepath.Join(dir, "r.csv"))
	writeResults(t, filepath.Join(dir, "r.xlsx"))

	b, err := os.ReadFile(filepath.Join(dir, "r.csv"))
	require.NoError(t, err)
	csvRows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), utf8BOM))).ReadAll()
	require.NoError(t, err)

	f, err := excelize.OpenFile(filepath.Join(dir, "r.xlsx"))
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	xRows, err := f.GetRows("Results", excelize.Options{RawCellValue: true})
	require.NoError(t, err)

	require.Len(t, xRows, len(csvRows))
	for r := range csvRows {
		for c, want := range csvRows[r] {
			got := ""
			if c < len(xRows[r]) {
				got = xRows[r][c]
			}
			assert.Equal(t, want, guardFormula(got), "row %d col %d", r+1, c+1)
		}
	}
}

// resultRecord's csv tags and resultColumns must name the same columns.
func TestResultRecordTagsMatchColumns(t *testing.T) {
	s, err := gocsv.MarshalString(&[]resultRecord{})
	require.NoError(t, err)
	assert.Equal(t, strings.Join(resultColumns, ",")+"\n", s)
	var r resultRecord
	assert.Len(t, r.appendCells(nil), len(resultColumns))
}

func TestNewResultRecord(t *testing.T) {
	tests := []struct {
		name string
		o    batch.Outcome
		want resultRecord
	}{
		{"created", batch.Outcome{Line: 2, Status: batch.Created, ID: "7", VendorStatus: 201, Attempts: 1},
			resultRecord{Row: 2, Status: "created", ID: "7", VendorStatus: 201, Attempts: 1}},
		{"several problems are joined, first code first, messages named",
			batch.Outcome{Line: 3, Status: batch.Invalid, Problems: []batch.Problem{
				{Code: "MISSING_REQUIRED", Field: "email", Message: "required"},
				{Code: "CONFLICTING_FIELDS", Message: "one of a or b"},
				{Code: "INVALID_ENUM", Field: "role", Message: "bad role"},
			}},
			resultRecord{Row: 3, Status: "invalid", ErrorCode: "MISSING_REQUIRED; CONFLICTING_FIELDS; INVALID_ENUM",
				Field: "email; role", Message: "email: required; one of a or b; role: bad role"}},
		{"one problem keeps its message bare, note in brackets",
			batch.Outcome{Line: 4, Status: batch.Failed, VendorStatus: 409, VendorCode: "dup", Attempts: 2, Note: "n",
				Problems: []batch.Problem{{Code: "VENDOR_REJECTED", Field: "email", Message: "taken"}}},
			resultRecord{Row: 4, Status: "failed", ErrorCode: "VENDOR_REJECTED", Field: "email", Message: "taken [n]",
				VendorStatus: 409, VendorCode: "dup", Attempts: 2}},
		{"note alone becomes the message",
			batch.Outcome{Line: 5, Status: batch.Created, ID: "9", Note: "recovered"},
			resultRecord{Row: 5, Status: "created", ID: "9", Message: "recovered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, newResultRecord(&tt.o))
		})
	}
}

func TestBlankZero(t *testing.T) {
	s, err := blankZero(0).MarshalCSV()
	require.NoError(t, err)
	assert.Empty(t, s)
	s, err = blankZero(503).MarshalCSV()
	require.NoError(t, err)
	assert.Equal(t, "503", s)
}
