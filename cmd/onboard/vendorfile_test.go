package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestOwnVendorFile is a vendor made by copying a built-in file and
// changing its id and path: checked, described, run, rehearsed in the
// demo and found in a vendors folder, with no Go build.
func TestOwnVendorFile(t *testing.T) {
	b, err := os.ReadFile("../../providers/alphalearn/vendor.yaml")
	require.NoError(t, err)
	src := strings.Replace(strings.Replace(string(b), "id: alphalearn", "id: acme-cmd", 1), "path: /user/create", "path: /api/people", 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "acme.yaml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))

	t.Run("check good", func(t *testing.T) {
		code, out, stderr := onboard(t, "providers", "--check", file)
		assert.Equal(t, 0, code, stderr)
		assert.Empty(t, out+stderr)
	})
	t.Run("check bad", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(strings.Replace(src, "key: [email]", "kee: [email]", 1),
			"pattern: '^[0-9]{6,15}$'", "pattern: '^(?!0)[0-9]{6,15}$'", 1)), 0o600))
		code, out, stderr := onboard(t, "providers", "--check", bad)
		assert.Equal(t, 2, code)
		assert.Empty(t, out)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		require.Len(t, lines, 2, stderr)
		assert.Regexp(t, `^.*bad\.yaml:\d+:1: unknown key kee \(did you mean key\?\)$`, lines[0])
		assert.Regexp(t, `^.*bad\.yaml:\d+:\d+: field mobile: pattern does not compile in Go`, lines[1])
		// The same file given as -p never reaches the network.
		code, _, stderr = onboard(t, "validate", "-p", bad, "../../samples/alphalearn/roster.csv")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "unknown key kee")
	})
	t.Run("describe", func(t *testing.T) {
		code, out, stderr := onboard(t, "providers", file)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "acme-cmd: AlphaLearn LMS user create")
		assert.Contains(t, out, "userCanChoosePassword")
	})
	t.Run("run simulated", func(t *testing.T) {
		res := filepath.Join(t.TempDir(), "r.csv")
		code, _, stderr := onboard(t, "run", "-p", file, "--simulate", "--no-state", "-o", res, "../../samples/alphalearn/roster.csv")
		require.Equal(t, 1, code, stderr) // the sample's bad rows
		assert.Contains(t, stderr, "simulating acme-cmd")
		assert.Contains(t, stderr, "5 created")
		rows := readCSV(t, res)
		assert.Equal(t, []string{"created", "created", "created", "created", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid", "created"}, column(rows, "status"))
	})
	t.Run("file limits set the rate", func(t *testing.T) {
		limited := filepath.Join(t.TempDir(), "limited.yaml")
		require.NoError(t, os.WriteFile(limited, []byte(strings.Replace(strings.Replace(src, "id: acme-cmd", "id: acme-limited", 1),
			"key: [email]", "key: [email]\nlimits: {requests_per_second: 50, burst: 2}", 1)), 0o600))
		setting := func(args ...string) map[string]string {
			res := filepath.Join(t.TempDir(), "r.xlsx")
			code, _, stderr := onboard(t, append([]string{"run", "-p", limited, "--simulate", "--no-state", "-q", "-o", res}, append(args, "../../samples/alphalearn/roster.csv")...)...)
			require.Equal(t, 1, code, stderr)
			x, err := excelize.OpenFile(res)
			require.NoError(t, err)
			defer x.Close()
			rows, err := x.GetRows("Summary")
			require.NoError(t, err)
			out := map[string]string{}
			for _, r := range rows {
				if len(r) >= 2 {
					out[r[0]] = r[1]
				}
			}
			return out
		}
		code, out, stderr := onboard(t, "providers", limited)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "documented rate: 50 requests/s, burst 2")
		got := setting()
		assert.Equal(t, "50", got["rate"], got)
		assert.Equal(t, "2", got["burst"])
		assert.Equal(t, "7", setting("--rate", "7")["rate"], "--rate wins over the file")
	})
	t.Run("demo", func(t *testing.T) {
		res := filepath.Join(t.TempDir(), "d.csv")
		code, _, stderr := onboard(t, "demo", "-p", file, "-o", res)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, []string{"created", "created", "created", "created", "created"}, column(readCSV(t, res), "status"))
	})
	t.Run("template", func(t *testing.T) {
		res := filepath.Join(t.TempDir(), "t.csv")
		code, _, stderr := onboard(t, "template", "-p", file, "-o", res)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, readCSV(t, res)[0], "userCanChoosePassword")
	})
	t.Run("vendors folder", func(t *testing.T) {
		code, out, stderr := onboard(t, "--vendors", dir, "providers")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "acme-cmd")
		code, _, stderr = onboard(t, "--vendors", t.TempDir()+"/none", "providers")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "vendors folder")
	})
}
