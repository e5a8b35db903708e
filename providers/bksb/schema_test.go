package bksb

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestSchemaRoster(t *testing.T) {
	header := []string{"Login", "Given Name", "Surname", "E-mail", "Date of Birth", "Auto Enrol", "Initial Password"}
	good := []string{"alee2024", "Ann", "Lee", "ann.lee@example.ac.uk", "2004-09-17", "yes", "Welcome-2024"}
	with := func(col int, v string) []string { return providertest.WithCell(good, col, v) }
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	tests := []struct {
		name  string
		cells []string
		field string
		code  schema.Code
	}{
		{"good", good, "", ""},
		{"born on 1900-01-01", with(4, "1900-01-01"), "", ""},
		{"missing username", with(0, ""), "Username", schema.MissingRequired},
		{"missing surname", with(2, ""), "Lastname", schema.MissingRequired},
		{"bad email", with(3, "ann.lee@"), "Email", schema.InvalidValue},
		// Not in bksb's contract: warnings, the row stays valid.
		{"born in the future", with(4, tomorrow), "DateOfBirth", schema.UnlikelyValue},
		{"born before 1900", with(4, "1899-12-31"), "DateOfBirth", schema.UnlikelyValue},
		{"not a date", with(4, "17th Sept"), "DateOfBirth", schema.InvalidValue},
		{"ambiguous UK date without date_format", with(4, "17/09/2004"), "DateOfBirth", schema.InvalidValue},
		{"auto-enrol not boolean", with(5, "maybe"), "AutoEnrolCourses", schema.InvalidValue},
	}
	mp, err := schema.NewMapper(Schema, header, nil)
	require.NoError(t, err)
	assert.Empty(t, mp.Warnings(), "every header maps through an alias")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := mp.Map(tt.cells)
			if tt.field == "" {
				require.Empty(t, errs)
				assert.True(t, strings.EqualFold("Username:alee2024", Schema.KeyOf(rec)), Schema.KeyOf(rec))
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
			assert.Equal(t, tt.code, errs[0].Code)
		})
	}

	rec, errs := mp.Map(good)
	require.Empty(t, errs)
	assert.Equal(t, schema.Record{
		"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee", "Email": "ann.lee@example.ac.uk",
		"DateOfBirth": time.Date(2004, 9, 17, 0, 0, 0, 0, time.UTC), "AutoEnrolCourses": true, "Password": "Welcome-2024",
	}, rec)
	assert.Equal(t, "********", mp.Mask(good)[6], "the password column is masked")
}

func TestSchemaUKDates(t *testing.T) {
	m := &schema.Mapping{DateFormat: "02/01/2006"}
	mp, err := schema.NewMapper(Schema, []string{"User Name", "First Name", "Last Name", "DOB"}, m)
	require.NoError(t, err)
	rec, errs := mp.Map([]string{"bchen", "Bo", "Chen", "03/05/2001"})
	require.Empty(t, errs)
	assert.Equal(t, time.Date(2001, 5, 3, 0, 0, 0, 0, time.UTC), rec["DateOfBirth"], "3 May, not 5 March")
}

func TestSchemaAliases(t *testing.T) {
	for header, field := range map[string]string{
		"User Name": "Username", "Login": "Username", "First Name": "Firstname", "Given Name": "Firstname",
		"Last Name": "Lastname", "Surname": "Lastname", "DOB": "DateOfBirth", "Date of Birth": "DateOfBirth",
		"Birth Date": "DateOfBirth", "date_of_birth": "DateOfBirth", "Email Address": "Email",
		"Work Email": "Email", "work_email": "Email",
	} {
		t.Run(header, func(t *testing.T) {
			cols := map[string]string{"Username": "Username", "Firstname": "Firstname", "Lastname": "Lastname"}
			cols[field] = header
			h := []string{cols["Username"], cols["Firstname"], cols["Lastname"]}
			if field != "Username" && field != "Firstname" && field != "Lastname" {
				h = append(h, header)
			}
			mp, err := schema.NewMapper(Schema, h, nil)
			require.NoError(t, err)
			assert.Empty(t, mp.Warnings())
			assert.Contains(t, mp.FieldColumns(), field)
		})
	}
}

func TestSchemaFromJSON(t *testing.T) {
	base := func() map[string]any { return map[string]any{"Username": "u", "Firstname": "A", "Lastname": "B"} }
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"good", base(), ""},
		{"date object", with("DateOfBirth", map[string]any{"Year": 2004.0, "Month": 9.0, "Day": 17.0, "Hour": 0.0}), ""},
		// bksb documents no range: the simulator takes any real date.
		{"date object in the future", with("DateOfBirth", map[string]any{"Year": 2999.0, "Month": 1.0, "Day": 1.0}), ""},
		{"date object before 1900", with("DateOfBirth", map[string]any{"Year": 1850.0, "Month": 1.0, "Day": 1.0}), ""},
		{"missing Firstname", map[string]any{"Username": "u", "Lastname": "B"}, "Firstname"},
		{"bad email", with("Email", "nobody"), "Email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := schema.FromJSON(Schema, tt.body)
			if tt.field == "" {
				assert.Empty(t, errs)
				assert.NotEmpty(t, rec["Username"])
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
		})
	}
}

// TestSchemaExamples: every field's Example is a valid value, so templates
// and docs built from them validate.
func TestSchemaExamples(t *testing.T) {
	providertest.CheckExamples(t, Schema)
}
