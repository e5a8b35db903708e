package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers/sim"
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

func TestCredentialMessages(t *testing.T) {
	roster := write(t, "r.csv", smartappGood)
	out := filepath.Join(t.TempDir(), "results.csv")
	t.Setenv("ONBOARD_TOKEN", "")

	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--no-state", "-o", out, roster)
	assert.Equal(t, 2, code)
	assert.Equal(t, "onboard: smartapp: ONBOARD_TOKEN is not set (the API token); "+
		"export ONBOARD_TOKEN=… or put it in a --config FILE of KEY=VALUE lines\n", stderr, "one vendor prefix, the next step")

	conf := write(t, "creds.env", "# typo\nONBOARD_TOKN=abc\n")
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--no-state", "--config", conf, "-o", out, roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "warning: config file "+conf+": line 2: unknown key ONBOARD_TOKN (did you mean ONBOARD_TOKEN?)")
	assert.Contains(t, stderr, "add ONBOARD_TOKEN=… to "+conf)
	assert.NotContains(t, stderr, "abc", "never a value")

	code, _, stderr = onboard(t, "run", "-q", "-p", "bksb", "--no-state", "-o", out,
		write(t, "b.csv", "Username,First Name,Surname\nalee,Ann,Lee\n"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "export ONBOARD_KEY_ID=… ONBOARD_SECRET=… or put them in a --config FILE")
	assert.Equal(t, 1, strings.Count(stderr, "bksb:"), stderr)
}

// An auth failure names the credential and where it came from, never its
// value; a stop says how to go on.
func TestAuthFailureNamesTheSource(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	roster := write(t, "r.csv", smartappGood)
	out := filepath.Join(t.TempDir(), "results.csv")

	t.Setenv("ONBOARD_TOKEN", "wrong-token")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "--workers", "1", "-o", out, roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "The vendor refused ONBOARD_TOKEN (from the environment). Run the same command again when the cause is fixed")
	assert.NotContains(t, stderr, "wrong-token")

	t.Setenv("ONBOARD_TOKEN", "")
	conf := write(t, "creds.env", "ONBOARD_TOKEN=also-wrong\n")
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "--workers", "1", "--config", conf, "-o", out, roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "The vendor refused ONBOARD_TOKEN (from "+conf+")")
	assert.NotContains(t, stderr, "also-wrong")
}

func TestStopSaysRunAgain(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{Licences: 1})
	dir := t.TempDir()
	roster := write(t, "r.csv", smartappGood+"Noah,Kim,nkim@smartapp.com,smartapp.com,headquarters,\n")
	args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--workers", "1", "-o", filepath.Join(dir, "r.csv")}
	code, _, stderr := onboard(t, append(args, "--state", filepath.Join(dir, "s.db"), roster)...)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "LICENSE_EXHAUSTED")
	assert.Contains(t, stderr, "Run the same command again: the 1 created will be skipped\n")

	code, _, stderr = onboard(t, append(args, "--no-state", roster)...)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "Run the same command again when the cause is fixed", "licences are used up: none created")
}

func TestValidateSaysWhereTheReportWent(t *testing.T) {
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Cost Centre,Badge\nA,B,a@b.co,smartapp.com,headquarters,CC1,7\n")
	report := filepath.Join(t.TempDir(), "report.xlsx")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", report, roster)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "report written to "+report+"\n")
	assert.Equal(t, 1, strings.Count(stderr, "note: 2 columns are not sent (\"Cost Centre\", \"Badge\"): to send one in smartapp's metadata, list it in the mapping file, e.g. metadata: [Cost Centre]\n"), stderr)
	assert.NotContains(t, stderr, "warning:")
	x, err := excelize.OpenFile(report)
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows("Summary")
	require.NoError(t, err)
	var flat []string
	for _, r := range rows {
		flat = append(flat, strings.Join(r, "|"))
	}
	assert.Contains(t, flat, "Notices")
	assert.Contains(t, flat, `2 columns are not sent ("Cost Centre", "Badge"): to send one in smartapp's metadata, list it in the mapping file, e.g. metadata: [Cost Centre]`)

	for _, args := range [][]string{
		{"validate", "-p", "smartapp", "-o", "/nonexistent/reports/report.xlsx", roster},
		{"run", "-p", "smartapp", "--simulate", "-o", "/nonexistent/reports/results.csv", roster},
		{"template", "-p", "smartapp", "-o", "/nonexistent/reports/t.xlsx"},
	} {
		code, _, stderr = onboard(t, args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "the folder /nonexistent/reports does not exist", args)
	}
}

// A template filled in as a person would (values typed into its cells)
// validates: the "(required)" headers map back to their fields, and a
// phone typed with a leading zero into its Text column keeps it.
func TestFilledTemplateValidates(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "smartapp.xlsx")
	code, _, stderr := onboard(t, "template", "-p", "smartapp", "-o", tpl)
	require.Equal(t, 0, code, stderr)

	code, _, stderr = onboard(t, "template", "-p", "smartapp", "-o", tpl)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "exists: it may be a filled-in roster; use --force to overwrite it")
	code, _, stderr = onboard(t, "template", "-p", "smartapp", "-o", tpl, "--force")
	require.Equal(t, 0, code, stderr)

	x, err := excelize.OpenFile(tpl)
	require.NoError(t, err)
	header, err := x.GetRows("Roster")
	require.NoError(t, err)
	values := map[string]string{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com",
		"companyName": "smartapp.com", "companyLocationName": "headquarters", "phone": "0123456789"}
	for i, h := range header[0] {
		name, _, _ := strings.Cut(h, " (required)")
		if v, ok := values[name]; ok {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			require.NoError(t, x.SetCellStr("Roster", cell, v))
		}
	}
	assert.Contains(t, header[0], "email (required)")
	filled := filepath.Join(dir, "filled.xlsx")
	require.NoError(t, x.SaveAs(filled))
	require.NoError(t, x.Close())

	report := filepath.Join(dir, "report.csv")
	code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", "-o", report, filled)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "warning:")
	rows := readCSV(t, report)
	assert.Equal(t, []string{"valid"}, column(rows, "status"))
	assert.Equal(t, []string{"0123456789"}, column(rows, "phone"))
}

