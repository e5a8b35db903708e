package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A secret column (by header) that no field takes is never collected into
// the Extra object (Smartapp's metadata): it is not sent at all, and
// listing one under metadata: is refused.
func TestSecretColumnNeverGoesIntoExtra(t *testing.T) {
	s := &Schema{Provider: "v", Extra: "metadata", Fields: []Field{
		{Name: "email", Type: String, Required: true},
		{Name: "metadata", Type: Object},
	}}
	header := []string{"email", "Password", "Initial password", "client_secret", "Department", "User Can Choose Password"}
	mp, err := NewMapper(s, header, &Mapping{Metadata: []string{"Department", "User Can Choose Password"}})
	require.NoError(t, err)
	rec, errs := mp.Map([]string{"a@x.org", "Pw-SECRET-1", "Pw-SECRET-2", "cs-SECRET-3", "Sales", "1"})
	require.Empty(t, errs)
	meta, _ := rec["metadata"].(map[string]any)
	assert.Equal(t, map[string]any{"Department": "Sales", "User Can Choose Password": "1"}, meta)
	for _, v := range meta {
		assert.NotContains(t, v, "SECRET")
	}
	warned := 0
	for _, w := range mp.Warnings() {
		if strings.Contains(w, "holds a secret") {
			warned++
		}
	}
	assert.Equal(t, 3, warned, "each dropped secret column is named: %v", mp.Warnings())

	_, err = NewMapper(s, header, &Mapping{Metadata: []string{"Department", "Initial password"}})
	require.Error(t, err)
	assert.Equal(t, `mapping file: metadata: column "Initial password" holds a secret, and metadata is free-form where anyone can read it: take it out of metadata:`, err.Error())
}

// Only the columns metadata: lists go into the Extra field: an HR export's
// salary, date of birth or marital status is never sent because nobody
// mapped it (issue 18), and UnsentColumns names them for the notice.
func TestMetadataIsAnAllowList(t *testing.T) {
	s := &Schema{Provider: "v", Extra: "metadata", Fields: []Field{
		{Name: "email", Type: String, Required: true},
		{Name: "phone", Type: String},
		{Name: "metadata", Type: Object},
	}}
	header := []string{"email", "Employee ID", "Salary", "Marital Status", "Date of Birth", "Cost Centre", "Notes", "Phone"}
	cells := []string{"a@x.org", "E-7", "52000", "married", "1980-04-01", "CC-12", "likes tea", "555-0100"}
	cases := []struct {
		name     string
		mapping  *Mapping
		meta     map[string]any
		unsent   []string
		extraCol []string
	}{
		{"no mapping sends nothing unmapped", nil, nil,
			[]string{"Employee ID", "Salary", "Marital Status", "Date of Birth", "Cost Centre", "Notes"}, []string{}},
		{"allow-list", &Mapping{Metadata: []string{"employee_id", "Cost Centre"}, Ignore: []string{"Notes"}},
			map[string]any{"Employee ID": "E-7", "Cost Centre": "CC-12"},
			[]string{"Salary", "Marital Status", "Date of Birth"}, []string{"Employee ID", "Cost Centre"}},
		{"identity is read, not sent", &Mapping{Identity: "Employee ID", Metadata: []string{"Cost Centre"}},
			map[string]any{"Cost Centre": "CC-12"},
			[]string{"Salary", "Marital Status", "Date of Birth", "Notes"}, []string{"Cost Centre"}},
		{"identity sent when listed", &Mapping{Identity: "Employee ID", Metadata: []string{"Employee ID"}},
			map[string]any{"Employee ID": "E-7"},
			[]string{"Salary", "Marital Status", "Date of Birth", "Cost Centre", "Notes"}, []string{"Employee ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mp, err := NewMapper(s, header, tc.mapping)
			require.NoError(t, err)
			rec, errs := mp.Map(cells)
			require.Empty(t, errs)
			if tc.meta == nil {
				assert.NotContains(t, rec, "metadata")
			} else {
				assert.Equal(t, tc.meta, rec["metadata"])
			}
			assert.Equal(t, "555-0100", rec["phone"], "fields still map by name")
			assert.Equal(t, tc.unsent, mp.UnsentColumns())
			assert.Equal(t, tc.extraCol, mp.ExtraColumns())
			assert.Empty(t, mp.Warnings(), "the unsent columns are one notice, not a warning each")
		})
	}

	mp, err := NewMapper(s, header, &Mapping{Metadata: []string{"Cost Center"}})
	require.NoError(t, err)
	assert.Equal(t, []string{`mapping file: metadata: the file has no column "Cost Center": did you mean Cost Centre?`}, mp.Warnings())
}

// An export template's example row ("Example: Chris Green", as Entra's
// bulk-create file has under its header) is refused, in Map and Check
// alike, on the field its first column feeds; a name merely starting with
// "Example" is a person.
func TestExampleRowIsNoPerson(t *testing.T) {
	s := testSchema()
	m, err := NewMapper(s, []string{"firstName", "lastName", "email"}, nil)
	require.NoError(t, err)
	for _, first := range []string{"Example: Chris Green", "  example:Chris", "EXAMPLE: x"} {
		_, errs := m.Map([]string{first, "Green", "chris@contoso.com"})
		require.Len(t, errs, 1, first)
		assert.Equal(t, "firstName", errs[0].Field)
		assert.Equal(t, InvalidValue, errs[0].Code)
		assert.Contains(t, errs[0].Message, "example row")
		errs = m.CheckOnly().Check(Record{}, []string{first, "Green", "chris@contoso.com"}, make([]string, len(s.Key)))
		require.Len(t, errs, 1, first)
	}
	for _, first := range []string{"Examplia", "Example", "Ann Example:"} {
		_, errs := m.Map([]string{first, "Green", "chris@contoso.com"})
		assert.Empty(t, errs, first)
	}
}
