package scim

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

var creds = map[string]string{EnvToken: "tok-123"}

// scimAnswer is a Recorder answer in SCIM's media type.
func scimAnswer(status int, body string) providertest.Answer {
	return providertest.Answer{Status: status, Body: body, Header: map[string]string{"Content-Type": mediaType}}
}

// canonical is a JSON text decoded, for comparing bodies whatever their
// key order.
func canonical(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	return v
}

// TestCreateWire: the request is RFC 7644 §3.3's, the User RFC 7643's.
func TestCreateWire(t *testing.T) {
	rec := providertest.NewRecorder(t, scimAnswer(201, `{"schemas":["`+urnUser+`"],"id":"2819c223","userName":"Ann.Lee@example.com"}`))
	c := providertest.NewClient[*Client](t, New, rec.URL+"/scim/v2/", creds)
	got, err := c.Create(providertest.Context(t), good())
	require.NoError(t, err)
	assert.Equal(t, "2819c223", got.ID)

	r := rec.Only(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/scim/v2/Users", r.Path)
	assert.Equal(t, "application/scim+json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/scim+json, application/json", r.Header.Get("Accept"))
	assert.Equal(t, "Bearer tok-123", r.Header.Get("Authorization"))
	assert.Equal(t, canonical(t, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"userName": "Ann.Lee@example.com",
		"name": {"givenName": "Ann", "familyName": "Lee"},
		"displayName": "Ann Lee",
		"title": "Analyst",
		"externalId": "HR-20931",
		"active": true,
		"emails": [{"value": "ann.lee@example.com", "type": "work", "primary": true}],
		"phoneNumbers": [{"value": "+1 480 555 0100", "type": "work"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
			"employeeNumber": "20931", "department": "Finance",
			"manager": {"value": "2819c223-7f76-453a-919d-413861904646"}}
	}`), canonical(t, r.Raw))
}

// TestCreateMinimal: absent fields are left out, never sent empty, and the
// enterprise schema is listed only when used.
func TestCreateMinimal(t *testing.T) {
	rec := providertest.NewRecorder(t, scimAnswer(200, `{"id":"u1"}`)) // PingOne-style 200
	c := providertest.NewClient[*Client](t, New, rec.URL, creds)
	got, err := c.Create(providertest.Context(t), schema.Record{"userName": "ann", "active": false})
	require.NoError(t, err)
	assert.Equal(t, "u1", got.ID)
	assert.Equal(t, canonical(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","active":false}`),
		canonical(t, rec.Only(t).Raw))
}

// TestCreateAnswers maps each answer servers give to a normalized code.
func TestCreateAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    providertest.Answer
		code      providers.Code
		vendor    string // VendorCode
		field     string
		message   string // contained
		fatal     bool
		retryable bool
		sent      bool
		wait      time.Duration
	}{
		{name: "409 uniqueness (RFC)", answer: scimAnswer(409, `{"schemas":["`+urnError+`"],"status":"409","scimType":"uniqueness","detail":"userName is already taken"}`),
			code: providers.AlreadyExists, vendor: "uniqueness", field: "userName", message: "userName is already taken"},
		{name: "409 without scimType", answer: scimAnswer(409, `{"detail":"User already exists in the database."}`),
			code: providers.AlreadyExists, field: "userName", message: "User already exists in the database."},
		{name: "409 about the email", answer: scimAnswer(409, `{"schemas":["`+urnError+`"],"status":409,"scimType":"uniqueness","detail":"Email ann@x.org already in use by another account."}`),
			code: providers.AlreadyExists, vendor: "uniqueness", field: "email", message: "already in use"},
		{name: "400 uniqueness", answer: scimAnswer(400, `{"schemas":["`+urnError+`"],"status":400,"scimType":"uniqueness","detail":"duplicate"}`),
			code: providers.AlreadyExists, vendor: "uniqueness", field: "userName", message: "duplicate"},
		{name: "400 invalidValue names the field", answer: scimAnswer(400, `{"schemas":["`+urnError+`"],"status":"400","scimType":"invalidValue","detail":"Attribute 'name.givenName' is required"}`),
			code: providers.VendorRejected, vendor: "invalidValue", field: "givenName", message: "name.givenName"},
		{name: "400 about emails", answer: scimAnswer(400, `{"scimType":"invalidValue","detail":"emails[0].value is not an email"}`),
			code: providers.VendorRejected, vendor: "invalidValue", field: "email"},
		{name: "400 without a field", answer: scimAnswer(400, `{"scimType":"invalidSyntax","detail":"bad JSON"}`),
			code: providers.VendorRejected, vendor: "invalidSyntax", message: "bad JSON"},
		{name: "401 SCIM", answer: scimAnswer(401, `{"schemas":["`+urnError+`"],"status":"401","detail":"Token expired"}`),
			code: providers.AuthFailed, message: "Token expired", fatal: true},
		{name: "401 HTML page", answer: providertest.Answer{Status: 401, Header: map[string]string{"Content-Type": "text/html"},
			Body: "<html><body><h1>401 Authorization Required</h1></body></html>"},
			code: providers.AuthFailed, message: "401 Authorization Required", fatal: true},
		{name: "401 vendor JSON", answer: scimAnswer(401, `{"returnCode":1401,"message":"Unauthorized"}`),
			code: providers.AuthFailed, message: "returnCode", fatal: true},
		{name: "403 scope", answer: scimAnswer(403, `{"detail":"missing scope scim:write"}`),
			code: providers.AuthFailed, message: "scim:write", fatal: true},
		{name: "404 no /Users here", answer: scimAnswer(404, `{"detail":"Not Found"}`),
			code: providers.AuthFailed, message: "ending before /Users", fatal: true},
		{name: "413 tooMany", answer: scimAnswer(413, `{"scimType":"tooMany","detail":"payload too large"}`),
			code: providers.VendorRejected, vendor: "tooMany"},
		{name: "429", answer: providertest.Answer{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"detail":"slow down"}`},
			code: providers.RateLimited, retryable: true, wait: 7 * time.Second},
		{name: "500", answer: scimAnswer(500, `{"detail":"boom"}`), code: providers.VendorError, retryable: true, message: "boom"},
		{name: "503 Retry-After", answer: providertest.Answer{Status: 503, Header: map[string]string{"Retry-After": "3"}, Body: "maintenance"},
			code: providers.VendorError, retryable: true, wait: 3 * time.Second, message: "maintenance"},
		{name: "201 not JSON", answer: scimAnswer(201, `created`), code: providers.VendorError, retryable: true, sent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := providertest.NewRecorder(t, tc.answer)
			c := providertest.NewClient[*Client](t, New, rec.URL, creds)
			_, err := c.Create(providertest.Context(t), schema.Record{"userName": "ann"})
			pe := providertest.VendorError(t, err, tc.code)
			assert.Equal(t, tc.answer.Status, pe.Status)
			assert.Equal(t, tc.vendor, pe.VendorCode)
			assert.Equal(t, tc.field, pe.Field)
			assert.Contains(t, pe.Message, tc.message)
			assert.Equal(t, tc.fatal, pe.Fatal())
			assert.Equal(t, tc.retryable, pe.Retryable())
			assert.Equal(t, tc.sent, pe.Sent)
			if tc.wait > 0 {
				assert.Equal(t, tc.wait, pe.RetryAfter)
			}
			assert.NotContains(t, err.Error(), "tok-123")
		})
	}
}

// A 2xx is the service provider's "done": a readable User without an id
// is created with the id unknown (the pool's lookup finds it); an
// unreadable answer is ErrUnreadable with the 2xx status, which the pool
// settles by lookup and never by another create.
func TestCreateTwoHundredIsDone(t *testing.T) {
	for body, readable := range map[string]bool{`{"userName":"ann"}`: true, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`: true,
		``: false, `<html><body>Saved.</body></html>`: false, `{"id":"2819c2`: false, `null`: false, `[]`: false, `{"id":7}`: false} {
		t.Run(body, func(t *testing.T) {
			rec := providertest.NewRecorder(t, scimAnswer(201, body))
			c := providertest.NewClient[*Client](t, New, rec.URL, creds)
			got, err := c.Create(providertest.Context(t), schema.Record{"userName": "ann"})
			if readable {
				require.NoError(t, err)
				assert.Empty(t, got.ID)
				return
			}
			pe := providertest.VendorError(t, err, providers.VendorError)
			assert.Equal(t, http.StatusCreated, pe.Status)
			assert.ErrorIs(t, err, providers.ErrUnreadable, "the pool reads it as done: never created again")
			assert.True(t, pe.Sent, "the user may exist: look it up")
		})
	}
}

