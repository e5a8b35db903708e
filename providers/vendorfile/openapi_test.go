package vendorfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specsDir is ../shared/vendor-specs beside the checkout (tests run in
// providers/vendorfile); the test skips, saying why, when it is absent.
func specsDir(t *testing.T) string {
	t.Helper()
	specs := filepath.Join("..", "..", "..", "shared", "vendor-specs")
	if _, err := os.Stat(filepath.Join(specs, "ispring-learn-rest-openapi3.yaml")); err != nil {
		t.Skip("../shared/vendor-specs is absent (it is not part of the project; the test needs it beside the checkout)")
	}
	return specs
}

func TestFromOpenAPIiSpring(t *testing.T) {
	b, err := FromOpenAPI(filepath.Join(specsDir(t), "ispring-learn-rest-openapi3.yaml"), "AddUser")
	require.NoError(t, err)
	v, err := Parse("ispring.yaml", b)
	require.NoError(t, err, "the starting file passes the checker:\n%s", b)
	for _, name := range []string{"departmentId", "login", "email"} {
		f := v.Schema.Field(name)
		require.NotNil(t, f, name)
		assert.True(t, f.Required, name)
	}
	assert.False(t, v.Schema.Field("password").Required)
	assert.Nil(t, v.Schema.Field("additionalProperties"), "a property named additionalProperties is no field")
	assert.Equal(t, pointer{"fields", "login"}, v.paths["login"])
	assert.Equal(t, "bearer", v.auth.kind)
	assert.Equal(t, "https://api-learn.ispring.com", v.BaseURL)
	assert.Nil(t, v.create.createdID, "the answer is the bare ID")
	src := string(b)
	for _, todo := range []string{"# TODO: the vendor's error table", "# TODO find:", "# TODO rules:", "TODO: the vendor's unique key"} {
		assert.Contains(t, src, todo)
	}
}

func TestFromOpenAPISmarterProctoring(t *testing.T) {
	b, err := FromOpenAPI(filepath.Join(specsDir(t), "smarterproctoring-provision-openapi3.json"), "postV2InstallsInstallsidProvision")
	require.NoError(t, err)
	v, err := Parse("sp.yaml", b)
	require.NoError(t, err, "the starting file passes the checker:\n%s", b)
	assert.Equal(t, "header", v.auth.kind)
	assert.Contains(t, string(b), `path: "/v2/installs/${env.ONBOARD_INSTALL_SID}/provision"`)
	assert.Contains(t, string(b), `tenant: "${env.ONBOARD_INSTALL_SID}"`)
	assert.Contains(t, string(b), `^AI[a-f0-9]{32}$`)

	_, err = FromOpenAPI(filepath.Join(specsDir(t), "smarterproctoring-provision-openapi3.json"), "postV2InstallsInstallsidProvison")
	require.ErrorContains(t, err, `no operation "postV2InstallsInstallsidProvison" (did you mean postV2InstallsInstallsidProvision?)`)
	_, err = FromOpenAPI(filepath.Join(t.TempDir(), "none.yaml"), "x")
	require.Error(t, err)
	assert.False(t, strings.Contains(err.Error(), "panic"))
}
