package vendorfile_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
)

// TestBaseURLFromCredential: a base_url that is one declared credential
// is the registration's BaseURLEnv (a setting --base-url overrides), not
// a credential every run needs; a base_url that only holds one is not.
func TestBaseURLFromCredential(t *testing.T) {
	b, err := os.ReadFile("testdata/small.yaml")
	require.NoError(t, err)
	src := strings.Replace(strings.Replace(string(b), "id: acme\n", "id: acme-url\n", 1),
		"base_url: https://api.acme.example/v1\n", "base_url: \"${env.ACME_URL}\"\n", 1)
	src = strings.Replace(src, "  - {env: ACME_TOKEN, what: the API token}\n",
		"  - {env: ACME_TOKEN, what: the API token}\n  - {env: ACME_URL, what: the account's API root}\n", 1)
	v, err := vendorfile.Parse("url.yaml", []byte(src))
	require.NoError(t, err)
	assert.Equal(t, "ACME_URL", v.BaseURLEnv())
	assert.Equal(t, "ACME_TOKEN", v.BearerEnv())
	reg := v.Registration()
	assert.Equal(t, "ACME_URL", reg.BaseURLEnv)
	assert.Equal(t, []string{"ACME_TOKEN"}, reg.Credentials)
	assert.Empty(t, reg.DefaultBaseURL)

	_, err = reg.New(providers.Config{BaseURL: "https://eu.acme.example/v1", Credentials: map[string]string{"ACME_TOKEN": "t"}})
	require.NoError(t, err, "--base-url stands in for ACME_URL")
	_, err = reg.New(providers.Config{Credentials: map[string]string{"ACME_TOKEN": "t", "ACME_URL": "https://eu.acme.example/v1"}})
	require.NoError(t, err, "or ACME_URL itself")
	_, err = reg.New(providers.Config{Credentials: map[string]string{"ACME_TOKEN": "t"}})
	require.ErrorContains(t, err, "ACME_URL is not set (the account's API root)")

	partial := strings.Replace(src, `base_url: "${env.ACME_URL}"`, `base_url: "https://${env.ACME_URL}.acme.example"`, 1)
	v, err = vendorfile.Parse("partial.yaml", []byte(partial))
	require.NoError(t, err)
	assert.Empty(t, v.BaseURLEnv(), "a host made from a credential is no base URL setting")
	assert.Equal(t, []string{"ACME_TOKEN", "ACME_URL"}, v.Registration().Credentials)
}
