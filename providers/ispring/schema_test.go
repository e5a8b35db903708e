package ispring

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
var goodRow = map[string]string{"User Name": "ann.lee", "E-mail": "ann.lee@example.com", "departmentId": testDept, "First Name": "Ann"}

// with returns a good roster row changed by kv pairs ("" deletes).
func with(kv ...string) map[string]string { return providertest.With(goodRow, kv...) }

// problem is the part of a FieldError a test checks.
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
	roles2 := "learner:" + testRole + ";department_administrator:" + testRole2
	tests := []struct {
		name string
		row  map[string]string
		want []problem
		rec  schema.Record // fields checked when no problem is expected
	}{
		{name: "good row through aliases", row: with(),
			rec: schema.Record{"login": "ann.lee", "email": "ann.lee@example.com", "first_name": "Ann", "departmentId": testDept}},
		{name: "login missing", row: with("User Name", " "), want: []problem{{"login", schema.MissingRequired}}},
		{name: "bad email", row: with("E-mail", "ann.lee@"), want: []problem{{"email", schema.InvalidValue}}},
		{name: "email optional", row: with("E-mail", ""), rec: schema.Record{"login": "ann.lee"}},
		{name: "departmentId not a UUID", row: with("departmentId", "Sales"), want: []problem{{"departmentId", schema.InvalidValue}}},
		{name: "doc role learners", row: with("Role", "Learners"), rec: schema.Record{"role": "learner"}},
		{name: "doc role account_administrators", row: with("Role", "account_administrators"), rec: schema.Record{"role": "administrator"}},
		{name: "doc role course_authors", row: with("Role", "course_authors"), rec: schema.Record{"role": "publisher"}},
		{name: "REST role any case", row: with("Role", "Administrator"), rec: schema.Record{"role": "administrator"}},
		{name: "bad role", row: with("Role", "owner"), want: []problem{{"role", schema.InvalidEnum}}},
		{name: "supervisor is custom and needs roleId and departments", row: with("Role", "supervisor"),
			want: []problem{{"roleId", schema.MissingRequired}, {"manageableDepartmentIds", schema.MissingRequired}}},
		{name: "supervisor with roleId and departments", row: with("Role", "supervisor", "Role ID", testRole, "Managed Departments", testDept),
			rec: schema.Record{"role": "custom", "roleId": testRole, "manageableDepartmentIds": []string{testDept}}},
		{name: "department admin needs departments", row: with("Role", "department_administrators"),
			want: []problem{{"manageableDepartmentIds", schema.MissingRequired}}},
		{name: "manageable department not a UUID", row: with("Role", "department_administrator", "Managed Departments", testDept+"; Sales"),
			want: []problem{{"manageableDepartmentIds", schema.InvalidValue}}},
		{name: "sendLoginEmail without message", row: with("Send Login Email", "yes"),
			want: []problem{{"invitationMessage", schema.MissingRequired}}},
		{name: "sendLoginEmail false without message", row: with("Send Login Email", "no"), rec: schema.Record{"sendLoginEmail": false}},
		{name: "sendLoginSMS without message", row: with("sendLoginSMS", "TRUE"),
			want: []problem{{"invitationSMSMessage", schema.MissingRequired}}},
		{name: "sendLoginSMS with message", row: with("sendLoginSMS", "y", "SMS Message", "Hi"), rec: schema.Record{"sendLoginSMS": true, "invitationSMSMessage": "Hi"}},
		{name: "bad boolean", row: with("sendLoginEmail", "maybe"), want: []problem{{"sendLoginEmail", schema.InvalidValue}}},
		{name: "groups list", row: with("Groups", testGroup+" ; "+testDept), rec: schema.Record{"groups": []string{testGroup, testDept}}},
		{name: "group not a UUID", row: with("Groups", "Onboarding"), want: []problem{{"groups", schema.InvalidValue}}},
		{name: "roles learner plus department admin", row: with("Roles", roles2, "Managed Departments", testDept),
			rec: schema.Record{"roles": []string{"learner:" + testRole, "department_administrator:" + testRole2}}},
		{name: "roles department admin needs departments", row: with("Roles", roles2),
			want: []problem{{"manageableDepartmentIds", schema.MissingRequired}}},
		{name: "roles doc spelling", row: with("Roles", "learners:"+testRole+";account_administrators:"+testRole2),
			rec: schema.Record{"roles": []string{"learners:" + testRole, "account_administrators:" + testRole2}}},
		{name: "roles two administrative roles", row: with("Roles", "administrator:"+testRole+";custom:"+testRole2, "Managed Departments", testDept),
			want: []problem{{"roles", schema.ConflictingFields}}},
		{name: "roles two learners", row: with("Roles", "learner:"+testRole+";learner:"+testRole2),
			want: []problem{{"roles", schema.ConflictingFields}}},
		{name: "roles learner and publisher", row: with("Roles", "learner:"+testRole+";publisher:"+testRole2),
			want: []problem{{"roles", schema.ConflictingFields}}},
		{name: "roles three", row: with("Roles", roles2+";administrator:"+testDept, "Managed Departments", testDept),
			want: []problem{{"roles", schema.ConflictingFields}}},
		{name: "roles item without type", row: with("Roles", testRole), want: []problem{{"roles", schema.InvalidValue}}},
		{name: "roles item with bad id", row: with("Roles", "learner:abc"), want: []problem{{"roles", schema.InvalidValue}}},
		{name: "roles wins over role custom without roleId", row: with("Roles", "administrator:"+testRole, "Role", "custom"),
			rec: schema.Record{"roles": []string{"administrator:" + testRole}, "role": "custom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := mapRow(t, tt.row, nil)
			assert.Equal(t, tt.want, problems(errs), "errors: %v", errs)
			for k, v := range tt.rec {
				assert.Equal(t, v, rec[k], "field %s", k)
			}
		})
	}
}

func TestSchemaAccountRequiredProfileField(t *testing.T) {
	_, errs := mapRow(t, with("Last Name", " "), &schema.Mapping{Required: []string{"last_name"}})
	assert.Equal(t, []problem{{"last_name", schema.MissingRequired}}, problems(errs))
}

func TestPasswordIsSecret(t *testing.T) {
	require.True(t, Schema.Field("password").Secret)
	rec, errs := mapRow(t, with("Initial Password", "S3cret!"), nil)
	assert.Empty(t, errs)
	assert.Equal(t, "S3cret!", rec["password"], "the alias maps to password")
}

func TestSchemaFromJSONWire(t *testing.T) {
	// The simulator validates the wire body with FromJSON: the wire wants
	// the REST spelling exactly.
	_, errs := schema.FromJSON(Schema, map[string]any{"login": "a", "departmentId": testDept, "role": "learners"})
	assert.Equal(t, []problem{{"role", schema.InvalidEnum}}, problems(errs))
	rec, errs := schema.FromJSON(Schema, map[string]any{"login": "a", "departmentId": testDept, "role": "learner", "sendLoginEmail": false})
	assert.Empty(t, errs)
	assert.Equal(t, false, rec["sendLoginEmail"])
}

func TestKeyOf(t *testing.T) {
	assert.Equal(t, "login:ann.lee", Schema.KeyOf(schema.Record{"login": "Ann.Lee", "email": "x@y.org"}))
}
