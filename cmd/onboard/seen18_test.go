package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers/sim"
)

// A mistyped command with flags after it is named as the mistake, not
// its first flag (issue 18: "onboard rnu -p …" said "unknown flag -p").
func TestMistypedCommandWithFlags(t *testing.T) {
	for _, args := range [][]string{
		{"rnu", "-p", "smartapp", "x.csv"},
		{"rnu", "--simulate", "x.csv"},
		{"rnu"},
	} {
		code, _, stderr := onboard(t, args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `onboard: unknown command "rnu": did you mean run? The commands are `, args)
		assert.NotContains(t, stderr, "unknown flag", args)
	}
	code, _, stderr := onboard(t, "-p", "smartapp")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown flag -p", "a flag before any command is the mistake")
}

// validate without -o prints the warnings it counts, after the problems
// of their row (issue 18: it said "1 with warnings" and showed none).
func TestValidatePrintsWarnings(t *testing.T) {
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Phone\n"+
		"Ann,Lee,a@b.co,smartapp.com,hq,4.47712E+11\n"+
		"Bob,Ray,bob,smartapp.com,hq,4.47712E+11\n")
	code, stdout, stderr := onboard(t, "validate", "-q", "-p", "smartapp", roster)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "1 valid, 1 invalid")
	assert.Contains(t, stderr, "2 with warnings")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if assert.Len(t, lines, 3, stdout) {
		assert.True(t, strings.HasPrefix(lines[0], "row 2: warning ROUNDED_NUMBER phone: 4.47712E+11 is a number in scientific notation"), lines[0])
		assert.True(t, strings.HasPrefix(lines[1], "row 3: INVALID_VALUE email: "), lines[1])
		assert.True(t, strings.HasPrefix(lines[2], "row 3: warning ROUNDED_NUMBER phone: "), lines[2])
	}
}

func readCSVComma(t *testing.T, path string, comma rune) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	r.Comma = comma
	rows, err := r.ReadAll()
	require.NoError(t, err, string(b))
	return rows
}

// A ';' roster gets ';' results and reports (continental Excel opens a ','
// file in one column); a fix file run back gives results whose created
// rows no longer carry the earlier run's onboard_error; a row the vendor
// refused names its fields (issue 18).
func TestRunBackFixFileResults(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	roster := write(t, "r.csv", "First Name;Last Name;E-mail;Company;Location\n"+
		"Caleb;Carr;ccarr@smartapp.com;smartapp.com;headquarters\n"+
		"Sam;Okafor;sokafor@globex;smartapp.com;headquarters\n")
	fix, results := filepath.Join(dir, "fix.csv"), filepath.Join(dir, "results.csv")
	args := func(in string) []string {
		return []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--state", filepath.Join(dir, "state.db"),
			"-o", results, "--failed-out", fix, in}
	}
	code, _, stderr := onboard(t, args(roster)...)
	require.Equal(t, 1, code, stderr)
	rows := readCSVComma(t, results, ';')
	assert.Equal(t, []string{"row", "status", "id", "error_code", "field", "message"}, rows[0][:6])
	assert.Equal(t, "created", column(rows, "status")[0])

	report := filepath.Join(dir, "report.csv")
	code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", "-o", report, roster)
	require.Equal(t, 1, code, stderr)
	assert.Equal(t, []string{"row", "status", "error_code", "field", "message"}, readCSVComma(t, report, ';')[0][:5])

	raw, err := os.ReadFile(fix)
	require.NoError(t, err)
	fixed := write(t, "fixed.csv", strings.Replace(string(raw), "sokafor@globex;", "sokafor@globex.com;", 1))
	code, _, stderr = onboard(t, args(fixed)...)
	require.Equal(t, 0, code, stderr)
	rows = readCSVComma(t, results, ';')
	require.Len(t, rows, 2)
	assert.Equal(t, "created", column(rows, "status")[0])
	assert.Equal(t, "3", column(rows, "onboard_row")[0], "the original row is kept")
	assert.Equal(t, "", column(rows, "onboard_error")[0], "the earlier run's reason is not today's")
}

// Smartapp's documented 400 names its fields in its own words; the row
// says which of ours they are.
func TestVendorRefusedRowNamesItsFields(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	out := filepath.Join(t.TempDir(), "results.csv")
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location\nCaleb,Carr,ccarr@smartapp.com,nosuch.com,headquarters\n")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "-o", out, roster)
	require.Equal(t, 1, code, stderr)
	rows := readCSV(t, out)
	assert.Equal(t, "VENDOR_REJECTED", column(rows, "error_code")[0])
	assert.Equal(t, "email, companyName, companyLocationName", column(rows, "field")[0])
}

