package smartapp

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

const testToken = "test-token-0123"

// Client is what the vendor file's client offers for smartapp.
type Client interface {
	providers.Client
	providers.Finder
	providers.Updater
}

func newClient(t *testing.T, base string) Client {
	t.Helper()
	return providertest.NewClient[Client](t, New, base, map[string]string{TokenEnv: testToken})
}

const createdAnswer = `{"email":"ccarr@smartapp.com","userID":"0d5c4f0e-7a51-4d8e-9c1b-2f4a6b8c9d01","globalUserID":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}`

func TestCreateWire(t *testing.T) {
	tests := []struct {
		name string
		rec  schema.Record
		want map[string]any // the JSON body, as decoded
	}{
		{
			name: "every field with its JSON type",
			rec: schema.Record{
				"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com",
				"phone": "555-123-4567", "fax": "1-555-9876543",
				"companyName": "smartapp.com", "companyLocationName": "headquarters",
				"licenceType":      TransactionBasedUser,
				"metadata":         map[string]any{"Favorite employee": true, "Employee ID": "E1001"},
				"applicationRoles": []string{"intern"},
				"groups":           []string{"software developers", "interns"},
				"dashboardGroups":  []string{"engineering"},
			},
			want: map[string]any{
				"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com",
				"phone": "555-123-4567", "fax": "1-555-9876543",
				"companyName": "smartapp.com", "companyLocationName": "headquarters",
				"licenceType":      "TransactionBasedUser",
				"metadata":         map[string]any{"Favorite employee": true, "Employee ID": "E1001"},
				"applicationRoles": []any{"intern"},
				"groups":           []any{"software developers", "interns"},
				"dashboardGroups":  []any{"engineering"},
			},
		},
		{
			name: "absent fields are left out, licenceType included",
			rec: schema.Record{
				"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example",
				"companyName": "Acme Corp", "companyLocationName": "Boston",
			},
			want: map[string]any{
				"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example",
				"companyName": "Acme Corp", "companyLocationName": "Boston",
			},
		},
		{
			name: "keys that are not smartapp fields are not sent",
			rec:  schema.Record{"email": "ann@acme.example", "Employee ID": "E1"},
			want: map[string]any{"email": "ann@acme.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: createdAnswer})
			c := newClient(t, srv.URL+"/") // a trailing slash must not double
			created, err := c.Create(t.Context(), tt.rec)
			require.NoError(t, err)
			req := srv.Only(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, "/user/create", req.URI)
			assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
			assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
			assert.Equal(t, tt.want, req.Body)
			assert.Equal(t, providers.Created{ID: "0d5c4f0e-7a51-4d8e-9c1b-2f4a6b8c9d01",
				Extra: map[string]string{"globalUserID": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}}, created)
		})
	}
}

func TestCreateUnderPathPrefix(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: createdAnswer})
	_, err := newClient(t, srv.URL+"/api/v1").Create(t.Context(), good())
	require.NoError(t, err)
	assert.Equal(t, "/api/v1/user/create", srv.Only(t).URI)
}

func TestNewMissingToken(t *testing.T) {
	for name, creds := range map[string]map[string]string{
		"unset": {},
		"empty": {TokenEnv: ""},
		"other": {"ONBOARD_API_KEY": "secret-value"},
	} {
		t.Run(name, func(t *testing.T) { providertest.CheckNew(t, New, creds, TokenEnv) })
	}
}

func TestFindWire(t *testing.T) {
	const one = `{"uniqueID":"11111111-1111-4111-8111-111111111111","email":"CCarr@smartapp.com","licenceType":"Licenced User"}`
	tests := []struct {
		name, email, answer, wantQuery, wantID string
	}{
		{"array", "ccarr@smartapp.com", `{"totalCount":1,"users":[` + one + `]}`, "email=ccarr%40smartapp.com", "11111111-1111-4111-8111-111111111111"},
		{"single object as the doc renders it", "ccarr@smartapp.com", `{"totalCount":1,"users":` + one + `}`, "email=ccarr%40smartapp.com", "11111111-1111-4111-8111-111111111111"},
		{"empty", "ccarr@smartapp.com", `{"totalCount":0,"users":[]}`, "email=ccarr%40smartapp.com", ""},
		{"null users", "ccarr@smartapp.com", `{"totalCount":0,"users":null}`, "email=ccarr%40smartapp.com", ""},
		{"filter ignored by the vendor: someone else", "ccarr+x@smartapp.com", `{"totalCount":1,"users":[` + one + `]}`, "email=ccarr%2Bx%40smartapp.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: tt.answer})
			id, found, err := newClient(t, srv.URL).Find(t.Context(), schema.Record{"email": tt.email})
			require.NoError(t, err)
			req := srv.Only(t)
			assert.Equal(t, http.MethodGet, req.Method)
			assert.Equal(t, "/user/list?"+tt.wantQuery, req.URI)
			assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
			assert.Equal(t, tt.wantID != "", found)
			assert.Equal(t, tt.wantID, id)
		})
	}
}

func TestFindErrors(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusForbidden, Body: `{"message":"Forbidden"}`})
	_, _, err := newClient(t, srv.URL).Find(t.Context(), good())
	providertest.VendorError(t, err, providers.AuthFailed)

	srv = providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: `<html>oops</html>`})
	_, _, err = newClient(t, srv.URL).Find(t.Context(), good())
	assert.ErrorContains(t, err, "unreadable user list")
	// The vendor answered: never NETWORK_ERROR.
	providertest.VendorError(t, err, providers.VendorError)

	_, _, err = newClient(t, srv.URL).Find(t.Context(), schema.Record{"firstName": "Ann"})
	assert.ErrorContains(t, err, "needs email")
}
