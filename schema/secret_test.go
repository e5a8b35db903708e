package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretHeader(t *testing.T) {
	tests := []struct {
		h    string
		want bool
	}{
		{"Password", true},
		{"password", true},
		{"Pass-Word", true},
		{"user.password", true},
		{"userPassword", true},
		{"Old Password", true},
		{"Initial password [passwordProfile] Required", true}, // Azure's bulk-create template
		{"client_secret", true},
		{"Secret Answer", true},
		{"PWD", true},
		{"Mot de passe", true},
		{"Kennwort", true},
		{"User Can Choose Password", false}, // alphalearn's 0/1 userCanChoosePassword
		{"userCanChoosePassword", false},
		{"Password Expires", false},
		{"Password Last Changed", false},
		{"Reset Password", false},
		{"passport", false},
		{"Passport Number", false},
		{"email", false},
		{"Secretary", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SecretHeader(tt.h), "%q", tt.h)
	}
}

func TestSecretColumnsByFieldOrHeader(t *testing.T) {
	s := testSchema()
	s.Fields = append(s.Fields, Field{Name: "canChoose", Type: Integer, Aliases: []string{"User Can Choose Password"}})
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "User Can Choose Password", "Pwd", "passport"},
		&Mapping{Columns: map[string]string{"Pwd": "password"}})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, false, false, false, true, false}, m.Secret())
	assert.Equal(t, []string{"Ann", "Lee", "a@b.co", "1", Mask, "P123"}, m.Mask([]string{"Ann", "Lee", "a@b.co", "1", "hunter2hunter2", "P123"}))

	// A secret field mapped from a header that does not say so is secret.
	m, err = NewMapper(s, []string{"firstName", "lastName", "email", "Kode"}, &Mapping{Columns: map[string]string{"Kode": "password"}})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, false, false, true}, m.Secret())
}

func TestMaskIsRefused(t *testing.T) {
	s := testSchema()
	s.Extra = "meta"
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "password", "Old Password", "notes"}, nil)
	require.NoError(t, err)

	rec, errs := m.Map([]string{"Ann", "Lee", "a@b.co", Mask, "", "x"})
	require.Len(t, errs, 1, "one reason, not a length error too: %v", errs)
	assert.Equal(t, "password", errs[0].Field)
	assert.Equal(t, InvalidValue, errs[0].Code)
	assert.Contains(t, errs[0].Message, "holds the mask")
	assert.Contains(t, errs[0].Message, "not a password")
	assert.NotContains(t, rec, "password", "the mask is never a value")

	// A secret column no field takes is never sent (not collected into
	// the Extra field), and the mask in it is refused all the same.
	rec, errs = m.Map([]string{"Ann", "Lee", "a@b.co", "", " " + Mask + " ", ""})
	require.Len(t, errs, 1)
	assert.Equal(t, "meta", errs[0].Field)
	assert.Contains(t, errs[0].Message, `"Old Password" holds the mask`)
	assert.NotContains(t, rec, "meta")

	// Eight asterisks in a column that is not secret are a value.
	_, errs = m.Map([]string{"Ann", "Lee", "a@b.co", "Secret123", "", Mask})
	assert.Empty(t, errs)
}

func TestOwnColumns(t *testing.T) {
	s := testSchema()
	s.Extra = "meta"
	s.Fields = append(s.Fields, Field{Name: "onboard_row", Type: String}) // even if a vendor had such a field
	header := []string{"firstName", "lastName", "email", "onboard_row", "ONBOARD_error", "Onboarding Date"}
	m, err := NewMapper(s, header, &Mapping{Metadata: []string{"Onboarding Date"}})
	require.NoError(t, err)
	assert.Equal(t, []int{3, 4}, m.OwnColumns())
	rec, errs := m.Map([]string{"Ann", "Lee", "a@b.co", "7", "MISSING_REQUIRED x", "2024-01-01"})
	require.Empty(t, errs)
	assert.NotContains(t, rec, "onboard_row")
	assert.Equal(t, map[string]any{"Onboarding Date": "2024-01-01"}, rec["meta"], "own columns never go to the Extra field")

	s.Extra = ""
	m, err = NewMapper(s, header, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{`column "Onboarding Date" is not mapped to any test field; it is ignored`}, m.Warnings(),
		"own columns are not warned about")

	_, err = NewMapper(s, header, &Mapping{Columns: map[string]string{"onboard_error": "login"}})
	require.ErrorContains(t, err, "onboard's own")
}

func TestFormulaGuardedCells(t *testing.T) {
	s := testSchema()
	m, err := NewMapper(s, []string{"firstName", "lastName", "email", "login", "onboard_error"}, nil)
	require.NoError(t, err)
	g := m.FormulaGuarded()
	cells := []string{"'=Ann", "''Tis", "a@b.co", "'+44", "'-x"}
	rec, errs := g.Map(cells)
	require.Empty(t, errs)
	assert.Equal(t, "=Ann", rec["firstName"])
	assert.Equal(t, "'Tis", rec["lastName"])
	assert.Equal(t, "+44", rec["login"])
	assert.Equal(t, []string{"=Ann", "'Tis", "a@b.co", "+44", "-x"}, g.Mask(cells))
	assert.Equal(t, "'=Ann", cells[0], "the caller's cells are not changed")

	rec, _ = m.Map(cells)
	assert.Equal(t, "'=Ann", rec["firstName"], "a roster that is not a guarded fix file is read as it is")
}
