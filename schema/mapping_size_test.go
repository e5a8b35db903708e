package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bigMapping(n int, extra string) string {
	var b strings.Builder
	b.WriteString("columns:\n")
	for i := range n {
		fmt.Fprintf(&b, "  \"col %d\": email\n", i)
	}
	b.WriteString(extra)
	return b.String()
}

// A 40,000-key mapping loads whole (it took 5.5 s in yaml.v3's quadratic
// duplicate check; BenchmarkLoadMapping40k measures it), and a duplicate
// anywhere in it is still refused, naming both lines.
func TestLargeMappingLoadsAndRefusesDuplicates(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(p, []byte(bigMapping(40000, "defaults:\n  role: learner\n")), 0o600))
	m, err := LoadMapping(p)
	require.NoError(t, err)
	assert.Len(t, m.Columns, 40000)
	assert.Equal(t, "email", m.Columns["col 39999"])
	assert.Equal(t, "learner", m.Defaults["role"])

	require.NoError(t, os.WriteFile(p, []byte(bigMapping(1000, "  \"col 3\": login\n")), 0o600))
	_, err = LoadMapping(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `line 1002: mapping key "col 3" already defined at line 5`)

	require.NoError(t, os.WriteFile(p, []byte(bigMapping(1000, "colums:\n  a: b\n")), 0o600))
	_, err = LoadMapping(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown key \"colums\": did you mean columns?")
}

func TestMappingAndLookupSizesAreCapped(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := LoadMapping("/dev/zero")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")

	dir := t.TempDir()
	p := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(p, []byte("lookups:\n  role: /dev/zero\n"), 0o600))
	_, err = LoadMapping(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")

	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxMappingBytes+1)) // sparse: no disk used
	require.NoError(t, f.Close())
	_, err = LoadMapping(big)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than the 16 MiB allowed")
}

func BenchmarkLoadMapping40k(b *testing.B) {
	p := filepath.Join(b.TempDir(), "map.yaml")
	require.NoError(b, os.WriteFile(p, []byte(bigMapping(40000, "")), 0o600))
	for b.Loop() {
		if _, err := LoadMapping(p); err != nil {
			b.Fatal(err)
		}
	}
}

func bigValues(n int) string {
	var b strings.Builder
	b.WriteString("values:\n  role:\n")
	for i := range n {
		fmt.Fprintf(&b, "    \"title %d\": learner\n", i)
	}
	b.WriteString("  licenceType: {Full: LicencedUser}\n")
	return b.String()
}

// A value map is a mapping inside a mapping: a 40,000-entry one loads
// whole, each inner map intact (it took 2.1 s, yaml.v3 checking the inner
// keys pairwise; BenchmarkLoadValues40k), and a repeated roster value in
// it is still refused, naming both lines.
func TestLargeValueMapLoadsAndRefusesDuplicates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "map.yaml")
	require.NoError(t, os.WriteFile(p, []byte(bigValues(40000)), 0o600))
	m, err := LoadMapping(p)
	require.NoError(t, err)
	require.Len(t, m.Values["role"], 40000)
	assert.Equal(t, "learner", m.Values["role"]["title 39999"])
	assert.Equal(t, map[string]string{"Full": "LicencedUser"}, m.Values["licenceType"])

	require.NoError(t, os.WriteFile(p, []byte(bigValues(300)+"  role: {\"title 7\": admin}\n"), 0o600))
	_, err = LoadMapping(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `mapping key "role" already defined at line 2`)

	require.NoError(t, os.WriteFile(p, []byte("values:\n  role:\n    a: learner\n    a: admin\n"), 0o600))
	_, err = LoadMapping(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `line 4: mapping key "a" already defined at line 3`)
}

func BenchmarkLoadValues40k(b *testing.B) {
	p := filepath.Join(b.TempDir(), "map.yaml")
	require.NoError(b, os.WriteFile(p, []byte(bigValues(40000)), 0o600))
	for b.Loop() {
		if _, err := LoadMapping(p); err != nil {
			b.Fatal(err)
		}
	}
}
