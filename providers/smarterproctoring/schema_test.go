package smarterproctoring

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"Exam#2024ok", true},
		{"aB3$aB3$", true},                       // exactly 8
		{"aB3$" + strings.Repeat("x", 26), true}, // exactly 30
		{"aB3$" + strings.Repeat("x", 27), false},
		{"aB3$aB3", false},      // 7
		{"exam#2024ok", false},  // no upper-case letter
		{"EXAM#2024OK", false},  // no lower-case letter
		{"Exam#abcdok", false},  // no digit
		{"Exam2024ok", false},   // no special
		{"Exam 2024#ok", false}, // space not allowed
		{"Exam^2024ok", false},  // ^ is not one of #$@!%&*?
		{"Exäm#2024ok", false},  // only ASCII letters
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			assert.Equal(t, tt.ok, checkPassword(tt.pw) == "", checkPassword(tt.pw))
		})
	}
}

// mapRow maps one roster row through the engine with the given header.
func mapRow(t *testing.T, header, cells []string, m *schema.Mapping) (schema.Record, []schema.FieldError) {
	t.Helper()
	return providertest.MapRow(t, Schema, header, cells, m)
}

func TestSchemaRoster(t *testing.T) {
	header := []string{"First Name", "Surname", "E-mail", "Personal Email", "Currency", "Time Zone SID",
		"Lat", "Long", "Login", "Password", "Active", "External ID"}
	good := []string{"Ann", "Lee", "ann.lee@example.edu", "ann@example.org", "USD", "TZ0123456789abcdef0123456789abcdef",
		"33.4255", "-111.94", "alee", "Exam#2024ok", "yes", "HR-20931"}
	with := func(col int, v string) []string { return providertest.WithCell(good, col, v) }
	tests := []struct {
		name  string
		cells []string
		field string
		code  schema.Code
	}{
		{"good", good, "", ""},
		{"missing first name", with(0, ""), "firstName", schema.MissingRequired},
		{"missing email", with(2, " "), "email", schema.MissingRequired},
		{"bad email", with(2, "ann.lee@example"), "email", schema.InvalidValue},
		{"bad preferred email", with(3, "ann@@example.org"), "preferredEmail", schema.InvalidValue},
		{"currency too long", with(4, "USDX"), "currencyCode", schema.InvalidValue},
		{"currency lower case", with(4, "usd"), "currencyCode", schema.InvalidValue},
		{"currency digits", with(4, "840"), "currencyCode", schema.InvalidValue},
		{"time zone name, not SID", with(5, "America/Phoenix"), "timeZoneSid", schema.InvalidValue},
		{"time zone SID upper-case hex", with(5, "TZ0123456789ABCDEF0123456789ABCDEF"), "timeZoneSid", schema.InvalidValue},
		{"latitude not a number", with(6, "north"), "latitude", schema.InvalidValue},
		{"latitude out of range", with(6, "91"), "latitude", schema.InvalidValue},
		{"longitude out of range", with(7, "-180.5"), "longitude", schema.InvalidValue},
		{"weak password", with(9, "password"), "password", schema.InvalidValue},
		{"enabled not boolean", with(10, "sometimes"), "enabled", schema.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := mapRow(t, header, tt.cells, nil)
			if tt.field == "" {
				require.Empty(t, errs)
				assert.Equal(t, schema.Record{
					"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu", "preferredEmail": "ann@example.org",
					"currencyCode": "USD", "timeZoneSid": "TZ0123456789abcdef0123456789abcdef",
					"latitude": 33.4255, "longitude": -111.94, "username": "alee", "password": "Exam#2024ok",
					"enabled": true, "exernalId": "HR-20931",
				}, rec)
				assert.Equal(t, "email:ann.lee@example.edu", Schema.KeyOf(rec))
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
			assert.Equal(t, tt.code, errs[0].Code)
			if tt.field == "password" {
				assert.Empty(t, errs[0].Value, "a password is never echoed")
			}
		})
	}
}

func TestSchemaAliases(t *testing.T) {
	tests := []struct{ header, field string }{
		{"Given Name", "firstName"}, {"first_name", "firstName"}, {"Family Name", "lastName"},
		{"Email Address", "email"}, {"E-mail", "email"}, {"Mobile", "mobilePhone"}, {"Phone", "homePhone"},
		{"externalId", "exernalId"}, {"External ID", "exernalId"}, {"exernal_id", "exernalId"},
		{"User Name", "username"}, {"Student ID", "sisId"}, {"LMS ID", "lmsId"}, {"Time Zone SID", "timeZoneSid"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			// The required fields by name, with the alias in its field's place.
			header := []string{"firstName", "lastName", "email"}
			if i := slices.Index(header, tt.field); i >= 0 {
				header[i] = tt.header
			} else {
				header = append(header, tt.header)
			}
			mp, err := schema.NewMapper(Schema, header, nil)
			require.NoError(t, err)
			assert.Empty(t, mp.Warnings(), "every column maps")
			assert.Equal(t, []int{slices.Index(header, tt.header)}, mp.FieldColumns()[tt.field])
		})
	}
}

func TestSchemaFromJSON(t *testing.T) {
	tests := []struct {
		name  string
		body  map[string]any
		field string
		code  schema.Code
	}{
		{"good", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "latitude": 10.5, "enabled": true}, "", ""},
		{"null is absent", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "homePhone": nil}, "", ""},
		{"missing lastName", map[string]any{"firstName": "Ann", "email": "a@b.co"}, "lastName", schema.MissingRequired},
		{"latitude as string", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "latitude": "10"}, "latitude", schema.InvalidValue},
		{"latitude range", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "latitude": -90.5}, "latitude", schema.InvalidValue},
		{"weak password", map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "password": "abc"}, "password", schema.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := schema.FromJSON(Schema, tt.body)
			if tt.field == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tt.field, errs[0].Field)
			assert.Equal(t, tt.code, errs[0].Code)
		})
	}
}

func TestSchemaMappingUpperCurrency(t *testing.T) {
	m := &schema.Mapping{Transforms: map[string][]string{"currencyCode": {"upper"}}}
	rec, errs := mapRow(t, []string{"First Name", "Last Name", "Email", "Currency"},
		[]string{"Ann", "Lee", "ann.lee@example.edu", "usd"}, m)
	require.Empty(t, errs)
	assert.Equal(t, "USD", rec["currencyCode"])
}

// TestSchemaExamples: every field's Example is a valid value, so templates
// and docs built from them validate.
func TestSchemaExamples(t *testing.T) {
	providertest.CheckExamples(t, Schema)
}
