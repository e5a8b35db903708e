package alphalearn

import (
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/alphalearn/roster.xlsx from roster.csv")

const samples = "../../samples/alphalearn"

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
	c := newSimEnv(t, sim.Options{}).c
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
		if !assert.Equal(t, w.problems, got, "line %d: %v", line, errs) || len(got) > 0 {
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
	checkSample(t, readCSV(t, "roster.csv"), nil, map[int]outcome{
		2: {}, 3: {}, 4: {}, 5: {}, 12: {},
		6:  {problems: map[string]schema.Code{"firstName": schema.MissingRequired}},
		7:  {problems: map[string]schema.Code{"title": schema.InvalidEnum}}, // Miss: the mapped sample maps it to Ms
		8:  {problems: map[string]schema.Code{"password": schema.InvalidValue}},
		9:  {problems: map[string]schema.Code{"state": schema.MissingRequired, "country": schema.MissingRequired}},
		10: {problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
		11: {problems: map[string]schema.Code{"password": schema.MissingRequired}},
	})
}

func TestSampleMapped(t *testing.T) {
	m, err := schema.LoadMapping(filepath.Join(samples, "map.yaml"))
	require.NoError(t, err)
	rows := readCSV(t, "roster-mapped.csv")
	checkSample(t, rows, m, map[int]outcome{
		2: {}, 3: {}, 4: {},
		5: {problems: map[string]schema.Code{"mobile": schema.MissingRequired}},
		6: {problems: map[string]schema.Code{"roleId": schema.InvalidValue}}, // "Intern" is no role the map knows
		7: {problems: map[string]schema.Code{"title": schema.InvalidEnum}},
	})

	// The first row shows split, transforms, value maps, synonyms,
	// constants and a default at once.
	mp, err := schema.NewMapper(Schema, rows[0], m)
	require.NoError(t, err)
	rec, errs := mp.Map(rows[1])
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"title": "Mr", "firstName": "Rahul", "lastName": "Verma", "email": "rahul.verma@acmelearning.example",
		"mobile": "9845012345", "uniqueId": "EMP-2001", "roleId": int64(3), "userCanChoosePassword": int64(0),
		"sendEmailNotification": int64(1), "countryCode": "+91", "timezone": "Asia/Kolkata", "language": "en-US",
		"companyName": "Acme Learning Pvt Ltd",
	}, rec)
}

// TestSampleRosterXLSX checks that the workbook holds the CSV's data; with
// -update it writes the workbook from the CSV first.
func TestSampleRosterXLSX(t *testing.T) {
	want := readCSV(t, "roster.csv")
	path := filepath.Join(samples, "roster.xlsx")
	if *update {
		writeXLSX(t, path, "Users", want)
	}
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Len(t, rows, len(want))
	for i := range want {
		for len(rows[i]) < len(want[i]) { // excelize drops trailing empty cells
			rows[i] = append(rows[i], "")
		}
		assert.Equal(t, want[i], rows[i], "row %d", i+1)
	}
}

// writeXLSX writes rows as text cells on sheet, header bold and frozen, as
// an HR export would look.
func writeXLSX(t *testing.T, path, sheet string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetSheetName("Sheet1", sheet))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	require.NoError(t, err)
	for r, row := range rows {
		for c, v := range row {
			if v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, err)
			require.NoError(t, f.SetCellStr(sheet, cell, v))
		}
	}
	last, err := excelize.CoordinatesToCellName(len(rows[0]), 1)
	require.NoError(t, err)
	require.NoError(t, f.SetCellStyle(sheet, "A1", last, bold))
	require.NoError(t, f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	require.NoError(t, f.SaveAs(path))
}
