package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
)

// TestEquivalence: SCIM's contract (fields, aliases, key, credentials,
// base URL) moved from Go to vendor.yaml while its wire stays the Go
// protocol scim2; the golden, recorded before the move, proves every
// sample row maps, is sent, is looked up and updated, and every answer is
// read as before.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, ID, providertest.WireSetup{
		OK:       scimAnswer(201, `{"schemas":["`+urnUser+`"],"id":"2819c223","userName":"ann.lee@example.com"}`),
		Creds:    map[string]string{EnvToken: "tok-123"},
		UpdateID: "2819c223",
		Cases: []providertest.EquivalenceCase{
			{Name: "409 uniqueness", Answer: scimAnswer(409, `{"schemas":["`+urnError+`"],"status":"409","scimType":"uniqueness","detail":"userName is already taken"}`)},
			{Name: "409 bare", Answer: scimAnswer(409, `{"detail":"User already exists in the database."}`)},
			{Name: "409 email", Answer: scimAnswer(409, `{"scimType":"uniqueness","detail":"Email ann@x.org already in use by another account."}`)},
			{Name: "400 uniqueness", Answer: scimAnswer(400, `{"scimType":"uniqueness","detail":"duplicate"}`)},
			{Name: "400 invalidValue", Answer: scimAnswer(400, `{"scimType":"invalidValue","detail":"Attribute 'name.givenName' is required"}`)},
			{Name: "401 SCIM", Answer: scimAnswer(401, `{"detail":"Token expired"}`)},
			{Name: "401 HTML", Answer: providertest.Answer{Status: 401, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html><body><h1>401 Authorization Required</h1></body></html>"}},
			{Name: "403", Answer: scimAnswer(403, `{"detail":"missing scope scim:write"}`)},
			{Name: "404", Answer: scimAnswer(404, `{"detail":"Not Found"}`)},
			{Name: "429", Answer: providertest.Answer{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"detail":"slow down"}`}},
			{Name: "503", Answer: providertest.Answer{Status: 503, Header: map[string]string{"Retry-After": "3"}, Body: "maintenance"}},
			{Name: "201 without id", Answer: scimAnswer(201, `{"userName":"ann"}`)},
		},
		LookupCases: []providertest.EquivalenceCase{
			{Name: "found", Answer: scimAnswer(200, listOf(1, 1, "u7", "ANN.LEE@example.com"))},
			{Name: "nobody", Answer: scimAnswer(200, listOf(0, 1))},
			{Name: "400 invalidFilter", Answer: scimAnswer(400, `{"scimType":"invalidFilter","detail":"no filters"}`)},
			{Name: "404", Answer: scimAnswer(404, `{"detail":"no such user"}`)},
			{Name: "patch unsupported", Answer: scimAnswer(200, `{"patch":{"supported":false},"filter":{"supported":false}}`)},
		},
	})
}

// TestRegistrationEquivalence: what the registry says of SCIM beyond the
// wire (the listing, the credentials, the base URL's setting, the
// simulator's modes) is what the Go registration said.
func TestRegistrationEquivalence(t *testing.T) {
	reg, err := providers.Lookup(ID)
	require.NoError(t, err)
	assert.Equal(t, "SCIM 2.0 service provider", reg.Title)
	assert.Equal(t, "RFC 7643, RFC 7644", reg.DocFile)
	assert.Equal(t, []string{EnvToken}, reg.Credentials)
	assert.Equal(t, EnvBaseURL, reg.BaseURLEnv)
	assert.Empty(t, reg.DefaultBaseURL)
	assert.Equal(t, Modes, reg.SimModes)
	assert.Nil(t, reg.Tenant, "the state store is scoped by the base URL")
	assert.Zero(t, reg.Rate)
}