// listOf is a ListResponse of users given as id, userName pairs.
func listOf(total, start int, pairs ...string) string {
	var res []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		res = append(res, map[string]string{"id": pairs[i], "userName": pairs[i+1]})
	}
	b, _ := json.Marshal(map[string]any{"schemas": []string{urnList}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(res), "Resources": res})
	return string(b)
}

var spcOK = scimAnswer(200, `{"schemas":["`+urnSPC+`"],"patch":{"supported":true},"filter":{"supported":true,"maxResults":100}}`)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		list    []providertest.Answer
		id      string
		found   bool
		queries []string // startIndex of each list request, "" for none
	}{
		{"found ignoring case", []providertest.Answer{scimAnswer(200, listOf(1, 1, "u7", "ANN.lee@Example.COM"))}, "u7", true, []string{""}},
		{"nobody", []providertest.Answer{scimAnswer(200, listOf(0, 1))}, "", false, []string{""}},
		// A server that widened the filter (a "co" match, or none at all)
		// must not make someone else the person.
		{"someone else only", []providertest.Answer{scimAnswer(200, listOf(1, 1, "u8", "ann.lee@example.com.au"))}, "", false, []string{""}},
		{"second page", []providertest.Answer{
			scimAnswer(200, listOf(3, 1, "u1", "bob@example.com", "u2", "cat@example.com")),
			scimAnswer(200, listOf(3, 3, "u3", "ann.lee@example.com"))}, "u3", true, []string{"", "3"}},
		{"no Resources key", []providertest.Answer{scimAnswer(200, `{"totalResults":0}`)}, "", false, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := providertest.NewRecorder(t, append([]providertest.Answer{spcOK}, tc.list...)...)
			c := providertest.NewClient[*Client](t, New, rec.URL+"/scim", creds)
			id, found, err := c.Find(providertest.Context(t), schema.Record{"userName": "Ann.Lee@example.com"})
			require.NoError(t, err)
			assert.Equal(t, tc.found, found)
			assert.Equal(t, tc.id, id)
			reqs := rec.Requests()
			require.Len(t, reqs, 1+len(tc.queries))
			assert.Equal(t, "/scim/ServiceProviderConfig", reqs[0].Path)
			for i, want := range tc.queries {
				r := reqs[i+1]
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, "/scim/Users", r.Path)
				assert.Equal(t, `userName eq "Ann.Lee@example.com"`, r.Query.Get("filter"))
				assert.True(t, strings.HasPrefix(r.RawQuery, "filter=userName%20eq%20%22Ann.Lee%40example.com%22"), r.RawQuery)
				assert.Equal(t, want, r.Query.Get("startIndex"))
			}
		})
	}
}

func TestFindFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []providertest.Answer
		code    providers.Code
		message string
	}{
		{"filter unsupported", []providertest.Answer{scimAnswer(200, `{"filter":{"supported":false}}`)},
			providers.VendorRejected, "filters are not supported"},
		{"400 invalidFilter", []providertest.Answer{spcOK, scimAnswer(400, `{"scimType":"invalidFilter","detail":"userName cannot be filtered"}`)},
			providers.VendorRejected, "lookup: userName cannot be filtered"},
		{"404", []providertest.Answer{spcOK, scimAnswer(404, `{"detail":"no"}`)}, providers.VendorRejected, "lookup: no"},
		{"401", []providertest.Answer{spcOK, scimAnswer(401, `<html>401</html>`)}, providers.AuthFailed, "401"},
		{"500", []providertest.Answer{spcOK, scimAnswer(500, `{"detail":"down"}`)}, providers.VendorError, "down"},
		{"not a list", []providertest.Answer{spcOK, scimAnswer(200, `[1,2]`)}, providers.VendorError, "not a ListResponse"},
		{"filter ignored", []providertest.Answer{spcOK, scimAnswer(200, listOf(1000, 1, "u1", "bob@example.com"))},
			providers.VendorRejected, "seems to ignore it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := providertest.NewRecorder(t, tc.answers...)
			c := providertest.NewClient[*Client](t, New, rec.URL, creds)
			_, found, err := c.Find(providertest.Context(t), schema.Record{"userName": "ann"})
			assert.False(t, found)
			pe := providertest.VendorError(t, err, tc.code)
			assert.Contains(t, pe.Message, tc.message)
			if tc.name == "filter unsupported" {
				assert.Len(t, rec.Requests(), 1, "no lookup is sent")
			}
		})
	}
}

