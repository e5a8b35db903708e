package ispring

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// created is the documented 201 answer: the user ID as a JSON string.
var created = providertest.Answer{Status: http.StatusCreated, Body: `"` + testUser + `"`}

func TestCreateWire(t *testing.T) {
	tests := []struct {
		name string
		rec  schema.Record
		want string // the JSON body the doc asks for
	}{
		{
			name: "profile fields, groups as groupIds, booleans as booleans",
			rec: schema.Record{
				"login": "ann.lee", "email": "ann.lee@example.com", "first_name": "Ann", "last_name": "Lee", "phone": "+1 555 0100",
				"departmentId": testDept, "password": "Welcome2024", "role": "learner", "groups": []string{testGroup},
				"sendLoginEmail": true, "invitationMessage": "Welcome!", "sendLoginSMS": false,
			},
			want: `{"departmentId":"` + testDept + `",
				"fields":{"login":"ann.lee","email":"ann.lee@example.com","first_name":"Ann","last_name":"Lee","phone":"+1 555 0100"},
				"password":"Welcome2024","role":"learner","groupIds":["` + testGroup + `"],
				"sendLoginEmail":true,"invitationMessage":"Welcome!","sendLoginSMS":false}`,
		},
		{
			name: "only what is given",
			rec:  schema.Record{"login": "bo", "departmentId": testDept},
			want: `{"departmentId":"` + testDept + `","fields":{"login":"bo"}}`,
		},
		{
			name: "custom role with roleId and departments",
			rec:  schema.Record{"login": "bo", "departmentId": testDept, "role": "custom", "roleId": testRole, "manageableDepartmentIds": []string{testDept, testDept2}},
			want: `{"departmentId":"` + testDept + `","fields":{"login":"bo"},"role":"custom","roleId":"` + testRole + `",
				"manageableDepartmentIds":["` + testDept + `","` + testDept2 + `"]}`,
		},
		{
			name: "roles win: role and roleId not sent, departments attached to the admin entry",
			rec: schema.Record{"login": "bo", "departmentId": testDept, "role": "custom", "roleId": testRole2,
				"roles": []string{"Learners:" + testRole, "department_administrators:" + testRole2}, "manageableDepartmentIds": []string{testDept2}},
			want: `{"departmentId":"` + testDept + `","fields":{"login":"bo"},"manageableDepartmentIds":["` + testDept2 + `"],
				"roles":[{"roleId":"` + testRole + `","roleType":"learner"},
				{"roleId":"` + testRole2 + `","roleType":"department_administrator","manageableDepartmentIds":["` + testDept2 + `"]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, created)
			got, err := tokenClient(t, srv.URL).Create(ctx(t), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, testUser, got.ID)
			r := srv.Only(t)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/user", r.Path)
			assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			assert.JSONEq(t, tt.want, r.Raw)
		})
	}
}

func TestCreateSupervisorGoesAsCustom(t *testing.T) {
	// The roster's "supervisor" becomes role custom through the schema.
	rec, errs := mapRow(t, with("Role", "Supervisor", "Role ID", testRole, "Managed Departments", testDept), nil)
	require.Empty(t, errs)
	srv := providertest.NewRecorder(t, created)
	_, err := tokenClient(t, srv.URL).Create(ctx(t), rec)
	require.NoError(t, err)
	body := srv.Requests()[0].Body
	assert.Equal(t, "custom", body["role"])
	assert.Equal(t, testRole, body["roleId"])
}

func TestCreatedID(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"JSON string", `"` + testUser + `"`, testUser},
		{"JSON string with newline", `"` + testUser + `"` + "\n", testUser},
		{"bare", testUser, testUser},
		{"bare with spaces", "  " + testUser + "\r\n", testUser},
		{"empty", "", ""},
		{"object", `{"userId":"x"}`, ""},
		{"broken JSON string", `"` + testUser, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseCreatedID([]byte(tt.body)))
		})
	}
}

func TestCreateUnreadableID(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusCreated, Body: ""})
	_, err := tokenClient(t, srv.URL).Create(ctx(t), schema.Record{"login": "bo", "departmentId": testDept})
	pe := providertest.VendorError(t, err, providers.VendorError)
	assert.True(t, pe.Sent, "the user may exist: the pool must look it up, not create again")
}

func TestFind(t *testing.T) {
	list := `[{"userId":"` + testUser + `","role":"learner","departmentId":"` + testDept + `","status":1,
		"fields":{"login":"Ann.Lee","email":"ann.lee@example.com"}}]`
	tests := []struct {
		name      string
		rec       schema.Record
		body      string
		query     string
		wantID    string
		wantFound bool
	}{
		{"by login, case-insensitive", schema.Record{"login": "ann.lee"}, list, "logins[]", testUser, true},
		{"by email without login", schema.Record{"email": "ANN.LEE@example.com"}, list, "emails[]", testUser, true},
		{"wrapped in response", schema.Record{"login": "ann.lee"}, `{"response":` + list + `}`, "logins[]", testUser, true},
		{"empty list", schema.Record{"login": "ann.lee"}, `[]`, "logins[]", "", false},
		{"other login only", schema.Record{"login": "bo"}, list, "logins[]", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: tt.body})
			id, found, err := tokenClient(t, srv.URL).Find(ctx(t), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantID, id)
			r := srv.Requests()[0]
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/user", r.Path)
			assert.Len(t, r.Query[tt.query], 1, "filter %s", tt.query)
		})
	}
}

func TestFindErrors(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusUnauthorized, Body: `{"code":401,"message":"Invalid access token"}`})
	_, _, err := tokenClient(t, srv.URL).Find(ctx(t), schema.Record{"login": "ann"})
	pe := providertest.VendorError(t, err, providers.AuthFailed)

	srv = providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: `<response/>`})
	_, _, err = tokenClient(t, srv.URL).Find(ctx(t), schema.Record{"login": "ann"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, providers.VendorError, pe.Code)

	_, _, err = tokenClient(t, srv.URL).Find(ctx(t), schema.Record{})
	assert.Error(t, err, "nothing to look up by")
}

func TestNewCredentials(t *testing.T) {
	tests := []struct {
		name    string
		creds   map[string]string
		wantErr string
	}{
		{"token", map[string]string{EnvToken: "t"}, ""},
		{"api key", map[string]string{EnvClientID: "id", EnvClientSecret: "s3cr3t-value"}, ""},
		{"nothing", nil, EnvToken},
		{"id only", map[string]string{EnvClientID: "id-value"}, EnvClientSecret},
		{"secret only", map[string]string{EnvClientSecret: "s3cr3t-value"}, EnvClientID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { providertest.CheckNew(t, New, tt.creds, tt.wantErr) })
	}
}

func TestDefaultBaseURL(t *testing.T) {
	c, err := New(providers.Config{Credentials: map[string]string{EnvToken: "t"}})
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.(*Client).base)
}

// decodeJSON is a tiny helper for sim answers.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}