// Mistakes found from the flags alone are refused before the roster is
// read or a simulator started, in one line of onboard's words (issue 18).
func TestChecksBeforeTheSimulatorStarts(t *testing.T) {
	dir := t.TempDir()
	roster := write(t, "r.csv", smartappGood)
	out := filepath.Join(dir, "r.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-p", "bksb", "--simulate", "--update", "-o", out, roster},
			"onboard: --update: bksb documents no update call, so onboard cannot change people there; run without --update (changed people are still reported)\n"},
		{[]string{"run", "-p", "smartapp", "--simulate", "--update", "--no-state", "-o", out, roster},
			"onboard: --update needs the state store (it alone knows what was sent before); drop --no-state\n"},
		{[]string{"run", "-p", "smartapp", "--simulate", "--state", filepath.Join(dir, "nosuch", "s.db"), "-o", out, roster},
			"onboard: --state " + filepath.Join(dir, "nosuch", "s.db") + ": the folder " + filepath.Join(dir, "nosuch") +
				" does not exist; create it (mkdir -p " + filepath.Join(dir, "nosuch") + ") or write somewhere else\n"},
		{[]string{"run", "-p", "smartapp", "--simulate", "-o", out, filepath.Join(dir, "nosuch.csv")},
			"onboard: " + filepath.Join(dir, "nosuch.csv") + ": no such file (check the path and the current folder)\n"},
		{[]string{"validate", "-p", "smartapp", "-m", filepath.Join(dir, "nosuch.yaml"), roster},
			"onboard: mapping file: " + filepath.Join(dir, "nosuch.yaml") + ": no such file (check the path and the current folder)\n"},
		{[]string{"run", "-p", "smartapp", "--base-url", "127.0.0.1:8080", "-o", out, roster},
			"onboard: --base-url \"127.0.0.1:8080\": no scheme; write https://127.0.0.1:8080\n"},
	} {
		code, stdout, stderr := onboard(t, tc.args...)
		assert.Equal(t, 2, code, tc.args)
		assert.Equal(t, tc.want, stderr, tc.args)
		assert.Empty(t, stdout)
		assert.NoFileExists(t, out)
	}
}

// --simulate without a state store is a fresh vendor every run and keeps
// no file; a simulated vendor's file onboard did not write is one line.
func TestSimulatedVendorFile(t *testing.T) {
	dir := t.TempDir()
	roster := write(t, "r.csv", smartappGood)
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--no-state", "-o", filepath.Join(dir, "r.csv"), roster)
	require.Equal(t, 0, code, stderr)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 1, "the results alone: %v", ents)

	state := filepath.Join(dir, "s.db")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.simulated-smartapp.gob"), []byte("junk"), 0o600))
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--state", state, "-o", filepath.Join(dir, "r.csv"), roster)
	assert.Equal(t, 2, code)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	assert.Contains(t, stderr, "simulated vendor "+filepath.Join(dir, "s.simulated-smartapp.gob")+": not a file onboard wrote")
	assert.Contains(t, stderr, "delete it to start the simulated vendor afresh")
}

// The XLSX fix file keeps the input's numbers and dates as numbers and
// dates (issue 18: they became text), and reads back as the input did.
func TestFixXLSXKeepsNumbersAndDates(t *testing.T) {
	dir := t.TempDir()
	roster := filepath.Join(dir, "r.xlsx")
	x := excelize.NewFile()
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	require.NoError(t, err)
	rows := [][]any{
		{"First Name", "Last Name", "E-mail", "Company", "Location", "Employee Number", "Salary", "Start Date", "Code"},
		{"Sam", "Okafor", "sokafor@globex", "smartapp.com", "headquarters", 1001, 52000.5, time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC), "0042"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, x.SetSheetRow("Sheet1", cell, &r))
	}
	require.NoError(t, x.SetCellStyle("Sheet1", "H2", "H2", dateStyle))
	require.NoError(t, x.SaveAs(roster))
	require.NoError(t, x.Close())

	_, url := simulator(t, "smartapp", sim.Options{})
	fix := filepath.Join(dir, "fix.xlsx")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state",
		"-o", filepath.Join(dir, "results.csv"), "--failed-out", fix, roster)
	require.Equal(t, 1, code, stderr)

	f, err := excelize.OpenFile(fix)
	require.NoError(t, err)
	defer f.Close()
	for cell, want := range map[string]excelize.CellType{"F2": excelize.CellTypeUnset, "G2": excelize.CellTypeUnset, "I2": excelize.CellTypeSharedString} {
		got, err := f.GetCellType("Sheet1", cell)
		require.NoError(t, err)
		if want == excelize.CellTypeUnset {
			assert.Contains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, got, "%s is a number", cell)
		} else {
			assert.NotContains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, got, "%s stays text", cell)
		}
	}
	raw, err := f.GetCellValue("Sheet1", "H2", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	assert.Equal(t, "45537", raw, "the date is a date serial, not text")

	report := filepath.Join(dir, "report.csv")
	for _, in := range []string{roster, fix} {
		code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", "-o", report, in)
		require.Equal(t, 1, code, stderr)
		got := readCSV(t, report)
		assert.Equal(t, []string{"1001", "52000.5", "2024-09-02", "0042"}, got[1][10:14], "%s reads back as the input did", in)
	}
}
