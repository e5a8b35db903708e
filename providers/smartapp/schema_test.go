package smartapp

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/schema"
)

// header is an HR export's header: aliases for the fields and two columns
// smartapp has no field for, which go into metadata because mapping lists
// them there.
var header = []string{"First Name", "Surname", "E-mail", "Company", "Location", "Licence Type", "Groups", "Employee ID", "Start Date"}

var mapping = &schema.Mapping{Metadata: []string{"Employee ID", "Start Date"}}

func TestSchemaMap(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  schema.Record
		errs  map[string]schema.Code // field → code
	}{
		{
			name:  "good row; extra columns become metadata strings",
			cells: []string{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters", "LicencedUser", "software developers; interns", "E1001", "2024-09-02"},
			want: schema.Record{"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com",
				"companyName": "smartapp.com", "companyLocationName": "headquarters", "licenceType": LicencedUser,
				"groups":   []string{"software developers", "interns"},
				"metadata": map[string]any{"Employee ID": "E1001", "Start Date": "2024-09-02"}},
		},
		{
			name:  "licence synonyms and case; empty licence left out for the vendor's default",
			cells: []string{"Ann", "Lee", "ann@acme.example", "Acme Corp", "Boston", "transaction based user", "", "", ""},
			want: schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example",
				"companyName": "Acme Corp", "companyLocationName": "Boston", "licenceType": TransactionBasedUser},
		},
		{
			name:  "licence spelled as get returns it",
			cells: []string{"Ann", "Lee", "ann@acme.example", "Acme Corp", "Boston", "Licenced User", "", "", ""},
			want: schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example",
				"companyName": "Acme Corp", "companyLocationName": "Boston", "licenceType": LicencedUser},
		},
		{
			name:  "no licence type",
			cells: []string{"Ann", "Lee", "ann@acme.example", "Acme Corp", "Boston", "", "", "", ""},
			want: schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example",
				"companyName": "Acme Corp", "companyLocationName": "Boston"},
		},
		{
			name:  "bad enum",
			cells: []string{"Ann", "Lee", "ann@acme.example", "Acme Corp", "Boston", "Premium", "", "", ""},
			errs:  map[string]schema.Code{"licenceType": schema.InvalidEnum},
		},
		{
			name:  "bad email",
			cells: []string{"Ann", "Lee", "ann.acme.example", "Acme Corp", "Boston", "", "", "", ""},
			errs:  map[string]schema.Code{"email": schema.InvalidValue},
		},
		{
			name:  "every required field missing at once",
			cells: []string{"", "", "", "", "", "", "", "", ""},
			errs: map[string]schema.Code{"firstName": schema.MissingRequired, "lastName": schema.MissingRequired,
				"email": schema.MissingRequired, "companyName": schema.MissingRequired, "companyLocationName": schema.MissingRequired},
		},
	}
	m, err := schema.NewMapper(Schema, header, mapping)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := m.Map(tt.cells)
			got := map[string]schema.Code{}
			for _, e := range errs {
				got[e.Field] = e.Code
			}
			if tt.errs == nil {
				assert.Empty(t, errs)
				assert.Equal(t, tt.want, rec)
				return
			}
			assert.Equal(t, tt.errs, got)
		})
	}
}

// TestSchemaMetadataColumn: a metadata column holding a JSON object is
// merged with the columns the mapping lists under metadata:.
func TestSchemaMetadataColumn(t *testing.T) {
	m, err := schema.NewMapper(Schema, []string{"firstName", "lastName", "email", "companyName", "companyLocationName", "metadata", "Cost Centre"},
		&schema.Mapping{Metadata: []string{"Cost Centre"}})
	require.NoError(t, err)
	rec, errs := m.Map([]string{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters", `{"Favorite employee": true}`, "CC-42"})
	require.Empty(t, errs)
	assert.Equal(t, map[string]any{"Favorite employee": true, "Cost Centre": "CC-42"}, rec["metadata"])

	_, errs = m.Map([]string{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters", `not json`, ""})
	require.Len(t, errs, 1)
	assert.Equal(t, "metadata", errs[0].Field)
}

func TestSchemaMissingColumn(t *testing.T) {
	_, err := schema.NewMapper(Schema, []string{"First Name", "Surname", "E-mail", "Location"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "companyName")
}

// TestSchemaFromJSON: the doc's own example body is valid on the wire, and
// the wire wants the exact enum spelling and real arrays.
func TestSchemaFromJSON(t *testing.T) {
	const docExample = `{"firstName":"Caleb","lastName":"Carr","email":"ccarr@smartapp.com","phone":"555-123-4567",
		"fax":"1-555-9876543","companyName":"smartapp.com","companyLocationName":"headquarters","licenceType":"LicencedUser",
		"metadata":{"Favorite employee":true},"applicationRoles":["string"],"groups":["software developers","interns"],
		"dashboardGroups":["string"]}`
	tests := []struct {
		name   string
		change map[string]any
		field  string // the failing field; "" for valid
	}{
		{"doc example", nil, ""},
		{"licence with a space", map[string]any{"licenceType": "Licenced User"}, "licenceType"},
		{"groups as a string", map[string]any{"groups": "interns"}, "groups"},
		{"email format", map[string]any{"email": "ccarr"}, "email"},
		{"companyName null", map[string]any{"companyName": nil}, "companyName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(docExample), &body))
			for k, v := range tt.change {
				body[k] = v
			}
			_, errs := schema.FromJSON(Schema, body)
			if tt.field == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
		})
	}
}
