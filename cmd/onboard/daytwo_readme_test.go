package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
)

// readmeShBlock returns the lines of the first ```sh block under heading in
// the README.
func readmeShBlock(t *testing.T, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	require.True(t, ok, "the README has no %q", heading)
	_, block, ok := strings.Cut(section, "```sh\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	return strings.Split(strings.TrimSpace(block), "\n")
}

func statusCount(rows [][]string) map[string]int {
	n := map[string]int{}
	for _, s := range column(rows, "status") {
		n[s]++
	}
	return n
}

// rowOf is the results row whose roster cells hold email.
func rowOf(t *testing.T, rows [][]string, email string) map[string]string {
	t.Helper()
	for _, r := range rows[1:] {
		for _, c := range r {
			if strings.EqualFold(c, email) {
				m := map[string]string{}
				for i, h := range rows[0] {
					m[h] = r[i]
				}
				return m
			}
		}
	}
	t.Fatalf("no row for %s", email)
	return nil
}

// The README's "Try day two with --simulate" walked as written: its
// commands, in order, against --simulate, each asserting what the README
// says happens (issue 18: every --simulate run was a new vendor, so day
// two could not be tried).
func TestReadmeDayTwoWalk(t *testing.T) {
	lines := readmeShBlock(t, "### Try day two with `--simulate`")
	dir := t.TempDir()
	for _, name := range []string{"roster.csv", "roster-day2.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "samples", "smartapp", name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "samples", "smartapp"), 0o750))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "samples", "smartapp", name), b, 0o600))
	}
	t.Chdir(dir)

	var runs [][]string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "mkdir "):
			require.NoError(t, os.Mkdir(strings.TrimPrefix(l, "mkdir "), 0o750))
		case strings.HasPrefix(l, "onboard "):
			runs = append(runs, strings.Fields(l)[1:])
		case strings.HasPrefix(l, "#"):
			runs = append(runs, nil) // the person's step between runs
		default:
			t.Fatalf("a line the walk does not know: %q", l)
		}
	}
	require.Len(t, runs, 6, "four runs, a plan, and the fix before the last run: %q", lines)
	require.Nil(t, runs[4], "the fix comes before the fix file's run")

	// 1. Day one.
	code, _, stderr := onboard(t, runs[0]...)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, map[string]int{"created": 6, "invalid": 4, "failed": 1}, statusCount(readCSV(t, "day-two/results-1.csv")))
	assert.Len(t, readCSV(t, "day-two/fix.csv"), 1+5)
	assert.FileExists(t, "day-two/state.simulated-smartapp.gob")
	info, err := os.Stat("day-two/state.simulated-smartapp.gob")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the simulated vendor's people are personal data")

	// 2. plan: what day two's file would do, against the same vendor;
	// it writes nothing, the simulated vendor's file included.
	kept, err := os.ReadFile("day-two/state.simulated-smartapp.gob")
	require.NoError(t, err)
	require.Equal(t, "plan", runs[1][0])
	code, stdout, stderr := onboard(t, runs[1]...)
	assert.Equal(t, 1, code, stderr)
	for _, l := range []string{"create             2", "already_onboarded  4", "changed            1", "invalid            4"} {
		assert.Contains(t, stdout, "  "+l+"\n")
	}
	after, err := os.ReadFile("day-two/state.simulated-smartapp.gob")
	require.NoError(t, err)
	assert.Equal(t, kept, after, "plan writes nothing")

	// 3. Day two: the same simulated vendor, so the known are skipped.
	code, _, stderr = onboard(t, runs[2]...)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "with the 6 people kept in day-two/state.simulated-smartapp.gob")
	rows := readCSV(t, "day-two/results-2.csv")
	assert.Equal(t, map[string]int{"skipped": 5, "created": 1, "invalid": 4, "failed": 1}, statusCount(rows))
	assert.Equal(t, "ALREADY_ONBOARDED", rowOf(t, rows, "mgonzalez@smartapp.com")["error_code"])
	assert.Contains(t, rowOf(t, rows, "mgonzalez@smartapp.com")["message"], "changed since run 1: phone")
	assert.Equal(t, "created", rowOf(t, rows, "ostone@smartapp.com")["status"])
	missing := readCSV(t, "day-two/results-2-missing.csv")
	require.Len(t, missing, 2, "%v", missing)
	assert.Equal(t, "email:nkim@smartapp.com", missing[1][0])

	// 4. --update sends Maria's new phone to the vendor that has her.
	code, _, stderr = onboard(t, runs[3]...)
	assert.Equal(t, 1, code, stderr)
	rows = readCSV(t, "day-two/results-3.csv")
	maria := rowOf(t, rows, "mgonzalez@smartapp.com")
	assert.Equal(t, "updated", maria["status"])
	assert.Equal(t, "updated: phone", maria["message"])
	b, err := os.ReadFile("day-two/state.simulated-smartapp.gob")
	require.NoError(t, err)
	vendor := sim.NewStore()
	require.NoError(t, vendor.Load(bytes.NewReader(b)))
	var phone any
	for _, u := range vendor.Users() {
		if u.Fields["email"] == "mgonzalez@smartapp.com" {
			phone = u.Fields["phone"]
		}
	}
	assert.Equal(t, "555-123-9999", phone, "the vendor has Maria's new phone")
	assert.Equal(t, 7, vendor.Len(), "6 on day one, Olivia on day two")

	// The person's step: the fix the comment names.
	fix, err := os.ReadFile("day-two/fix.csv")
	require.NoError(t, err)
	fixed := strings.Replace(string(fix), "E1006,Lena,Fischer,,", "E1006,Lena,Fischer,lfischer@globex.example,", 1)
	fixed = strings.Replace(fixed, ",jwu@acmecorp,", ",jwu@acmecorp.example,", 1)
	require.NotEqual(t, string(fix), fixed)
	require.NoError(t, os.WriteFile("day-two/fix.csv", []byte(fixed), 0o600))

	// 5. The fix file run back.
	code, _, stderr = onboard(t, runs[5]...)
	assert.Equal(t, 1, code, stderr)
	rows = readCSV(t, "day-two/results-4.csv")
	assert.Equal(t, "created", rowOf(t, rows, "lfischer@globex.example")["status"])
	assert.Equal(t, "created", rowOf(t, rows, "jwu@acmecorp.example")["status"])
	assert.Equal(t, "invalid", rowOf(t, rows, "sokafor@globex.example")["status"], "Sam's licence type is still to fix")
	assert.Equal(t, "failed", rowOf(t, rows, "abello@acmecorp.example")["status"], "Aisha's location is still to fix")
	assert.Equal(t, "", rowOf(t, rows, "lfischer@globex.example")["onboard_error"], "the earlier reason is not today's")
	caleb := rowOf(t, rows, "CCarr@smartapp.com")
	assert.Equal(t, "skipped", caleb["status"], "the day-one duplicate names the same person")
	assert.Contains(t, caleb["message"], "changed since run 1: email, groups")
	_, err = os.Stat("day-two/results-4-missing.csv")
	assert.ErrorIs(t, err, os.ErrNotExist, "a fix file lists nobody missing")
	fix2, err := os.ReadFile("day-two/fix-2.csv")
	require.NoError(t, err)
	assert.Contains(t, string(fix2), "sokafor@globex.example")
	assert.Contains(t, string(fix2), "abello@acmecorp.example")
}
