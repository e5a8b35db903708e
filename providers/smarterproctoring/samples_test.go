package smarterproctoring

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var update = flag.Bool("update", false, "rewrite samples/smarterproctoring/roster.xlsx from roster.csv")

func TestSampleRoster(t *testing.T) {
	providertest.LoadSample(t, Schema.Provider, "roster.csv", "").Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {}, 5: {}, 12: {},
		6:  {Problems: map[string]schema.Code{"lastName": schema.MissingRequired}},
		7:  {Problems: map[string]schema.Code{"email": schema.InvalidValue}},
		8:  {Problems: map[string]schema.Code{"timeZoneSid": schema.InvalidValue}}, // a zone name, not a TZ SID
		9:  {Problems: map[string]schema.Code{"currencyCode": schema.InvalidValue}},
		10: {Problems: map[string]schema.Code{"email": schema.DuplicateInFile}},
		// Valid here, but line 3 already took the username: the vendor says 409.
		11: {Vendor: providers.AlreadyExists},
	})
}

func TestSampleMapped(t *testing.T) {
	s := providertest.LoadSample(t, Schema.Provider, "roster-mapped.csv", "map.yaml")
	s.Check(t, map[int]providertest.Row{
		2: {}, 3: {}, 4: {},
		5: {Problems: map[string]schema.Code{"mobilePhone": schema.MissingRequired}},
		6: {Problems: map[string]schema.Code{"enabled": schema.InvalidValue}}, // "Contractor" is no status the map knows
	})

	// The first row shows split, transforms, value map and constant at once.
	rec, errs := s.Map(t, 2)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu", "mobilePhone": "+1 480 555 0142",
		"exernalId": "HR-20931", "enabled": true, "currencyCode": "USD",
		"timeZoneSid": "TZ3f9a1c07d2b84e6a9c15e0b7f4d2a8c1",
	}, rec)
	rec, errs = s.Map(t, 3)
	require.Empty(t, errs)
	assert.Equal(t, "USD", rec["currencyCode"], "the default fills an empty cell")
}

// TestSampleRosterXLSX checks that the workbook holds the CSV's data; with
// -update it writes the workbook from the CSV first, on a sheet named
// Students as a registrar's export would look.
func TestSampleRosterXLSX(t *testing.T) {
	providertest.SampleXLSX(t, Schema.Provider, providertest.Sheet{Name: "Students"}, *update)
}
