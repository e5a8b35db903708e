package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
)

// simAt serves a simulator in mode and returns its URL and token.
func simAt(t *testing.T, mode string) (*sim.Server, string, http.Header) {
	t.Helper()
	s := NewSimulator(sim.Options{Mode: mode})
	return s, providertest.Serve(t, s.Handler), http.Header{
		"Authorization": {"Bearer " + s.Credentials[EnvToken]}, "Content-Type": {mediaType}}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}

// TestSimulatorModes: each mode's answers to a duplicate and a bad token,
// as the servers it stands for give them.
func TestSimulatorModes(t *testing.T) {
	const user = `{"schemas":["` + urnUser + `"],"userName":"ann"}`
	for _, tc := range []struct {
		mode           string
		dupStatus      int
		dupScimType    any // nil: absent
		dupSCIM        bool
		authSCIM       bool
		authBodySubstr string
	}{
		{ModeRFC, 409, "uniqueness", true, true, "Authorization failure"},
		{Mode400Uniqueness, 400, "uniqueness", true, true, "Authorization failure"},
		{Mode409Bare, 409, nil, false, true, "Authorization failure"},
		{Mode401NonSCIM, 409, "uniqueness", true, false, "<h1>401 Authorization Required</h1>"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			_, u, h := simAt(t, tc.mode)
			st, _, b := providertest.Send(t, http.MethodPost, u+"/Users", h, user)
			require.Equal(t, http.StatusCreated, st, string(b))
			st, _, b = providertest.Send(t, http.MethodPost, u+"/Users", h, `{"schemas":["`+urnUser+`"],"userName":"ANN"}`)
			assert.Equal(t, tc.dupStatus, st, "a duplicate, userName in another case")
			m := decode(t, b)
			assert.Equal(t, tc.dupScimType, m["scimType"])
			assert.Equal(t, tc.dupSCIM, m["schemas"] != nil, "a SCIM error body")

			bad := h.Clone()
			bad.Set("Authorization", "Bearer nope")
			st, hdr, b := providertest.Send(t, http.MethodPost, u+"/Users", bad, user)
			assert.Equal(t, http.StatusUnauthorized, st)
			assert.Contains(t, string(b), tc.authBodySubstr)
			var anyJSON map[string]any
			assert.Equal(t, tc.authSCIM, json.Unmarshal(b, &anyJSON) == nil, "401 body is JSON: %s", hdr.Get("Content-Type"))
		})
	}
}

func TestSimulatorUnknownMode(t *testing.T) {
	_, u, h := simAt(t, "nonsense")
	st, _, b := providertest.Send(t, http.MethodPost, u+"/Users", h, `{}`)
	assert.Equal(t, http.StatusInternalServerError, st)
	assert.Contains(t, string(b), `unknown simulator mode \"nonsense\"`)
}

// TestSimulatorChecks: the simulator refuses what a strict server
// refuses, so a client mistake shows in tests.
func TestSimulatorChecks(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		scimType, detail        string
	}{
		{"no schemas", mediaType, `{"userName":"a"}`, 400, "invalidValue", "schemas must list"},
		{"no userName", mediaType, `{"schemas":["` + urnUser + `"],"name":{"givenName":"A"}}`, 400, "invalidValue", `"userName" is required`},
		{"unknown attribute", mediaType, `{"schemas":["` + urnUser + `"],"userName":"a","firstName":"A"}`, 400, "invalidSyntax", `"firstName" is not defined`},
		{"extension not listed", mediaType, `{"schemas":["` + urnUser + `"],"userName":"a","` + urnEnterprise + `":{"department":"F"}}`, 400, "invalidValue", "does not list"},
		{"active as text", mediaType, `{"schemas":["` + urnUser + `"],"userName":"a","active":"true"}`, 400, "invalidValue", "boolean"},
		{"bad email", mediaType, `{"schemas":["` + urnUser + `"],"userName":"a","emails":[{"value":"nope","type":"work"}]}`, 400, "invalidValue", "not an email"},
		{"empty string", mediaType, `{"schemas":["` + urnUser + `"],"userName":""}`, 400, "invalidValue", "non-empty"},
		{"form body", "application/x-www-form-urlencoded", `userName=a`, 415, "", "application/scim+json"},
		{"plain JSON accepted", "application/json", `{"schemas":["` + urnUser + `"],"userName":"a"}`, 201, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, u, h := simAt(t, "")
			h.Set("Content-Type", tc.contentType)
			st, _, b := providertest.Send(t, http.MethodPost, u+"/Users", h, tc.body)
			require.Equal(t, tc.status, st, string(b))
			if tc.detail != "" {
				m := decode(t, b)
				scimType, _ := m["scimType"].(string)
				assert.Equal(t, tc.scimType, scimType)
				assert.Contains(t, m["detail"], tc.detail)
			}
		})
	}
}

