package scim

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/scim/roster.xlsx from roster.csv")

func TestSampleRoster(t *testing.T) {
	s := providertest.LoadSample(t, ID, "roster.csv", "")
	s.Check(t, s.ByFirstCell(t, map[string]providertest.Row{
		"20931": {}, "20932": {}, "20933": {}, "20934": {}, "20939": {},
		"20935": {Problems: map[string]schema.Code{"userName": schema.MissingRequired}},
		"20936": {Problems: map[string]schema.Code{"email": schema.InvalidValue}},
		// userName is caseExact false: Ann.Lee@Example.com is line 2's.
		"20937": {Problems: map[string]schema.Code{"userName": schema.DuplicateInFile}},
		"20938": {Problems: map[string]schema.Code{"active": schema.InvalidValue}},
	}))

	// HR headers land on the SCIM fields.
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"employeeNumber": "20931", "userName": "ann.lee@example.com", "givenName": "Ann", "familyName": "Lee",
		"email": "ann.lee@example.com", "phone": "+1 480 555 0142", "title": "Analyst", "department": "Finance",
		"externalId": "HR-20931", "active": true,
	}, rec)
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, ID, "roster-mapped.csv", "map.yaml")
	s.Check(t, s.ByFirstCell(t, map[string]providertest.Row{
		"W-4410": {}, "W-4411": {}, "W-4412": {},
		"W-4413": {Problems: map[string]schema.Code{"familyName": schema.MissingRequired}},
		"W-4414": {Problems: map[string]schema.Code{"active": schema.InvalidValue}}, // no status the map knows
	}))
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"externalId": "W-4410", "givenName": "Ann", "familyName": "Lee", "userName": "ann.lee@example.com",
		"employeeNumber": "20931", "department": "Finance", "active": true,
	}, rec)
}

// TestSampleRosterXLSX checks that the workbook holds the CSV's data; with
// -update it writes the workbook from the CSV first.
func TestSampleRosterXLSX(t *testing.T) {
	providertest.SampleXLSX(t, ID, providertest.Sheet{Name: "Workers"}, *update)
}

func TestExamples(t *testing.T) { providertest.CheckExamples(t, Schema) }
