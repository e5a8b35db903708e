package ispring

import (
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

const (
	testToken = "test-token-9c2e"
	testDept  = "8a4f1c2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"
	testDept2 = "9b5a2d3f-6c7e-4f8a-8b1c-2d3e4f5a6b7c"
	testGroup = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	testRole  = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	testRole2 = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
	testUser  = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
)

// ctx bounds a test's requests.
var ctx = providertest.Context

// tokenClient is a client with a ready token.
func tokenClient(t *testing.T, base string) *Client {
	t.Helper()
	return providertest.NewClient[*Client](t, New, base, map[string]string{EnvToken: testToken})
}
