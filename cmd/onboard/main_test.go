package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// onboard runs the command line in-process and returns its exit code,
// stdout and stderr.
func onboard(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// readCSV reads an output CSV, without the UTF-8 BOM the reports and
// results start with.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	require.NoError(t, err)
	return rows
}

// column returns the values of the named column, header excluded.
func column(rows [][]string, name string) []string {
	i := -1
	for j, h := range rows[0] {
		if h == name {
			i = j
		}
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

const smartappGood = `First Name,Last Name,E-mail,Company,Location,Password
Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters,Secret123!
Maria,Gonzalez,mgonzalez@smartapp.com,smartapp.com,headquarters,
`

func TestValidateExitCodes(t *testing.T) {
	bad := smartappGood + "Sam,Okafor,sokafor@globex,Globex,headquarters,\n"
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"all valid", []string{"validate", "-p", "smartapp", write(t, "good.csv", smartappGood)}, 0, "2 valid, 0 invalid"},
		{"some invalid", []string{"validate", "-p", "smartapp", write(t, "bad.csv", bad)}, 1, "1 invalid"},
		{"not a roster", []string{"validate", "-p", "smartapp", write(t, "x.csv", "\x00\x01\x02PK junk\x00")}, 2, "not a CSV or XLSX file"},
		{"empty file", []string{"validate", "-p", "smartapp", write(t, "e.csv", "")}, 2, "file is empty"},
		{"header only", []string{"validate", "-p", "smartapp", write(t, "h.csv", "First Name,Last Name\n")}, 2, "no data rows"},
		{"required column missing", []string{"validate", "-p", "smartapp", write(t, "m.csv", "First Name,Last Name\nA,B\n")}, 2, "required smartapp fields email, companyName, companyLocationName have no column"},
		{"unknown provider", []string{"validate", "-p", "nope", write(t, "good.csv", smartappGood)}, 2, `unknown provider "nope"`},
		{"missing file", []string{"validate", "-p", "smartapp", "/nonexistent/roster.csv"}, 2, "/nonexistent/roster.csv"},
		{"bad mapping", []string{"validate", "-p", "smartapp", "-m", write(t, "m.yaml", "columns: {E-mail: emial}\n"), write(t, "good.csv", smartappGood)}, 2, `"emial", which is not a smartapp field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := onboard(t, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
			assert.NotContains(t, stderr, "goroutine", "no stack traces")
			if code == 2 {
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one clear error line: %q", stderr)
			}
		})
	}
}

func TestValidateReportMasksPasswords(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.csv")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", out, write(t, "good.csv", smartappGood))
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, out)
	assert.Equal(t, []string{"row", "status", "error_code", "field", "message"}, rows[0][:5])
	assert.Equal(t, []string{"2", "3"}, column(rows, "row"))
	assert.Equal(t, []string{"********", ""}, column(rows, "Password"))
	b, _ := os.ReadFile(out)
	assert.NotContains(t, string(b), "Secret123!")
}

func TestProvidersAndTemplate(t *testing.T) {
	code, out, _ := onboard(t, "providers")
	require.Equal(t, 0, code)
	for _, id := range []string{"smarterproctoring", "ispring", "alphalearn", "bksb", "smartapp"} {
		assert.Contains(t, out, id)
	}
	code, out, _ = onboard(t, "providers", "smarterproctoring")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "exernalId")
	assert.Contains(t, out, "timeZoneSid")

	p := filepath.Join(t.TempDir(), "t.csv")
	code, _, stderr := onboard(t, "template", "-p", "bksb", "-o", p)
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, p)
	assert.Equal(t, []string{"Username", "Firstname", "Lastname", "Password", "Email", "DateOfBirth", "AutoEnrolCourses"}, rows[0])
}

// simulator starts a vendor simulator on loopback and puts its credentials
// in the environment, as an admin would.
func simulator(t *testing.T, id string, opt sim.Options) (*sim.Server, string) {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	s := reg.Simulator(opt)
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	for k, v := range s.Credentials {
		t.Setenv(k, v)
	}
	return s, srv.URL
}

func TestRunCreatesOnceAcrossReruns(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	roster := write(t, "r.csv", smartappGood+"Sam,Okafor,sokafor@globex,Globex,headquarters,\n")
	stateFile := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "results.csv")
	args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--state", stateFile, "-o", out, roster}

	code, _, stderr := onboard(t, args...)
	assert.Equal(t, 1, code, stderr) // one invalid row
	rows := readCSV(t, out)
	assert.Equal(t, []string{"created", "created", "invalid"}, column(rows, "status"))
	assert.Equal(t, []string{"", "", "INVALID_VALUE"}, column(rows, "error_code"))
	assert.Equal(t, 2, s.Store.Len())
	ids := column(rows, "id")

	code, _, stderr = onboard(t, args...)
	assert.Equal(t, 1, code, stderr)
	rows = readCSV(t, out)
	assert.Equal(t, []string{"skipped", "skipped", "invalid"}, column(rows, "status"))
	assert.Equal(t, []string{"ALREADY_ONBOARDED", "ALREADY_ONBOARDED", "INVALID_VALUE"}, column(rows, "error_code"))
	assert.Equal(t, ids[:2], column(rows, "id")[:2], "the stored vendor IDs")
	assert.Equal(t, 2, s.Store.Len(), "nobody created twice")

	code, out2, _ := onboard(t, "history", "--state", stateFile)
	require.Equal(t, 0, code)
	assert.Equal(t, []string{"done", "done"}, historyStatuses(t, stateFile))
	code, out2, _ = onboard(t, "lookup", "--state", stateFile, "CCARR@smartapp.com")
	require.Equal(t, 0, code)
	assert.Contains(t, out2, ids[0])
}

func TestRunStopsOnAuthFailure(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	t.Setenv("ONBOARD_TOKEN", "wrong-token")
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "--workers", "1", "-o", out,
		write(t, "r.csv", smartappGood))
	assert.Equal(t, 2, code, "auth failure before any create is fatal")
	assert.Contains(t, stderr, "AUTH_FAILED")
	assert.NotContains(t, stderr, "wrong-token")
	rows := readCSV(t, out)
	assert.Equal(t, []string{"failed", "not_attempted"}, column(rows, "status"))
	assert.Equal(t, []string{"AUTH_FAILED", "INTERRUPTED"}, column(rows, "error_code"))
}

func TestRunStopsWhenLicencesRunOut(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{Licences: 1})
	out := filepath.Join(t.TempDir(), "results.csv")
	roster := smartappGood + "Noah,Kim,nkim@smartapp.com,smartapp.com,headquarters,\n"
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "--workers", "1", "-o", out,
		write(t, "r.csv", roster))
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "LICENSE_EXHAUSTED")
	rows := readCSV(t, out)
	assert.Equal(t, []string{"created", "failed", "not_attempted"}, column(rows, "status"))
	assert.Equal(t, 1, s.Store.Len())
}

func TestRunSimulateFailedOut(t *testing.T) {
	dir := t.TempDir()
	out, failed := filepath.Join(dir, "results.xlsx"), filepath.Join(dir, "failed.csv")
	roster := write(t, "r.csv", smartappGood+"Sam,Okafor,sokafor@globex,Globex,headquarters,\n")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--no-state", "-o", out, "--failed-out", failed, roster)
	assert.Equal(t, 1, code, stderr)
	assert.FileExists(t, out)
	rows := readCSV(t, failed)
	require.Len(t, rows, 2)
	assert.Equal(t, "sokafor@globex", rows[1][2])
	assert.Contains(t, rows[1][len(rows[1])-1], "INVALID_VALUE")
}

func TestRunMissingCredentials(t *testing.T) {
	t.Setenv("ONBOARD_TOKEN", "")
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "alphalearn", "--no-state", "-o", out, write(t, "r.csv", "title,firstName,lastName,email,userCanChoosePassword,roleId\nMr,A,B,a@b.co,0,3\n"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "ONBOARD_TOKEN")
}

func TestRunConfigFileCredentials(t *testing.T) {
	s, url := simulator(t, "bksb", sim.Options{})
	var cfg strings.Builder
	for k, v := range s.Credentials {
		fmt.Fprintf(&cfg, "export %s=%q\n", k, v)
		t.Setenv(k, "")
	}
	conf := write(t, "creds.env", "# bksb key\n"+cfg.String())
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "bksb", "--base-url", url, "--no-state", "--config", conf, "-o", out,
		write(t, "r.csv", "Username,First Name,Surname\nalee,Ann,Lee\n"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"created"}, column(readCSV(t, out), "status"))
	for _, v := range s.Credentials {
		assert.NotContains(t, stderr, v)
	}
}

func TestStateFileInUse(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	stateFile := filepath.Join(t.TempDir(), "state.db")
	st, err := state.Open(stateFile, state.Options{})
	require.NoError(t, err)
	defer st.Close()
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--state", stateFile, "-o", out, write(t, "r.csv", smartappGood))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "in use by another run")
}

func TestFailedOutKeepsDelimiter(t *testing.T) {
	dir := t.TempDir()
	failed := filepath.Join(dir, "failed.csv")
	roster := write(t, "r.csv", "First Name;Last Name;E-mail;Company;Location\nA;B;bad-email;smartapp.com;headquarters\nC;D;c@d.co;smartapp.com;headquarters\n")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--no-state", "-o", filepath.Join(dir, "r.csv"), "--failed-out", failed, roster)
	assert.Equal(t, 1, code, stderr)
	b, err := os.ReadFile(failed)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "First Name;Last Name;E-mail;Company;Location;onboard_row;onboard_error", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "A;B;bad-email;smartapp.com;headquarters;"), lines[1])
}