// TestSimulatorFilter: only userName eq "…" is understood, its value
// decoded as a JSON string and matched ignoring case.
func TestSimulatorFilter(t *testing.T) {
	_, u, h := simAt(t, "")
	st, _, b := providertest.Send(t, http.MethodPost, u+"/Users", h, `{"schemas":["`+urnUser+`"],"userName":"o\"brien\\x"}`)
	require.Equal(t, http.StatusCreated, st, string(b))
	for filter, want := range map[string]int{
		`userName eq "o\"brien\\x"`:     1,
		`USERNAME EQ "O\"BRIEN\\X"`:     1,
		`userName eq "o\"brien\x"`:      -400, // \x is no JSON escape
		`userName eq "o"brien\\x"`:      -400, // an unescaped quote ends the string early
		`userName eq "obrien"`:          0,
		`emails.value eq "o@x.org"`:     -400,
		`userName co "o"`:               -400,
		`userName eq "o\u0022brien\\x"`: 1,
	} {
		st, _, b := providertest.Send(t, http.MethodGet, u+"/Users?filter="+url.QueryEscape(filter), h, "")
		if want < 0 {
			assert.Equal(t, -want, st, filter)
			assert.Equal(t, "invalidFilter", decode(t, b)["scimType"], filter)
			continue
		}
		require.Equal(t, http.StatusOK, st, filter)
		m := decode(t, b)
		assert.EqualValues(t, want, m["totalResults"], filter)
		assert.Equal(t, []any{urnList}, m["schemas"])
	}
}

// TestSimulatorPatch: the paths the client sends, a path-less replace, and
// what a strict server refuses.
func TestSimulatorPatch(t *testing.T) {
	s, u, h := simAt(t, "")
	st, _, b := providertest.Send(t, http.MethodPost, u+"/Users", h,
		`{"schemas":["`+urnUser+`"],"userName":"ann","emails":[{"value":"a@x.org","type":"work","primary":true}]}`)
	require.Equal(t, http.StatusCreated, st, string(b))
	id := decode(t, b)["id"].(string)
	patch := func(ops string) (int, map[string]any) {
		st, _, b := providertest.Send(t, http.MethodPatch, u+"/Users/"+id, h, `{"schemas":["`+urnPatchOp+`"],"Operations":`+ops+`}`)
		return st, decode(t, b)
	}
	st, m := patch(`[{"op":"replace","path":"emails","value":[{"value":"b@x.org","type":"work","primary":true}]},
		{"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 555"},
		{"op":"Replace","path":"` + urnEnterprise + `:manager","value":{"value":"m1"}},
		{"op":"replace","value":{"name":{"familyName":"Lee"},"active":false}}]`)
	require.Equal(t, http.StatusOK, st, m)
	got, _ := s.Store.ByID(id)
	assert.Equal(t, "b@x.org", got.Fields["email"])
	assert.Equal(t, "+1 555", got.Fields["phone"])
	assert.Equal(t, "m1", got.Fields["manager"])
	assert.Equal(t, "Lee", got.Fields["familyName"])
	assert.Equal(t, false, got.Fields["active"])

	st, m = patch(`[{"op":"replace","path":"nickName","value":"x"}]`)
	assert.Equal(t, 400, st)
	assert.Equal(t, "invalidPath", m["scimType"])
	st, m = patch(`[{"op":"remove","path":"title"}]`)
	assert.Equal(t, 400, st, m)
	st, _ = patch(`[]`)
	assert.Equal(t, 400, st)
}
