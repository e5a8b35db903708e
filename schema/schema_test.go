package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSchema exercises every type and rule kind.
func testSchema() *Schema {
	return &Schema{
		Provider: "test",
		Key:      []string{"email", "login"},
		Fields: []Field{
			{Name: "firstName", Type: String, Required: true, Aliases: []string{"Given Name"}},
			{Name: "lastName", Type: String, Required: true, Aliases: []string{"Surname"}},
			{Name: "email", Type: String, Required: true, Check: CheckEmail, Aliases: []string{"E-mail", "Email Address"}},
			{Name: "login", Type: String},
			{Name: "role", Type: String, Enum: []string{"learner", "administrator", "custom"}, Synonyms: map[string]string{"learners": "learner"}},
			{Name: "roleId", Type: Integer, Enum: []string{"3", "4"}},
			{Name: "level", Type: Integer},
			{Name: "score", Type: Number},
			{Name: "enabled", Type: Boolean},
			{Name: "sendLoginEmail", Type: Boolean},
			{Name: "invitationMessage", Type: String},
			{Name: "birth", Type: Date},
			{Name: "groups", Type: List},
			{Name: "sid", Type: String, Pattern: regexp.MustCompile(`^TZ[a-f0-9]{4}$`), PatternText: "TZ followed by 4 lowercase hex digits"},
			{Name: "currency", Type: String, MinLen: 3, MaxLen: 3},
			{Name: "password", Type: String, Secret: true, MinLen: 8},
			{Name: "department", Type: Integer},
			{Name: "meta", Type: Object},
		},
		Rules: []Rule{
			RequiredIf("invitationMessage", "when sendLoginEmail is true", Equals("sendLoginEmail", true)),
			AtMostOneOf("role", "roleId"),
		},
	}
}

func TestParseValues(t *testing.T) {
	s := testSchema()
	header := []string{"First Name", "Surname", "E-mail", "role", "Role ID", "level", "score", "enabled", "birth", "groups", "sid", "currency", "password"}
	m, err := NewMapper(s, header, nil)
	require.NoError(t, err)
	base := []string{"Ann", "Lee", "ann@example.com", "", "", "", "", "", "", "", "", "", ""}
	tests := []struct {
		name  string
		col   int
		cell  string
		field string
		want  any
		code  Code
	}{
		{"enum synonym", 3, "Learners", "role", "learner", ""},
		{"enum case-insensitive", 3, "ADMINISTRATOR", "role", "administrator", ""},
		{"enum bad", 3, "owner", "role", nil, InvalidEnum},
		{"integer enum", 4, "3", "roleId", int64(3), ""},
		{"integer enum bad", 4, "7", "roleId", nil, InvalidEnum},
		{"integer", 5, "42", "level", int64(42), ""},
		{"integer bad", 5, "4x", "level", nil, InvalidValue},
		{"number", 6, "-3.5", "score", -3.5, ""},
		{"bool yes", 7, "Yes", "enabled", true, ""},
		{"bool n", 7, "n", "enabled", false, ""},
		{"bool 1", 7, "1", "enabled", true, ""},
		{"bool FALSE", 7, "FALSE", "enabled", false, ""},
		{"bool bad", 7, "maybe", "enabled", nil, InvalidValue},
		{"date", 8, "1990-04-01", "birth", time.Date(1990, 4, 1, 0, 0, 0, 0, time.UTC), ""},
		{"date with time", 8, "1990-04-01 00:00", "birth", time.Date(1990, 4, 1, 0, 0, 0, 0, time.UTC), ""},
		{"date bad", 8, "01/04/1990", "birth", nil, InvalidValue},
		{"list", 9, "interns; devs ;;", "groups", []string{"interns", "devs"}, ""},
		{"pattern", 10, "TZab12", "sid", "TZab12", ""},
		{"pattern bad", 10, "TZAB12", "sid", nil, InvalidValue},
		{"length exact", 11, "USD", "currency", "USD", ""},
		{"length bad", 11, "US", "currency", nil, InvalidValue},
		{"email bad", 2, "ann.example.com", "email", nil, InvalidValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cells := append([]string(nil), base...)
			cells[tc.col] = tc.cell
			rec, errs := m.Map(cells)
			if tc.code != "" {
				require.Len(t, errs, 1)
				assert.Equal(t, tc.code, errs[0].Code)
				assert.Equal(t, tc.field, errs[0].Field)
				assert.NotEmpty(t, errs[0].Message)
				assert.NotContains(t, rec, tc.field)
				return
			}
			require.Empty(t, errs)
			assert.Equal(t, tc.want, rec[tc.field])
		})
	}
}

func TestEveryFailingFieldReported(t *testing.T) {
	s := testSchema()
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "role", "roleId", "enabled", "sendLoginEmail"}, nil)
	require.NoError(t, err)
	_, errs := m.Map([]string{"", "Lee", "bad", "owner", "3", "perhaps", "yes"})
	got := map[string]Code{}
	for _, e := range errs {
		got[e.Field] = e.Code
	}
	assert.Equal(t, map[string]Code{
		"firstName":         MissingRequired,
		"email":             InvalidValue,
		"role":              InvalidEnum,
		"enabled":           InvalidValue,
		"invitationMessage": MissingRequired,
	}, got)
}

