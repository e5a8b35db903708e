package smartapp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

const testToken = "test-token-0123"

// captured is one request as the vendor saw it.
type captured struct {
	method, path, auth, contentType string
	body                            map[string]any
}

// scripted answers every request with status, header and body verbatim and
// hands the first request it saw to the returned channel.
func scripted(t *testing.T, status int, header http.Header, answer string) (*httptest.Server, chan captured) {
	t.Helper()
	got := make(chan captured, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		select {
		case got <- captured{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body}:
		default:
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(ts.Close)
	return ts, got
}

func newClient(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(providers.Config{BaseURL: base, Credentials: map[string]string{TokenEnv: testToken},
		HTTP: &http.Client{Timeout: 5 * time.Second}})
	require.NoError(t, err)
	return c.(*Client)
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
			ts, got := scripted(t, http.StatusOK, nil, createdAnswer)
			c := newClient(t, ts.URL+"/") // a trailing slash must not double
			created, err := c.Create(t.Context(), tt.rec)
			require.NoError(t, err)
			req := <-got
			assert.Equal(t, http.MethodPost, req.method)
			assert.Equal(t, "/user/create", req.path)
			assert.Equal(t, "Bearer "+testToken, req.auth)
			assert.Equal(t, "application/json", req.contentType)
			assert.Equal(t, tt.want, req.body)
			assert.Equal(t, providers.Created{ID: "0d5c4f0e-7a51-4d8e-9c1b-2f4a6b8c9d01",
				Extra: map[string]string{"globalUserID": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}}, created)
		})
	}
}

func TestCreateUnderPathPrefix(t *testing.T) {
	ts, got := scripted(t, http.StatusOK, nil, createdAnswer)
	_, err := newClient(t, ts.URL+"/api/v1").Create(t.Context(), good())
	require.NoError(t, err)
	assert.Equal(t, "/api/v1/user/create", (<-got).path)
}

func TestNewMissingToken(t *testing.T) {
	for name, creds := range map[string]map[string]string{
		"unset": {},
		"empty": {TokenEnv: ""},
		"other": {"ONBOARD_API_KEY": "secret-value"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(providers.Config{BaseURL: "http://127.0.0.1", Credentials: creds})
			require.Error(t, err)
			assert.Contains(t, err.Error(), TokenEnv)
			assert.NotContains(t, err.Error(), "secret-value")
		})
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
			ts, got := scripted(t, http.StatusOK, nil, tt.answer)
			id, found, err := newClient(t, ts.URL).Find(t.Context(), schema.Record{"email": tt.email})
			require.NoError(t, err)
			req := <-got
			assert.Equal(t, http.MethodGet, req.method)
			assert.Equal(t, "/user/list?"+tt.wantQuery, req.path)
			assert.Equal(t, "Bearer "+testToken, req.auth)
			assert.Equal(t, tt.wantID != "", found)
			assert.Equal(t, tt.wantID, id)
		})
	}
}

func TestFindErrors(t *testing.T) {
	ts, _ := scripted(t, http.StatusForbidden, nil, `{"message":"Forbidden"}`)
	_, _, err := newClient(t, ts.URL).Find(t.Context(), good())
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, providers.AuthFailed, pe.Code)

	ts, _ = scripted(t, http.StatusOK, nil, `<html>oops</html>`)
	_, _, err = newClient(t, ts.URL).Find(t.Context(), good())
	assert.ErrorContains(t, err, "list answer")

	_, _, err = newClient(t, ts.URL).Find(t.Context(), schema.Record{"firstName": "Ann"})
	assert.ErrorContains(t, err, "no email")
}
