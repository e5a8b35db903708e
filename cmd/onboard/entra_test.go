package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboard/onboard/samples/realfiles"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realFile is a file from ../shared/real-files beside the checkout (not
// part of the project); the test skips, saying why, when it is absent.
func realFile(t *testing.T, name string) string {
	t.Helper()
	dir, why := realfiles.Dir()
	if dir == "" {
		t.Skip(why)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/real-files/%s is absent (it is not part of the project; the test needs it beside the checkout)", name)
	}
	return p
}

// An Entra bulk-create export: the error for a header onboard cannot map
// names the columns it found, and the template's "Example:" row is
// refused, never onboarded as a person (issue 18).
func TestEntraExport(t *testing.T) {
	entra := realFile(t, "azure-entra-bulkcreate-kabene.csv")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", entra)
	assert.Equal(t, 2, code)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %s", stderr)
	assert.Contains(t, stderr, `the file's columns: "Name [displayName] Required", "User name [userPrincipalName] Required", `+
		`"Initial password [passwordProfile] Required", "Block sign in (Yes/No) [accountEnabled] Required", "First name [givenName]"`)

	mapping := write(t, "map.yaml", "columns:\n  User name [userPrincipalName] Required: email\n  First name [givenName]: firstName\n"+
		"  Last name [surname]: lastName\n  Office phone [telephoneNumber]: phone\n"+
		"constants:\n  companyName: kabene.example\n  companyLocationName: headquarters\n")
	report := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", "-m", mapping, "-o", report, entra)
	assert.Equal(t, 1, code, stderr)
	rows := readCSV(t, report)
	require.Greater(t, len(rows), 3)
	assert.Equal(t, []string{"3", "invalid", "INVALID_VALUE"}, rows[1][:3], "row 3 is the example row")
	assert.Contains(t, rows[1][4], `this is the export's example row ("Example: Chris Green"), not a person: delete the row`)
	for _, r := range rows[2:] {
		assert.NotContains(t, r[4], "example row", "only the example row: %v", r[:5])
	}
	assert.Equal(t, "valid", rows[2][1], "the first person after it: %v", rows[2][:5])
}
