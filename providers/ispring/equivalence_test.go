package ispring

import (
	"net/http"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

// TestEquivalence: iSpring's contract (schema, rules, key, credentials)
// moved from Go to vendor.yaml while its wire stays the Go protocol
// ispring_rest; the golden, recorded before the move, proves every
// sample row maps, is sent and is read as before.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, "ispring", providertest.WireSetup{
		OK:       providertest.Answer{Status: http.StatusCreated, Body: `"` + testUser + `"`},
		Creds:    map[string]string{EnvToken: testToken},
		UpdateID: testUser,
		Cases: []providertest.EquivalenceCase{
			{Name: "409", Answer: providertest.Answer{Status: 409, Body: `{"code":409,"message":"User with the same email is already registered."}`}},
			{Name: "400 groupIds", Answer: providertest.Answer{Status: 400, Body: `{"code":400,"message":"Invalid groupIds"}`}},
			{Name: "licences", Answer: providertest.Answer{Status: 403, Body: `{"code":403,"message":"The number of user accounts is exceeded"}`}},
			{Name: "401", Answer: providertest.Answer{Status: 401, Body: `{"code":401,"message":"Unauthorized"}`}},
		},
	})
}
