package smarterproctoring

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func ann() schema.Record {
	return schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu"}
}

func TestSimCreateEchoesUser(t *testing.T) {
	e := newSimEnv(t)
	path := "/v1/installs/" + e.srv.Credentials[envInstallSID] + "/users"
	status, _, body := e.do(t, http.MethodPost, path, e.srv.Credentials[envToken],
		`{"firstName":"Ann","lastName":"Lee","email":"ann.lee@example.edu","exernalId":"HR-1","password":"Exam#2024ok","latitude":33.4}`)
	require.Equal(t, http.StatusOK, status, "body: %v", body)
	assert.Regexp(t, userSIDRE, body["sid"])
	assert.Equal(t, "HR-1", body["externalId"], "the response spells externalId correctly")
	assert.NotContains(t, body, "exernalId")
	assert.Nil(t, body["password"], "the password is never echoed")
	assert.InDelta(t, 33.4, body["latitude"], 1e-9)
	for _, k := range []string{"smarterIdEnrollmentSid", "address", "apiId", "role", "createdDate", "timezone", "identity"} {
		assert.Contains(t, body, k, "the documented user object has %s", k)
	}
}

func TestSimToleratesExternalIdSpelling(t *testing.T) {
	e := newSimEnv(t)
	path := "/v1/installs/" + e.srv.Credentials[envInstallSID] + "/users"
	status, _, body := e.do(t, http.MethodPost, path, e.srv.Credentials[envToken],
		`{"firstName":"Ann","lastName":"Lee","email":"ann.lee@example.edu","externalId":"HR-2"}`)
	require.Equal(t, http.StatusOK, status, "body: %v", body)
	assert.Equal(t, "HR-2", body["externalId"])
}

func TestSimRejects(t *testing.T) {
	good := `"firstName":"Ann","lastName":"Lee","email":"ann.lee@example.edu"`
	tests := []struct {
		name    string
		body    string
		status  int
		message string
		key     string
	}{
		{"missing email", `{"firstName":"Ann","lastName":"Lee"}`, 400, `"email" is required`, "email"},
		{"bad email", `{"firstName":"Ann","lastName":"Lee","email":"ann.lee@"}`, 400, `"email" must be a valid email`, "email"},
		{"bad preferred email", `{` + good + `,"preferredEmail":"ann at home"}`, 400, `"preferredEmail" must be a valid email`, "preferredEmail"},
		{"time zone pattern", `{` + good + `,"timeZoneSid":"America/Phoenix"}`, 400,
			`"timeZoneSid" with value "America/Phoenix" fails to match the required pattern: /^TZ[a-f0-9]{32}$/`, "timeZoneSid"},
		{"currency length", `{` + good + `,"currencyCode":"USDX"}`, 400, `"currencyCode" length must be 3 characters long`, "currencyCode"},
		{"latitude range", `{` + good + `,"latitude":123}`, 400, `"latitude" must be less than or equal to 90`, "latitude"},
		{"longitude range", `{` + good + `,"longitude":-200}`, 400, `"longitude" must be greater than or equal to -180`, "longitude"},
		{"latitude as a string", `{` + good + `,"latitude":"33.4"}`, 400, `"latitude" must be a number`, "latitude"},
		{"enabled as a string", `{` + good + `,"enabled":"yes"}`, 400, `"enabled" must be a boolean`, "enabled"},
		{"empty string", `{` + good + `,"sisId":""}`, 400, `"sisId" is not allowed to be empty`, "sisId"},
		{"unknown key", `{` + good + `,"role":"admin"}`, 400, `"role" is not allowed`, "role"},
		{"weak password, value hidden", `{` + good + `,"password":"password1"}`, 400,
			`"password" with value "********" fails to match the required pattern: /` + passwordPattern + `/`, "password"},
		{"not JSON", `{"firstName":`, 400, "Invalid request payload JSON format", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSimEnv(t)
			path := "/v1/installs/" + e.srv.Credentials[envInstallSID] + "/users"
			status, _, body := e.do(t, http.MethodPost, path, e.srv.Credentials[envToken], tt.body)
			assert.Equal(t, tt.status, status)
			assert.InDelta(t, tt.status, body["statusCode"], 0)
			assert.Equal(t, "Bad Request", body["error"])
			assert.Equal(t, tt.message, body["message"])
			assert.Equal(t, 0, e.srv.Store.Len(), "nothing is created")
			// The client reads the same answer as VENDOR_REJECTED naming the field.
			if tt.key != "" && Schema.Field(tt.key) != nil {
				_, err := e.c.Create(ctx(t), bodyRecord(t, tt.body))
				pe := providertest.VendorError(t, err, providers.VendorRejected)
				assert.Equal(t, tt.key, pe.Field)
			}
		})
	}
}

// bodyRecord turns a test body into a Record as is, bypassing validation,
// so the client sends exactly the bad value.
func bodyRecord(t *testing.T, body string) schema.Record {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	return schema.Record(m)
}