// providers and lookup fit 100 columns: the long parts go on indented,
// wrapped lines under a short table.
func TestLayoutFits100Columns(t *testing.T) {
	outputs := map[string]string{}
	code, out, _ := onboard(t, "providers")
	require.Equal(t, 0, code)
	outputs["providers"] = out
	assert.Regexp(t, `ispring .* ONBOARD_TOKEN\n\s+or ONBOARD_CLIENT_ID \+ ONBOARD_CLIENT_SECRET\n`, out)
	for _, id := range []string{"alphalearn", "bksb", "ispring", "smartapp", "smarterproctoring"} {
		code, out, _ := onboard(t, "providers", id)
		require.Equal(t, 0, code)
		outputs[id] = out
	}
	assert.Contains(t, outputs["ispring"], "\n    allowed: learner | administrator | department_administrator | publisher | custom\n")

	_, url := simulator(t, "smarterproctoring", sim.Options{})
	dir := t.TempDir()
	st := filepath.Join(dir, "state.db")
	roster := write(t, "r.csv", "firstName,lastName,email\nAnn,Lee,ann.lee@example.com\n")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smarterproctoring", "--base-url", url, "--state", st, "-o", filepath.Join(dir, "r.csv"), roster)
	require.Equal(t, 0, code, stderr)
	code, out, _ = onboard(t, "lookup", "--state", st, "ann.lee@example.com")
	require.Equal(t, 0, code)
	outputs["lookup"] = out
	assert.Regexp(t, `(?m)^\S*ann\.lee@example\.com\s+smarterproctoring\s+created\s+\S+\s+1$`, out)
	assert.Regexp(t, `\n    first seen .*, last seen .*\n    at http`, out)

	for name, out := range outputs {
		for _, line := range strings.Split(out, "\n") {
			assert.LessOrEqual(t, utf8.RuneCountInString(line), 100, "%s: %q", name, line)
		}
	}
}

// Only the columns metadata: lists reach Smartapp: an HR export's salary,
// race or date of birth is never sent because nobody mapped it, and the
// notice says how to send one (issue 18).
func TestRunSendsOnlyTheMetadataAskedFor(t *testing.T) {
	hr := "First Name,Last Name,E-mail,Company,Location,Employee ID,Cost Centre,Salary,Race,Marital Status,Date of Birth\n" +
		"Ann,Lee,alee@smartapp.com,smartapp.com,headquarters,E-7,CC-12,52000,Asian,married,1980-04-01\n"
	roster := write(t, "hr.csv", hr)
	for _, tc := range []struct {
		name, mapping string
		meta          map[string]any
		notes         []string
	}{
		{"no mapping", "", nil, []string{
			`note: 6 columns are not sent ("Employee ID", "Cost Centre", "Salary", "Race", "Marital Status", "Date of Birth"): to send one in smartapp's metadata, list it in the mapping file, e.g. metadata: [Employee ID]`}},
		{"allow-list", "metadata: [Employee ID, Cost Centre]\n", map[string]any{"Employee ID": "E-7", "Cost Centre": "CC-12"}, []string{
			`note: columns "Employee ID", "Cost Centre" go into smartapp's metadata (listed under metadata: in the mapping file)`,
			`note: 4 columns are not sent ("Salary", "Race", "Marital Status", "Date of Birth"): to send one in smartapp's metadata, list it in the mapping file, e.g. metadata: [Salary]`}},
		{"all named", "metadata: [Employee ID]\nignore: [Cost Centre, Salary, Race, Marital Status, Date of Birth]\n", map[string]any{"Employee ID": "E-7"}, []string{
			`note: column "Employee ID" goes into smartapp's metadata (listed under metadata: in the mapping file)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := simulator(t, "smartapp", sim.Options{})
			args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "-o", filepath.Join(t.TempDir(), "r.csv")}
			if tc.mapping != "" {
				args = append(args, "-m", write(t, "map.yaml", tc.mapping))
			}
			code, _, stderr := onboard(t, append(args, roster)...)
			require.Equal(t, 0, code, stderr)
			var notes []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(l, "note:") {
					notes = append(notes, l)
				}
			}
			assert.Equal(t, tc.notes, notes)
			assert.NotContains(t, stderr, "warning:")
			users := s.Store.Users()
			require.Len(t, users, 1)
			meta, _ := users[0].Fields["metadata"].(map[string]any)
			if tc.meta == nil {
				assert.Empty(t, meta)
			} else {
				assert.Equal(t, tc.meta, meta)
			}
			b, err := json.Marshal(users[0].Fields)
			require.NoError(t, err)
			for _, never := range []string{"52000", "Asian", "married", "1980"} {
				assert.NotContains(t, string(b), never)
			}
		})
	}
}
