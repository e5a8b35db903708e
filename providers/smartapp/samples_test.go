package smartapp

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

const samples = "../../samples/smartapp"

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(samples, name))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// sampleRow is what a sample row must come to: its problems by field, or
// for a valid row the vendor's answer ("" for created).
type sampleRow struct {
	problems map[string]schema.Code
	vendor   providers.Code
}

// checkSample maps rows through the engine, then sends the valid ones to a
// simulator, and compares each row (keyed by its first cell) with want.
func checkSample(t *testing.T, rows [][]string, m *schema.Mapping, want map[string]sampleRow) {
	t.Helper()
	mp, err := schema.NewMapper(Schema, rows[0], m)
	require.NoError(t, err)
	srv := NewSimulator(sim.Options{})
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	c, err := New(providers.Config{BaseURL: ts.URL, Credentials: srv.Credentials, HTTP: &http.Client{Timeout: 5 * time.Second}})
	require.NoError(t, err)

	dedup := schema.NewDedup(Schema)
	require.Len(t, rows[1:], len(want))
	for i, cells := range rows[1:] {
		w, ok := want[cells[0]]
		require.True(t, ok, "unexpected row %s", cells[0])
		rec, errs := mp.Map(cells)
		errs = append(errs, dedup.Check(rec, i+2)...)
		var got map[string]schema.Code
		for _, e := range errs {
			if got == nil {
				got = map[string]schema.Code{}
			}
			got[e.Field] = e.Code
		}
		if !assert.Equal(t, w.problems, got, "row %s", cells[0]) || len(got) > 0 {
			continue
		}
		_, err := c.Create(t.Context(), rec)
		if w.vendor == "" {
			assert.NoError(t, err, "row %s", cells[0])
			continue
		}
		var pe *providers.Error
		if assert.ErrorAs(t, err, &pe, "row %s", cells[0]) {
			assert.Equal(t, w.vendor, pe.Code, "row %s", cells[0])
		}
	}
}

var rosterWant = map[string]sampleRow{
	"E1001": {}, "E1002": {}, "E1003": {}, "E1004": {}, "E1005": {}, "E1011": {},
	"E1006": {problems: map[string]schema.Code{"email": schema.MissingRequired}},
	"E1007": {problems: map[string]schema.Code{"licenceType": schema.InvalidEnum}},
	"E1008": {problems: map[string]schema.Code{"email": schema.InvalidValue}},
	"E1009": {problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
	// Valid here, but Acme Corp has no London office: the vendor says 400.
	"E1010": {vendor: providers.VendorRejected},
}

func TestSampleRoster(t *testing.T) {
	checkSample(t, readCSV(t, "roster.csv"), nil, rosterWant)
}

// TestSampleRosterXLSX: the workbook holds the same data as the CSV.
func TestSampleRosterXLSX(t *testing.T) {
	f, err := excelize.OpenFile(filepath.Join(samples, "roster.xlsx"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	want := readCSV(t, "roster.csv")
	require.Len(t, rows, len(want))
	for i := range want {
		for len(rows[i]) < len(want[i]) { // excelize drops trailing empty cells
			rows[i] = append(rows[i], "")
		}
		assert.Equal(t, want[i], rows[i], "row %d", i+1)
	}
}

func TestSampleMapped(t *testing.T) {
	m, err := schema.LoadMapping(filepath.Join(samples, "map.yaml"))
	require.NoError(t, err)
	rows := readCSV(t, "roster-mapped.csv")
	checkSample(t, rows, m, map[string]sampleRow{
		"4410": {}, "4411": {}, "4412": {},
		"4413": {problems: map[string]schema.Code{"phone": schema.MissingRequired}},
		"4414": {problems: map[string]schema.Code{"licenceType": schema.InvalidEnum}},
	})

	// The first row shows every mapping feature at once.
	mp, err := schema.NewMapper(Schema, rows[0], m)
	require.NoError(t, err)
	assert.Empty(t, mp.Warnings())
	rec, errs := mp.Map(rows[1])
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com", "phone": "555-123-4567",
		"companyName": "smartapp.com", "companyLocationName": "headquarters", "licenceType": LicencedUser,
		"groups":   []string{"software developers", "interns"},
		"metadata": map[string]any{"Employee Number": "4410", "Hire Date": "2024-09-02"},
	}, rec)
}