// TestUpdateWire: PATCH /Users/{id} with a PatchOp of replace operations
// for the changed fields only (RFC 7644 §3.5.2.3).
func TestUpdateWire(t *testing.T) {
	rec := providertest.NewRecorder(t, spcOK, scimAnswer(200, `{"id":"u 1"}`))
	c := providertest.NewClient[*Client](t, New, rec.URL, creds)
	require.NoError(t, c.CheckUpdate(providertest.Context(t)))
	r := good()
	r["email"] = "ann@new.example.com"
	changed := []string{"givenName", "email", "phone", "active", "department", "manager", "employeeNumber"}
	delete(r, "phone") // emptied on the roster: not sent, never removed
	require.NoError(t, c.Update(providertest.Context(t), "u 1", changed, r))
	for _, f := range changed {
		assert.True(t, c.Updatable(f), f)
	}
	assert.False(t, c.Updatable("password"))

	reqs := rec.Requests()
	require.Len(t, reqs, 2, "the ServiceProviderConfig is read once")
	p := reqs[1]
	assert.Equal(t, http.MethodPatch, p.Method)
	assert.Equal(t, "/Users/u%201", p.URI)
	assert.Equal(t, "application/scim+json", p.Header.Get("Content-Type"))
	assert.Equal(t, canonical(t, `{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "replace", "path": "name.givenName", "value": "Ann"},
			{"op": "replace", "path": "emails", "value": [{"value": "ann@new.example.com", "type": "work", "primary": true}]},
			{"op": "replace", "path": "active", "value": true},
			{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Finance"},
			{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "2819c223-7f76-453a-919d-413861904646"}},
			{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "20931"}
		]}`), canonical(t, p.Raw))
}

func TestUpdateRefused(t *testing.T) {
	t.Run("patch unsupported", func(t *testing.T) {
		rec := providertest.NewRecorder(t, scimAnswer(200, `{"patch":{"supported":false}}`))
		c := providertest.NewClient[*Client](t, New, rec.URL, creds)
		err := c.CheckUpdate(providertest.Context(t))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "PATCH is not supported")
		pe := providertest.VendorError(t, c.Update(providertest.Context(t), "u1", []string{"givenName"}, good()), providers.VendorRejected)
		assert.False(t, pe.Fatal())
		assert.Len(t, rec.Requests(), 1, "no PATCH is sent")
	})
	t.Run("no ServiceProviderConfig: tried", func(t *testing.T) {
		rec := providertest.NewRecorder(t, scimAnswer(404, `not here`), scimAnswer(204, ``))
		c := providertest.NewClient[*Client](t, New, rec.URL, creds)
		require.NoError(t, c.CheckUpdate(providertest.Context(t)))
		require.NoError(t, c.Update(providertest.Context(t), "u1", []string{"givenName"}, good()))
		assert.Equal(t, http.MethodPatch, rec.Requests()[1].Method)
	})
	t.Run("unknown id", func(t *testing.T) {
		rec := providertest.NewRecorder(t, spcOK, scimAnswer(404, `{"detail":"Resource u9 not found"}`))
		c := providertest.NewClient[*Client](t, New, rec.URL, creds)
		pe := providertest.VendorError(t, c.Update(providertest.Context(t), "u9", []string{"givenName"}, good()), providers.VendorRejected)
		assert.Contains(t, pe.Message, "no User u9")
		assert.False(t, pe.Fatal())
	})
}

func TestNew(t *testing.T) {
	env := func(kv ...string) map[string]string {
		m := maps.Clone(creds)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name, base string
		creds      map[string]string
		wantErr    string
		wantBase   string
	}{
		{"--base-url", "https://scim.example.com/v2", creds, "", "https://scim.example.com/v2"},
		{"--base-url wins", "https://a.example.com/scim/", env(EnvBaseURL, "https://b.example.com"), "", "https://a.example.com/scim"},
		{"from the environment", "", env(EnvBaseURL, "https://api.atlassian.com/scim/directory/d1"), "", "https://api.atlassian.com/scim/directory/d1"},
		{"no base URL", "", creds, EnvBaseURL, ""},
		{"plain http elsewhere", "", env(EnvBaseURL, "http://scim.example.com"), "plain http://", ""},
		{"http loopback", "", env(EnvBaseURL, "http://127.0.0.1:9/scim"), "", "http://127.0.0.1:9/scim"},
		{"ends with /Users", "https://scim.example.com/v2/Users/", creds, "ends with /Users", ""},
		{"no token", "https://scim.example.com", map[string]string{}, EnvToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(providers.Config{BaseURL: tc.base, Credentials: tc.creds})
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.NotContains(t, err.Error(), "tok-123")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantBase, c.(*Client).base)
		})
	}
}
