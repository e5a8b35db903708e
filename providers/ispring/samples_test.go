package ispring

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/ispring/roster.xlsx from roster.csv")

func TestSampleRoster(t *testing.T) {
	providertest.LoadSample(t, ID, "roster.csv", "").Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {}, 5: {}, 6: {}, 13: {},
		7:  {Problems: map[string]schema.Code{"login": schema.MissingRequired}},
		8:  {Problems: map[string]schema.Code{"role": schema.InvalidEnum}},
		9:  {Problems: map[string]schema.Code{"departmentId": schema.InvalidValue}}, // a name, not the department's ID
		10: {Problems: map[string]schema.Code{"invitationMessage": schema.MissingRequired}},
		11: {Problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
		12: {Problems: map[string]schema.Code{"roles": schema.ConflictingFields}},
	})
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, ID, "roster-mapped.csv", "map.yaml")
	s.Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {}, 5: {},
		6: {Problems: map[string]schema.Code{"email": schema.MissingRequired}},
		7: {Problems: map[string]schema.Code{"role": schema.InvalidEnum}}, // "Contractor" is no level the map knows
		8: {Problems: map[string]schema.Code{"manageableDepartmentIds": schema.MissingRequired}},
	})

	// The first rows show split, transforms, value maps, synonyms and
	// constants at once.
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"login": "alee", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@northwind.example",
		"phone": "+1 206 555 0201", "departmentId": "6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7", "role": "learner",
		"sendLoginEmail": true, "invitationMessage": "Welcome to Northwind Academy! Sign in to start your onboarding courses.",
	}, rec)
	rec, errs = s.Map(t, 4)
	require.Empty(t, errs)
	assert.Equal(t, "publisher", rec["role"], "Trainer → course_authors (doc name) → publisher")
}

// TestSampleRosterXLSX checks that the workbook holds the CSV's data; with
// -update it writes the workbook from the CSV first, as an HR export would
// look.
func TestSampleRosterXLSX(t *testing.T) {
	providertest.SampleXLSX(t, ID, providertest.Sheet{Name: "Employees"}, *update)
}
