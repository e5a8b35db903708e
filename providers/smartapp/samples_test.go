package smartapp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// rosterWant is each roster row's outcome, keyed by employee ID.
var rosterWant = map[string]providertest.Row{
	"E1001": {}, "E1002": {}, "E1003": {}, "E1004": {}, "E1005": {}, "E1011": {},
	"E1006": {Problems: map[string]schema.Code{"email": schema.MissingRequired}},
	"E1007": {Problems: map[string]schema.Code{"licenceType": schema.InvalidEnum}},
	"E1008": {Problems: map[string]schema.Code{"email": schema.InvalidValue}},
	"E1009": {Problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
	// Valid here, but Acme Corp has no London office: the vendor says 400.
	"E1010": {Vendor: providers.VendorRejected},
}

func TestSampleRoster(t *testing.T) {
	s := providertest.LoadSample(t, Schema.Provider, "roster.csv", "")
	s.Check(t, s.ByFirstCell(t, rosterWant))
}

// TestSampleRosterXLSX: the workbook holds the same data as the CSV.
func TestSampleRosterXLSX(t *testing.T) {
	providertest.SampleXLSX(t, Schema.Provider, providertest.Sheet{Name: "Employees"}, false)
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, Schema.Provider, "roster-mapped.csv", "map.yaml")
	s.Check(t, s.ByFirstCell(t, map[string]providertest.Row{
		"4410": {}, "4411": {}, "4412": {},
		"4413": {Problems: map[string]schema.Code{"phone": schema.MissingRequired}},
		"4414": {Problems: map[string]schema.Code{"licenceType": schema.InvalidEnum}},
	}))

	// The first row shows every mapping feature at once.
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com", "phone": "555-123-4567",
		"companyName": "smartapp.com", "companyLocationName": "headquarters", "licenceType": LicencedUser,
		"groups":   []string{"software developers", "interns"},
		"metadata": map[string]any{"Employee Number": "4410", "Hire Date": "2024-09-02"},
	}, rec)
}
