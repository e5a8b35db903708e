package alphalearn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// mapRow maps one roster row given as header → cell through the engine.
func mapRow(t *testing.T, row map[string]string, m *schema.Mapping) (schema.Record, []schema.FieldError) {
	t.Helper()
	return providertest.MapColumns(t, Schema, row, m)
}

// goodRow is a roster row that maps without a problem.
var goodRow = map[string]string{"Title": "Ms", "First Name": "Ananya", "Surname": "Rao", "E-mail": "ananya.rao@example.com",
	"User Can Choose Password": "no", "Role ID": "3"}

// with returns a good roster row changed by kv pairs ("" deletes the
// column, " " empties the cell).
func with(kv ...string) map[string]string { return providertest.With(goodRow, kv...) }

type problem struct {
	Field string
	Code  schema.Code
}

func problems(errs []schema.FieldError) []problem {
	var out []problem
	for _, e := range errs {
		out = append(out, problem{e.Field, e.Code})
	}
	return out
}

func TestSchemaRows(t *testing.T) {
	tests := []struct {
		name string
		row  map[string]string
		want []problem
		rec  schema.Record
	}{
		{name: "good row through aliases", row: with(),
			rec: schema.Record{"title": "Ms", "firstName": "Ananya", "lastName": "Rao", "email": "ananya.rao@example.com",
				"userCanChoosePassword": int64(0), "roleId": int64(3)}},
		{name: "title any case", row: with("Title", "dr"), rec: schema.Record{"title": "Dr"}},
		{name: "title with a dot", row: with("Title", "Prof."), rec: schema.Record{"title": "Prof"}},
		{name: "bad title", row: with("Title", "Sir"), want: []problem{{"title", schema.InvalidEnum}}},
		{name: "title missing", row: with("Title", " "), want: []problem{{"title", schema.MissingRequired}}},
		{name: "firstName missing", row: with("First Name", " "), want: []problem{{"firstName", schema.MissingRequired}}},
		{name: "bad email", row: with("E-mail", "ananya.rao@example"), want: []problem{{"email", schema.InvalidValue}}},
		{name: "userCanChoosePassword yes needs password", row: with("User Can Choose Password", "Yes"),
			want: []problem{{"password", schema.MissingRequired}}},
		{name: "userCanChoosePassword true with password", row: with("User Can Choose Password", "TRUE", "Password", "Welcome2024"),
			rec: schema.Record{"userCanChoosePassword": int64(1), "password": "Welcome2024"}},
		{name: "userCanChoosePassword y", row: with("User Can Choose Password", "y", "Password", "abcd1234"), rec: schema.Record{"userCanChoosePassword": int64(1)}},
		{name: "userCanChoosePassword 2", row: with("User Can Choose Password", "2"), want: []problem{{"userCanChoosePassword", schema.InvalidEnum}}},
		{name: "userCanChoosePassword maybe", row: with("User Can Choose Password", "maybe"), want: []problem{{"userCanChoosePassword", schema.InvalidValue}}},
		{name: "password too short", row: with("User Can Choose Password", "1", "Password", "abc123"), want: []problem{{"password", schema.InvalidValue}}},
		{name: "password not alphanumeric", row: with("User Can Choose Password", "1", "Password", "Welcome#2024"), want: []problem{{"password", schema.InvalidValue}}},
		{name: "roleId not a number", row: with("Role ID", "Manager"), want: []problem{{"roleId", schema.InvalidValue}}},
		{name: "roleId through a value map", row: with("Role ID", "", "Role", "trainee"),
			rec: schema.Record{"roleId": int64(3)}},
		{name: "city alone", row: with("City ID", "1001"),
			want: []problem{{"state", schema.MissingRequired}, {"country", schema.MissingRequired}}},
		{name: "city state country", row: with("City ID", "1001", "State ID", "29", "Country ID", "101"),
			rec: schema.Record{"city": int64(1001), "state": int64(29), "country": int64(101)}},
		{name: "city not a number", row: with("City ID", "Pune", "State ID", "29", "Country ID", "101"),
			want: []problem{{"city", schema.InvalidValue}}},
		{name: "countryCode", row: with("Country Code", "+91"), rec: schema.Record{"countryCode": "+91"}},
		{name: "countryCode without plus", row: with("Country Code", "91"), want: []problem{{"countryCode", schema.InvalidValue}}},
		{name: "mobile with spaces", row: with("Mobile", "98765 43210"), want: []problem{{"mobile", schema.InvalidValue}}},
		{name: "mobile", row: with("Mobile", "9876543210"), rec: schema.Record{"mobile": "9876543210"}},
		{name: "sendEmailNotification yes", row: with("Send Email", "Yes"), rec: schema.Record{"sendEmailNotification": int64(1)}},
		{name: "zipcode from Pincode", row: with("Pincode", "560001"), rec: schema.Record{"zipcode": "560001"}},
		{name: "bad zipcode", row: with("Pincode", "56/0001"), want: []problem{{"zipcode", schema.InvalidValue}}},
		{name: "timezone", row: with("Time Zone", "Asia/Kolkata"), rec: schema.Record{"timezone": "Asia/Kolkata"}},
		{name: "bad timezone", row: with("Time Zone", "IST +5:30"), want: []problem{{"timezone", schema.InvalidValue}}},
		{name: "language", row: with("Language", "en-Us"), rec: schema.Record{"language": "en-Us"}},
		{name: "bad language", row: with("Language", "English"), want: []problem{{"language", schema.InvalidValue}}},
		{name: "reportingTo", row: with("Manager ID", "17"), rec: schema.Record{"reportingTo": int64(17)}},
		{name: "uniqueId from Roll No", row: with("Roll No", "R-42"), rec: schema.Record{"uniqueId": "R-42"}},
	}
	m := &schema.Mapping{Values: map[string]map[string]string{"roleId": {"Trainee": "3"}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := mapRow(t, tt.row, m)
			assert.Equal(t, tt.want, problems(errs), "errors: %v", errs)
			for k, v := range tt.rec {
				assert.Equal(t, v, rec[k], "field %s", k)
			}
		})
	}
}

func TestSchemaAccountRequired(t *testing.T) {
	// An account that answers "1036 Missing countryCode" marks it required.
	_, errs := mapRow(t, with("Country Code", " "), &schema.Mapping{Required: []string{"countryCode"}})
	assert.Equal(t, []problem{{"countryCode", schema.MissingRequired}}, problems(errs))
}

func TestPasswordIsSecret(t *testing.T) {
	require.True(t, Schema.Field("password").Secret)
	_, errs := mapRow(t, with("User Can Choose Password", "1", "Temporary Password", "short#"), nil)
	require.Len(t, errs, 1)
	assert.Empty(t, errs[0].Value, "a password never appears in errors")
}