func TestRules(t *testing.T) {
	s := testSchema()
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "role", "roleId", "sendLoginEmail", "invitationMessage"}, nil)
	require.NoError(t, err)
	tests := []struct {
		name  string
		cells []string
		want  []FieldError
	}{
		{"ok", []string{"A", "B", "a@b.co", "learner", "", "true", "Welcome"}, nil},
		{"required-if", []string{"A", "B", "a@b.co", "", "", "true", ""}, []FieldError{{Field: "invitationMessage", Code: MissingRequired, Message: "is required when sendLoginEmail is true"}}},
		{"required-if not triggered", []string{"A", "B", "a@b.co", "", "", "false", ""}, nil},
		{"at most one", []string{"A", "B", "a@b.co", "learner", "3", "", ""}, []FieldError{{Field: "roleId", Code: ConflictingFields, Message: "give at most one of role, roleId (got role and roleId)"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := m.Map(tc.cells)
			assert.Equal(t, tc.want, errs)
		})
	}
	all := AllOrNone("city", "state", "country")
	assert.Len(t, all.Check(Record{"city": int64(1)}), 2)
	assert.Empty(t, all.Check(Record{}))
	assert.Empty(t, all.Check(Record{"city": int64(1), "state": int64(2), "country": int64(3)}))
}

func TestHeaderMatching(t *testing.T) {
	s := testSchema()
	tests := []struct {
		header []string
		field  string
		col    int
	}{
		{[]string{"first_name", "Last-Name", "EMAIL"}, "firstName", 0},
		{[]string{"Given Name", "Surname", "Email Address"}, "email", 2},
		{[]string{"first.name", "last name", "e-mail"}, "lastName", 1},
	}
	for _, tc := range tests {
		m, err := NewMapper(s, tc.header, nil)
		require.NoError(t, err, tc.header)
		assert.Equal(t, []int{tc.col}, m.FieldColumns()[tc.field], tc.header)
	}
}

func TestBindErrors(t *testing.T) {
	s := testSchema()
	tests := []struct {
		name    string
		header  []string
		mapping *Mapping
		want    string
	}{
		{"missing required", []string{"firstName", "lastName"}, nil, `required test field email has no column in the file and no default in the mapping file (expected a header such as "email" or "E-mail" or "Email Address"; the file's columns: "firstName", "lastName")`},
		{"two columns one field", []string{"firstName", "lastName", "email", "E-mail"}, nil, `columns "email" and "E-mail" both map to field email`},
		{"unknown field in mapping", []string{"firstName", "lastName", "email"}, &Mapping{Constants: map[string]string{"emial": "x"}}, `constants names "emial", which is not a test field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMapper(s, tc.header, tc.mapping)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A default satisfies a required field with no column.
	_, err := NewMapper(s, []string{"firstName", "lastName"}, &Mapping{Defaults: map[string]string{"email": "x@y.zz"}})
	assert.NoError(t, err)
}

func TestMappingFile(t *testing.T) {
	dir := t.TempDir()
	lookup, err := os.ReadFile("testdata/departments.csv")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "departments.csv"), lookup, 0o600))
	path := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
columns:
  Staff Email: email
  Team: department
constants:
  enabled: "yes"
defaults:
  role: Learner
values:
  roleId: {Trainee: "3", Manager: "4"}
transforms:
  email: [trim, lower]
  login: [upper]
split:
  Full Name: [firstName, lastName]
required: [login]
lookups:
  department: departments.csv
ignore: [Notes]
date_format: 02/01/2006
`), 0o600))
	mp, err := LoadMapping(path)
	require.NoError(t, err)
	s := testSchema()
	s.Fields = s.Fields[:len(s.Fields)-1] // drop meta
	m, err := NewMapper(s, []string{"Full Name", "Staff Email", "Login", "Team", "Grade", "Notes", "birth", "Extra"}, mp)
	require.NoError(t, err)
	assert.Equal(t, []string{
		`column "Grade" is not mapped to any test field; it is ignored`,
		`column "Extra" is not mapped to any test field; it is ignored`,
	}, m.Warnings())

	rec, errs := m.Map([]string{"Lee, Ann Marie", " Ann.LEE@Example.com ", "alee", "customer success", "", "x", "31/12/1990", "?"})
	require.Empty(t, errs)
	assert.Equal(t, Record{
		"firstName": "Ann Marie", "lastName": "Lee", "email": "ann.lee@example.com", "login": "ALEE",
		"department": int64(12), "enabled": true, "role": "learner",
		"birth": time.Date(1990, 12, 31, 0, 0, 0, 0, time.UTC),
	}, rec)

	_, errs = m.Map([]string{"Ann Lee", "ann@example.com", "", "Marketing", "", "", "", ""})
	require.Len(t, errs, 2)
	assert.Equal(t, MissingRequired, errs[0].Code)
	assert.Equal(t, "login", errs[0].Field)
	assert.Equal(t, "department", errs[1].Field) // no id for Marketing: not a whole number
}

func TestMappingFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "colums: {a: b}\n", "unknown key \"colums\": did you mean columns?"},
		{"unknown transform", "transforms: {email: [shout]}\n", `unknown transform "shout"`},
		{"bad split", "split: {Name: [firstName]}\n", "needs two fields"},
		{"missing lookup", "lookups: {department: nope.csv}\n", "nope.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".yaml")
			require.NoError(t, os.WriteFile(p, []byte(tc.yaml), 0o600))
			_, err := LoadMapping(p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMaskAndExtra(t *testing.T) {
	s := testSchema()
	s.Extra = "meta"
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "password", "Employee ID", "Old Password"}, &Mapping{Metadata: []string{"Employee ID"}})
	require.NoError(t, err)
	cells := []string{"Ann", "Lee", "a@b.co", "Secret123", "E-7", "hunter2"}
	assert.Equal(t, []string{"Ann", "Lee", "a@b.co", "********", "E-7", "********"}, m.Mask(cells))
	assert.Equal(t, "Secret123", cells[3], "Mask must not change its input")
	rec, errs := m.Map(cells)
	require.Empty(t, errs)
	// A secret column goes only into its own field, never into Extra.
	assert.Equal(t, map[string]any{"Employee ID": "E-7"}, rec["meta"])

	_, errs = m.Map([]string{"Ann", "Lee", "a@b.co", "short", "", ""})
	require.Len(t, errs, 1)
	assert.Empty(t, errs[0].Value, "secret values never kept")
}

func TestDedup(t *testing.T) {
	s := testSchema()
	d := NewDedup(s)
	assert.Empty(t, d.Check(Record{"email": "Ann@x.org", "login": "ann"}, 2))
	assert.Empty(t, d.Check(Record{"email": "bob@x.org"}, 3))
	errs := d.Check(Record{"email": "ann@X.ORG", "login": "ANN"}, 4)
	require.Len(t, errs, 2)
	assert.Equal(t, DuplicateInFile, errs[0].Code)
	assert.Contains(t, errs[0].Message, "duplicate of row 2")
	assert.Equal(t, "login", errs[1].Field)
}

func TestFromJSON(t *testing.T) {
	s := testSchema()
	rec, errs := FromJSON(s, map[string]any{
		"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "roleId": float64(3), "enabled": true,
		"groups": []any{"x", "y"}, "birth": map[string]any{"Year": float64(1990), "Month": float64(4), "Day": float64(1)},
		"homePhone": nil,
	})
	require.Empty(t, errs)
	assert.Equal(t, int64(3), rec["roleId"])
	assert.Equal(t, time.Date(1990, 4, 1, 0, 0, 0, 0, time.UTC), rec["birth"])

	_, errs = FromJSON(s, map[string]any{"firstName": "Ann", "email": "a@b.co", "roleId": "3", "enabled": "true", "role": "Learner"})
	got := map[string]Code{}
	for _, e := range errs {
		got[e.Field] = e.Code
	}
	assert.Equal(t, map[string]Code{"lastName": MissingRequired, "roleId": InvalidValue, "enabled": InvalidValue, "role": InvalidEnum}, got)
}

func TestKeyOf(t *testing.T) {
	s := testSchema()
	assert.Equal(t, "email:ann@x.org", s.KeyOf(Record{"email": "Ann@X.org"}))
	assert.Equal(t, "login:ann", s.KeyOf(Record{"login": "ANN"}))
	assert.Empty(t, s.KeyOf(Record{}))
}

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"a@b.co", "ann.lee+x@mail.example.org", "o'brien@x.ie"} {
		assert.Empty(t, CheckEmail(ok), ok)
	}
	for _, bad := range []string{"", "a", "@b.co", "a@", "a@b", "a@b.", "a@.co", "a@@b.co", "a@b@c.co", "a b@c.co", "a@b.co\t"} {
		assert.NotEmpty(t, CheckEmail(bad), bad)
	}
}

func TestIdentityColumn(t *testing.T) {
	s := testSchema()
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "Employee ID"}, &Mapping{Identity: "employee_id"})
	require.NoError(t, err)
	assert.Empty(t, m.Warnings(), "the identity column is read, not unmapped")
	assert.True(t, m.HasIdentity())
	assert.Equal(t, "E-7", m.Identity([]string{"Ann", "Lee", "a@b.co", " E-7 "}))
	assert.Equal(t, "", m.Identity([]string{"Ann", "Lee", "a@b.co"}), "ragged row")
	rec, errs := m.Map([]string{"Ann", "Lee", "a@b.co", "E-7"})
	require.Empty(t, errs)
	assert.NotContains(t, rec, "Employee ID")

	plain, err := NewMapper(s, []string{"firstName", "lastName", "email", "Employee ID"}, nil)
	require.NoError(t, err)
	assert.False(t, plain.HasIdentity())
	assert.Equal(t, "", plain.Identity([]string{"Ann", "Lee", "a@b.co", "E-7"}))

	_, err = NewMapper(s, []string{"firstName", "lastName", "email"}, &Mapping{Identity: "Employee ID"})
	assert.ErrorContains(t, err, `identity: the file has no column "Employee ID"`)
}
