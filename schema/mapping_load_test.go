package schema

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Mapping-file mistakes are found when the file loads or its header is
// bound, each naming the file, its line and what was probably meant; yaml's
// and Go's words (types, "field not found") never reach the person.
func TestMappingMistakesGolden(t *testing.T) {
	dir := t.TempDir()
	lookup, err := os.ReadFile("testdata/departments.csv")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "departments.csv"), lookup, 0o600))
	header := []string{"Full Name", "Staff Email", "Team", "Notes"}
	cases := []struct{ name, yaml string }{
		{"unknown key", "columns:\n  Staff Email: email\ncolums:\n  Team: department\n"},
		{"wrong shape", "columns:\n  - Staff Email\n  - email\n"},
		{"not yaml", "columns: {Staff Email: email\n"},
		{"twice", "columns:\n  Staff Email: email\ncolumns:\n  Team: department\n"},
		{"unknown field", "columns:\n  Staff Email: emial\n  Full Name: login\n"},
		{"unknown transform", "transforms:\n  email: [trim, lowr]\n"},
		{"values target", "columns:\n  Staff Email: email\nvalues:\n  role:\n    Trainee: learner\n    Boss: admin\n"},
		{"values synonym ok", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nvalues:\n  role:\n    Trainee: Learners\n"},
		{"split column", "columns:\n  Staff Email: email\nsplit:\n  Full Nam: [firstName, lastName]\n"},
		{"ignore column", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nignore:\n  - Note\n"},
		{"columns column", "columns:\n  Staff Email: email\n  Teams: department\nsplit:\n  Full Name: [firstName, lastName]\n"},
		{"header row", "header_row: -1\n"},
		{"empty", ""},
		{"date format not a layout", "date_format: \"not a layout\"\n"},
		{"date format without a year", "date_format: DD/MM\n"},
		{"date format ok", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nignore: [Team, Notes]\ndate_format: DD.MM.YYYY\n"},
		{"second document", "columns:\n  Staff Email: email\n---\nsplit:\n  Full Name: [firstName, lastName]\n"},
		{"ignored and mapped", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nignore: [Notes, staff_email]\n"},
		{"ignored and split", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nignore: [Full Name]\n"},
		{"metadata and ignored", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nmetadata: [Team]\nignore: [Team]\n"},
		{"metadata without a free-form field", "columns:\n  Staff Email: email\nsplit:\n  Full Name: [firstName, lastName]\nmetadata: [Team]\n"},
	}
	var b strings.Builder
	for _, tc := range cases {
		p := filepath.Join(dir, "map.yaml")
		require.NoError(t, os.WriteFile(p, []byte(tc.yaml), 0o600))
		fmt.Fprintf(&b, "== %s\n%s--\n", tc.name, tc.yaml)
		m, err := LoadMapping(p)
		if err == nil {
			var mp *Mapper
			mp, err = NewMapper(testSchema(), header, m)
			if err == nil {
				for _, w := range mp.Warnings() {
					fmt.Fprintf(&b, "warning: %s\n", strings.ReplaceAll(w, dir+string(filepath.Separator), ""))
				}
			}
		}
		if err != nil {
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			for _, bad := range []string{"map[", "[]string", "!!", "schema.", "unmarshal", "not found in type"} {
				assert.NotContains(t, msg, bad, tc.name)
			}
			fmt.Fprintf(&b, "error: %s\n", msg)
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "mapping-mistakes.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got, "differs from %s (go test -update rewrites it)", path)
}

// A lookup table without a name the roster uses is an error on that row,
// naming the value and the table; an ID from the table passes as it is.
func TestLookupMissIsARowError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "depts.csv"), []byte("name,id\nCustomer Success,12\nMarketting,14\n"), 0o600))
	p := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(p, []byte("lookups:\n  department: depts.csv\n"), 0o600))
	m, err := LoadMapping(p)
	require.NoError(t, err)
	mp, err := NewMapper(testSchema(), []string{"firstName", "lastName", "email", "department"}, m)
	require.NoError(t, err)
	for _, tc := range []struct{ cell, msg string }{
		{"customer success", ""},
		{"12", ""},
		{"Marketing", "Marketing is not in depts.csv: did you mean Marketting?"},
		{"Sales", "Sales is not in depts.csv"},
	} {
		rec, errs := mp.Map([]string{"Ann", "Lee", "ann@example.com", tc.cell})
		if tc.msg == "" {
			assert.Empty(t, errs, tc.cell)
			assert.NotNil(t, rec["department"])
			continue
		}
		require.Len(t, errs, 1, tc.cell)
		assert.Equal(t, FieldError{Field: "department", Code: InvalidValue, Message: tc.msg, Value: tc.cell}, errs[0])
	}
}
