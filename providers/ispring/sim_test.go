package ispring

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
)

// simEnv is a simulator on loopback with a token from its own endpoint.
type simEnv struct {
	srv   *sim.Server
	url   string
	token string
}

func newSimEnv(t *testing.T, opt sim.Options) *simEnv {
	t.Helper()
	e := &simEnv{srv: NewSimulator(opt)}
	e.url = providertest.Serve(t, e.srv.Handler)
	status, body := e.form(t, url.Values{"client_id": {e.srv.Credentials[EnvClientID]},
		"client_secret": {e.srv.Credentials[EnvClientSecret]}, "grant_type": {"client_credentials"}})
	require.Equal(t, http.StatusOK, status, body)
	var tr tokenResponse
	require.NoError(t, json.Unmarshal([]byte(body), &tr))
	assert.Equal(t, int64(1800), tr.ExpiresIn, "tokens live 30 minutes")
	assert.Equal(t, "bearer", tr.TokenType)
	e.token = tr.AccessToken
	return e
}

func (e *simEnv) form(t *testing.T, v url.Values) (int, string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	status, _, b := providertest.Send(t, http.MethodPost, e.url+tokenPath, h, v.Encode())
	return status, string(b)
}

// do sends a raw request with a bearer token ("" for none).
func (e *simEnv) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	status, _, b := providertest.Send(t, method, e.url+path, h, body)
	return status, string(b)
}

func (e *simEnv) client(t *testing.T) *Client {
	t.Helper()
	return providertest.NewClient[*Client](t, New, e.url, e.srv.Credentials)
}

func TestSimTokenEndpoint(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	id, secret := e.srv.Credentials[EnvClientID], e.srv.Credentials[EnvClientSecret]
	tests := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"wrong secret", url.Values{"client_id": {id}, "client_secret": {"nope"}, "grant_type": {"client_credentials"}}, 401},
		{"wrong id", url.Values{"client_id": {"nope"}, "client_secret": {secret}, "grant_type": {"client_credentials"}}, 401},
		{"wrong grant", url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {"password"}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.form(t, tt.form)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, float64(tt.status), decodeJSON(t, []byte(body))["code"], "ErrorResponse code")
		})
	}
	t.Run("JSON instead of a form", func(t *testing.T) {
		status, _ := e.do(t, http.MethodPost, tokenPath, "", `{"client_id":"`+id+`"}`)
		assert.Equal(t, 400, status)
	})
}

