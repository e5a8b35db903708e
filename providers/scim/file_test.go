package scim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/vendorfile"
)

// TestFileChecks: a copy of vendor.yaml that asks scim2 for what its wire
// cannot do is refused by the checker, at the line that says it.
func TestFileChecks(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"a field the User has not", "  - name: manager\n", "  - name: nickName\n",
			"copy.yaml:94:11: field nickName: protocol scim2 cannot send it"},
		{"another key", "key: [userName]", "key: [email]",
			"copy.yaml:18:11: protocol scim2: key must be [userName] (the lookup filters on userName eq …), not [email]"},
		{"userName optional", "    required: true\n    description: the unique identifier", "    description: the unique identifier",
			"copy.yaml:18:11: protocol scim2: the field userName must be defined and required: true"},
		{"basic auth", `auth: {type: bearer, token: "${env.ONBOARD_SCIM_TOKEN}"}`, `auth: {type: basic, user: "${env.ONBOARD_SCIM_TOKEN}", password: x}`,
			`copy.yaml:18:11: protocol scim2: want auth: {type: bearer, token: "${env.NAME}"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, string(vendorFile), tc.from)
			_, err := vendorfile.Parse("copy.yaml", []byte(strings.Replace(string(vendorFile), tc.from, tc.to, 1)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	v, err := vendorfile.Parse("copy.yaml", []byte(strings.Replace(string(vendorFile), "id: scim\n", "id: acme-scim\n", 1)))
	require.NoError(t, err, "a copy with its own id is fine")
	assert.Equal(t, EnvBaseURL, v.BaseURLEnv())
	assert.Equal(t, EnvToken, v.BearerEnv())
}