func TestSimAuth(t *testing.T) {
	e := newSimEnv(t)
	install := e.srv.Credentials[envInstallSID]
	tests := []struct {
		name   string
		path   string
		token  string
		status int
		msg    string
	}{
		{"no token", "/v1/installs/" + install + "/users", "", 401, "Invalid token"},
		{"wrong token", "/v1/installs/" + install + "/users", "sim-token-wrong", 401, "Invalid token"},
		{"malformed install", "/v1/installs/IN123/users", e.srv.Credentials[envToken], 400,
			`"installSid" with value "IN123" fails to match the required pattern: /^AI[a-f0-9]{32}$/`},
		{"unknown install", "/v1/installs/AI" + "ffffffffffffffffffffffffffffffff" + "/users", e.srv.Credentials[envToken], 404, "Install not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := e.do(t, http.MethodPost, tt.path, tt.token, `{"firstName":"Ann","lastName":"Lee","email":"ann.lee@example.edu"}`)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.msg, body["message"])
			if status == 401 {
				assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_token"`)
			}
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())
}

func TestSimUnknownInstallIsFatal(t *testing.T) {
	e := newSimEnv(t)
	creds := map[string]string{envToken: e.srv.Credentials[envToken], envInstallSID: providertest.WrongValue(e.srv.Credentials[envInstallSID])}
	c, err := New(providertest.Config(e.url, creds))
	require.NoError(t, err, "a wrong install SID still has the right shape")
	_, err = c.Create(ctx(t), ann())
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, http.StatusNotFound, pe.Status)
	assert.True(t, pe.Fatal(), "no row can succeed against an unknown install")
}

func TestSimDuplicates(t *testing.T) {
	e := newSimEnv(t)
	first := ann()
	first["username"] = "alee"
	_, err := e.c.Create(ctx(t), first)
	require.NoError(t, err)

	tests := []struct {
		name string
		rec  schema.Record
		msg  string
	}{
		{"same email, other case", schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ANN.LEE@example.edu"}, "User with email already exists"},
		{"same username", schema.Record{"firstName": "Al", "lastName": "Lee", "email": "al.lee@example.edu", "username": "ALee"}, "User with username already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.Create(ctx(t), tt.rec)
			pe := providertest.VendorError(t, err, providers.AlreadyExists)
			assert.Equal(t, http.StatusConflict, pe.Status)
			assert.Equal(t, tt.msg, pe.Message)
		})
	}
	assert.Equal(t, 1, e.srv.Store.Len())
}

func TestSimList(t *testing.T) {
	e := newSimEnv(t)
	var sids []string
	for _, r := range []schema.Record{
		{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu", "sisId": "S1", "exernalId": "HR-1"},
		{"firstName": "Bo", "lastName": "Chen", "email": "bo.chen@example.edu", "sisId": "S2"},
		{"firstName": "Cy", "lastName": "Lee", "email": "cy.lee@example.edu"},
	} {
		got, err := e.c.Create(ctx(t), r)
		require.NoError(t, err)
		sids = append(sids, got.ID)
	}
	base := "/v1/installs/" + e.srv.Credentials[envInstallSID] + "/users?"
	tests := []struct {
		name  string
		query url.Values
		want  []string
		total float64
	}{
		{"all", nil, sids, 3},
		{"email ignoring case", url.Values{"email": {"BO.CHEN@example.edu"}}, sids[1:2], 1},
		{"lastName", url.Values{"lastName": {"Lee"}}, []string{sids[0], sids[2]}, 2},
		{"externalId", url.Values{"externalId": {"HR-1"}}, sids[:1], 1},
		{"paged", url.Values{"offset": {"1"}, "limit": {"1"}}, sids[1:2], 3},
		{"nobody", url.Values{"email": {"nobody@example.edu"}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := e.do(t, http.MethodGet, base+tt.query.Encode(), e.srv.Credentials[envToken], "")
			require.Equal(t, http.StatusOK, status)
			var got []string
			for _, u := range body["results"].([]any) {
				got = append(got, u.(map[string]any)["sid"].(string))
			}
			assert.Equal(t, tt.want, got)
			assert.InDelta(t, tt.total, body["total"], 0)
		})
	}

	status, _, body := e.do(t, http.MethodGet, base+"colour=red", e.srv.Credentials[envToken], "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, `"colour" is not allowed`, body["message"])
	status, _, _ = e.do(t, http.MethodGet, base, "", "")
	assert.Equal(t, http.StatusUnauthorized, status, "the list needs the token too")
}

func TestSimFind(t *testing.T) {
	e := newSimEnv(t)
	_, found, err := e.c.Find(ctx(t), ann())
	require.NoError(t, err)
	assert.False(t, found)

	got, err := e.c.Create(ctx(t), ann())
	require.NoError(t, err)
	id, found, err := e.c.Find(ctx(t), schema.Record{"email": "Ann.Lee@Example.EDU"})
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got.ID, id)
}

func TestSimWrongContentType(t *testing.T) {
	e := newSimEnv(t)
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost,
		e.url+"/v1/installs/"+e.srv.Credentials[envInstallSID]+"/users", nil)
	require.NoError(t, err)
	req.Header.Set("token", e.srv.Credentials[envToken])
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
}
