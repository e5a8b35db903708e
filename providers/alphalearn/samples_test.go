package alphalearn

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/alphalearn/roster.xlsx from roster.csv")

func TestSampleRoster(t *testing.T) {
	providertest.LoadSample(t, ID, "roster.csv", "").Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {}, 5: {}, 12: {},
		6:  {Problems: map[string]schema.Code{"firstName": schema.MissingRequired}},
		7:  {Problems: map[string]schema.Code{"title": schema.InvalidEnum}}, // Miss: the mapped sample maps it to Ms
		8:  {Problems: map[string]schema.Code{"password": schema.InvalidValue}},
		9:  {Problems: map[string]schema.Code{"state": schema.MissingRequired, "country": schema.MissingRequired}},
		10: {Problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
		11: {Problems: map[string]schema.Code{"password": schema.MissingRequired}},
	})
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, ID, "roster-mapped.csv", "map.yaml")
	s.Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {},
		5: {Problems: map[string]schema.Code{"mobile": schema.MissingRequired}},
		6: {Problems: map[string]schema.Code{"roleId": schema.InvalidValue}}, // "Intern" is no role the map knows
		7: {Problems: map[string]schema.Code{"title": schema.InvalidEnum}},
	})

	// The first row shows split, transforms, value maps, synonyms,
	// constants and a default at once.
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"title": "Mr", "firstName": "Rahul", "lastName": "Verma", "email": "rahul.verma@acmelearning.example",
		"mobile": "9845012345", "uniqueId": "EMP-2001", "roleId": int64(3), "userCanChoosePassword": int64(0),
		"sendEmailNotification": int64(1), "countryCode": "+91", "timezone": "Asia/Kolkata", "language": "en-US",
		"companyName": "Acme Learning Pvt Ltd",
	}, rec)
}

// TestSampleRosterXLSX checks that the workbook holds the CSV's data; with
// -update it writes the workbook from the CSV first, as an HR export would
// look.
func TestSampleRosterXLSX(t *testing.T) {
	providertest.SampleXLSX(t, ID, providertest.Sheet{Name: "Users"}, *update)
}
