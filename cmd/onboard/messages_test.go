package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got, "differs from %s (go test -update rewrites it)", path)
}

// Mistyped command lines get onboard's own words, one line, exit 2: what
// was wrong, a did-you-mean when one is close, and the --help to read.
func TestUsageMessagesGolden(t *testing.T) {
	roster := write(t, "r.csv", smartappGood)
	lines := [][]string{
		{"validate"},
		{"validate", "-p", "smartapp", "a.csv", "b.csv"},
		{"validate", "-p", "smartap", roster},
		{"validate", "-p", "Nope", roster},
		{"run", roster},
		{"run", "-p", "smartapp", roster},
		{"run", "-p", "smartapp", "-o", "r.csv", "--rate", "abc", roster},
		{"run", "-p", "smartapp", "-o", "r.csv", "--workers", "four", roster},
		{"run", "-p", "smartapp", "-o", "r.csv", "--rat", "3", roster},
		{"run", "-p", "smartapp", "-o", "r.csv", "-rate", "3", roster},
		{"run", "-p", "smartapp", "-o", "r.csv", "--out", "x.csv", roster},
		{"run", "-p", "smartapp", "-o"},
		{"run", "-p", "smartapp", "-o", "r.csv", "-z", roster},
		{"simulate", "-p", "smartapp", "--latency", "5"},
		{"template", "-p", "smartapp", "out.xlsx"},
		{"lookup"},
		{"providers", "a", "b"},
		{"valdate", roster},
		{"frob"},
	}
	var b strings.Builder
	for _, args := range lines {
		code, stdout, stderr := onboard(t, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Empty(t, stdout, "%v", args)
		msg := strings.ReplaceAll(stderr, roster, "ROSTER")
		assert.Equal(t, 1, strings.Count(msg, "\n"), "one line: %q", msg)
		for _, bad := range []string{"strconv", "arg(s)", "schema.", "shorthand", "flag(s)"} {
			assert.NotContains(t, msg, bad, "%v", args)
		}
		fmt.Fprintf(&b, "$ onboard %s\n%s", strings.ReplaceAll(strings.Join(args, " "), roster, "ROSTER"), msg)
	}
	checkGolden(t, "usage.golden", b.String())
}

func TestProviderIDIgnoresCase(t *testing.T) {
	code, _, stderr := onboard(t, "validate", "-q", "-p", "SmartApp", write(t, "r.csv", smartappGood))
	assert.Equal(t, 0, code, stderr)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, _ := onboard(t, args...)
		require.Equal(t, 0, code)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3, out)
		assert.Regexp(t, `^onboard \S+$`, lines[0])
		assert.Regexp(t, `^commit \S+`, lines[1])
		assert.Regexp(t, `^built with go1\.\d+`, lines[2])
	}
	version, commit = "v9.9.9", "abcdef123456"
	t.Cleanup(func() { version, commit = "", "" })
	assert.Contains(t, versionText(), "onboard v9.9.9\ncommit abcdef123456")
}

func TestNoBOMFlag(t *testing.T) {
	roster := write(t, "r.csv", smartappGood)
	for _, noBOM := range []bool{false, true} {
		dir := t.TempDir()
		report, results := filepath.Join(dir, "report.csv"), filepath.Join(dir, "results.csv")
		extra := []string{}
		if noBOM {
			extra = append(extra, "--no-bom")
		}
		code, _, stderr := onboard(t, append([]string{"validate", "-q", "-p", "smartapp", "-o", report, roster}, extra...)...)
		require.Equal(t, 0, code, stderr)
		code, _, stderr = onboard(t, append([]string{"run", "-q", "-p", "smartapp", "--simulate", "--no-state", "-o", results, roster}, extra...)...)
		require.Equal(t, 0, code, stderr)
		for _, p := range []string{report, results} {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, !noBOM, strings.HasPrefix(string(b), "\ufeffrow,status,"), "%s --no-bom=%v", p, noBOM)
		}
	}
}