func TestSimAuth(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	body := `{"departmentId":"` + testDept + `","fields":{"login":"ann"}}`
	for name, tok := range map[string]string{"none": "", "unknown": "sim-token-00", "the secret": e.srv.Credentials[EnvClientSecret]} {
		t.Run(name, func(t *testing.T) {
			status, answer := e.do(t, http.MethodPost, "/user", tok, body)
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, float64(401), decodeJSON(t, []byte(answer))["code"])
			status, _ = e.do(t, http.MethodGet, "/user", tok, "")
			assert.Equal(t, http.StatusUnauthorized, status, "lookups need the token too")
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())
}

func TestSimExpiredToken(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	srv := newSimulator(sim.Options{}, simConfig{now: clock.now})
	e := &simEnv{srv: srv, url: providertest.Serve(t, srv.Handler)}
	_, body := e.form(t, url.Values{"client_id": {srv.Credentials[EnvClientID]}, "client_secret": {srv.Credentials[EnvClientSecret]}, "grant_type": {"client_credentials"}})
	tok, _ := decodeJSON(t, []byte(body))["access_token"].(string)
	require.NotEmpty(t, tok)
	clock.add(30 * time.Minute)
	status, answer := e.do(t, http.MethodGet, "/user", tok, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, answer, "expired")
}

func TestSimCreateAnswer(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	status, body := e.do(t, http.MethodPost, "/user", e.token, `{"departmentId":"`+testDept+`","fields":{"login":"ann","EMP_CODE":"E9"}}`)
	require.Equal(t, http.StatusCreated, status, body)
	var id string
	require.NoError(t, json.Unmarshal([]byte(body), &id), "the 201 body is a JSON string")
	assert.Regexp(t, uuidRE, id)
	u, ok := e.srv.Store.Find("login:ann")
	require.True(t, ok)
	assert.Equal(t, id, u.ID)
}

func TestSimValidation(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	c := e.client(t)
	tests := []struct {
		name  string
		body  string
		field string // the field the client reads from the answer
	}{
		{"not JSON", `login=ann`, ""},
		{"no fields", `{"departmentId":"` + testDept + `"}`, ""},
		{"no login", `{"departmentId":"` + testDept + `","fields":{"email":"a@example.com"}}`, "login"},
		{"no department", `{"fields":{"login":"ann"}}`, "departmentId"},
		{"bad email", `{"departmentId":"` + testDept + `","fields":{"login":"ann","email":"ann@"}}`, "email"},
		{"field not a string", `{"departmentId":"` + testDept + `","fields":{"login":7}}`, "login"},
		{"doc role spelling on the wire", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"role":"learners"}`, "role"},
		{"boolean as a string", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"sendLoginEmail":"true","invitationMessage":"hi"}`, "sendLoginEmail"},
		{"invitation without message", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"sendLoginEmail":true}`, "invitationMessage"},
		{"SMS without message", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"sendLoginSMS":true}`, "invitationSMSMessage"},
		{"custom without roleId", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"role":"custom","manageableDepartmentIds":["` + testDept + `"]}`, "roleId"},
		{"groups instead of groupIds", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"groups":["` + testGroup + `"]}`, "groups"},
		{"two administrative roles", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"roles":[{"roleId":"` + testRole + `","roleType":"administrator"},{"roleId":"` + testRole2 + `","roleType":"administrator"}]}`, "roles"},
		{"roles item without roleId", `{"departmentId":"` + testDept + `","fields":{"login":"ann"},"roles":[{"roleType":"learner"}]}`, "roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(t, http.MethodPost, "/user", e.token, tt.body)
			require.Equal(t, http.StatusBadRequest, status, body)
			pe := classify(&providers.Response{Status: status, Body: []byte(body)}, time.Now())
			assert.Equal(t, providers.VendorRejected, pe.Code)
			assert.Equal(t, "400", pe.VendorCode)
			assert.Equal(t, tt.field, pe.Field, "message: %s", pe.Message)
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())

	t.Run("roles win over a bad role", func(t *testing.T) {
		_, err := c.Create(ctx(t), map[string]any{"login": "bo", "departmentId": testDept, "role": "custom",
			"roles": []string{"learner:" + testRole}})
		require.NoError(t, err, "role/roleId are not sent with roles")
	})
}

func TestSimDuplicates(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	c := e.client(t)
	_, err := c.Create(ctx(t), person("1"))
	require.NoError(t, err)

	_, err = c.Create(ctx(t), map[string]any{"login": "USER1", "departmentId": testDept})
	pe := providertest.VendorError(t, err, providers.AlreadyExists)
	assert.Equal(t, "login", pe.Field)
	assert.Equal(t, http.StatusConflict, pe.Status)
	assert.Equal(t, "User with the same login is already registered.", pe.Message)

	_, err = c.Create(ctx(t), map[string]any{"login": "other", "email": "User1@Example.com", "departmentId": testDept})
	pe = providertest.VendorError(t, err, providers.AlreadyExists)
	assert.Equal(t, "email", pe.Field)

	assert.Equal(t, 1, e.srv.Store.Len())
	assert.Equal(t, 2, e.srv.Store.Duplicates()["login:user1"])
}

func TestSimLicences(t *testing.T) {
	e := newSimEnv(t, sim.Options{Licences: 2})
	c := e.client(t)
	for _, n := range []string{"1", "2"} {
		_, err := c.Create(ctx(t), person(n))
		require.NoError(t, err)
	}
	_, err := c.Create(ctx(t), person("3"))
	pe := providertest.VendorError(t, err, providers.LicenseExhausted)
	assert.True(t, pe.Fatal())
	_, err = c.Create(ctx(t), person("1"))
	providertest.VendorError(t, err, providers.AlreadyExists) // a duplicate is still a duplicate
	assert.Equal(t, 2, e.srv.Store.Len())
}

func TestSimLookup(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	c := e.client(t)
	a, err := c.Create(ctx(t), schema1("ann", "ann@example.com", testGroup))
	require.NoError(t, err)
	b, err := c.Create(ctx(t), schema1("bo", "bo@example.com", ""))
	require.NoError(t, err)

	ids := func(query string) []string {
		status, body := e.do(t, http.MethodGet, "/user"+query, e.token, "")
		require.Equal(t, http.StatusOK, status, body)
		var users []listedUser
		require.NoError(t, json.Unmarshal([]byte(body), &users), "GET /user answers an array of User")
		var out []string
		for _, u := range users {
			out = append(out, u.UserID)
		}
		return out
	}
	assert.ElementsMatch(t, []string{a.ID, b.ID}, ids(""))
	assert.Equal(t, []string{a.ID}, ids("?logins%5B%5D=ANN"))
	assert.Equal(t, []string{b.ID}, ids("?emails%5B%5D=bo@example.com"))
	assert.Equal(t, []string{a.ID}, ids("?groups%5B%5D="+testGroup))
	assert.ElementsMatch(t, []string{a.ID, b.ID}, ids("?logins%5B%5D=ann&logins%5B%5D=bo"))
	assert.Empty(t, ids("?logins%5B%5D=cy"))

	id, found, err := c.Find(ctx(t), map[string]any{"login": "Bo"})
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, b.ID, id)
}

func schema1(login, email, group string) map[string]any {
	r := map[string]any{"login": login, "email": email, "departmentId": testDept}
	if group != "" {
		r["groups"] = []string{group}
	}
	return r
}
