package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers/sim"
)

// The fix file runs again as it is: no password or mask in it, onboard's
// own columns neither warned about nor sent, formula-like cells back as
// they were, and once everything succeeds no fix file at all.
func TestFixFileRunsAgain(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Password,Note\n"+
		"Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters,Secret123!,\n"+
		"Sam,Okafor,sokafor@globex,smartapp.com,headquarters,Hidden#99,-left\n")
	fix := filepath.Join(dir, "fix.csv")
	mapping := write(t, "map.yaml", "metadata: [Note]\n")
	args := func(in string) []string {
		return []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--state", filepath.Join(dir, "state.db"),
			"-m", mapping, "-o", filepath.Join(dir, "results.csv"), "--failed-out", fix, in}
	}
	code, _, stderr := onboard(t, args(roster)...)
	require.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "fix file: "+fix)
	raw, err := os.ReadFile(fix)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "Hidden#99")
	assert.NotContains(t, string(raw), "********")
	rows := readCSV(t, fix)
	assert.Equal(t, []string{"First Name", "Last Name", "E-mail", "Company", "Location", "Password", "Note", "onboard_row", "onboard_error"}, rows[0])
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"Sam", "Okafor", "sokafor@globex", "smartapp.com", "headquarters", "", "'-left", "3"}, rows[1][:8])
	assert.Contains(t, rows[1][8], "INVALID_VALUE email")
	assert.Contains(t, rows[1][8], "Password: re-enter it")

	// The admin fixes the email and runs the fix file as it is.
	fixed := write(t, "fixed.csv", strings.Replace(string(raw), "sokafor@globex,", "sokafor@globex.com,", 1))
	code, _, stderr = onboard(t, args(fixed)...)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "onboard_", "onboard's own columns are not warned about")
	assert.Contains(t, stderr, "nothing to fix: no fix file written")
	assert.FileExists(t, fix, "the old fix file is left as it was")
	users := s.Store.Users()
	require.Len(t, users, 2)
	var sam map[string]any
	for _, u := range users {
		if strings.HasSuffix(u.Key, "sokafor@globex.com") {
			sam = u.Fields
		}
	}
	require.NotNil(t, sam, "%v / %v", users[0].Key, users[1].Key)
	meta, _ := sam["metadata"].(map[string]any)
	assert.Equal(t, "-left", meta["Note"], "the guarded cell reads back as it was")
	for k := range meta {
		assert.False(t, strings.HasPrefix(k, "onboard_"), "onboard's own column %q sent", k)
	}
}

// A mask in a secret column, in any roster, is refused and never sent.
func TestMaskInRosterIsRefused(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "results.csv")
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Password\n"+
		"Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters,********\n")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state", "-o", out, roster)
	assert.Equal(t, 1, code, stderr)
	rows := readCSV(t, out)
	assert.Equal(t, []string{"invalid"}, column(rows, "status"))
	assert.Equal(t, []string{"INVALID_VALUE"}, column(rows, "error_code"))
	assert.Contains(t, strings.Join(rows[1], ","), "holds the mask")
	assert.Zero(t, s.Store.Len(), "never sent")
}

// An XLSX roster gets an XLSX fix file: its sheet name and columns, the
// failing cells highlighted with comments, the enum's drop-down; run again
// it needs no --sheet.
func TestFixFileXLSX(t *testing.T) {
	_, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	in := filepath.Join(dir, "roster.xlsx")
	x := excelize.NewFile()
	require.NoError(t, x.SetSheetName("Sheet1", "Staff"))
	for i, row := range [][]any{
		{"First Name", "Last Name", "E-mail", "Company", "Location", "Licence"},
		{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters", "LicencedUser"},
		{"Sam", "Okafor", "sokafor@globex.com", "smartapp.com", "headquarters", "Gold"},
	} {
		require.NoError(t, x.SetSheetRow("Staff", "A"+string(rune('1'+i)), &row))
	}
	require.NoError(t, x.SaveAs(in))
	require.NoError(t, x.Close())

	fix := filepath.Join(dir, "fix.xlsx")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state",
		"-o", filepath.Join(dir, "results.csv"), "--failed-out", fix, in)
	require.Equal(t, 1, code, stderr)
	f, err := excelize.OpenFile(fix)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"Staff"}, f.GetSheetList())
	rows, err := f.GetRows("Staff")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"First Name", "Last Name", "E-mail", "Company", "Location", "Licence", "onboard_row", "onboard_error"}, rows[0])
	assert.Equal(t, "3", rows[1][6])
	comments, err := f.GetComments("Staff")
	require.NoError(t, err)
	require.Len(t, comments, 1)
	assert.Equal(t, "F2", comments[0].Cell)
	dvs, err := f.GetDataValidations("Staff")
	require.NoError(t, err)
	require.Len(t, dvs, 1)
	assert.Equal(t, "F2:F2", dvs[0].Sqref)
	assert.Equal(t, `"LicencedUser,TransactionBasedUser"`, dvs[0].Formula1)

	// Fixed in place and run again: created, and no fix file is left to do.
	require.NoError(t, f.SetCellStr("Staff", "F2", "TransactionBasedUser"))
	fixed := filepath.Join(dir, "fixed.xlsx")
	require.NoError(t, f.SaveAs(fixed))
	fix2 := filepath.Join(dir, "fix2.xlsx")
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--no-state",
		"-o", filepath.Join(dir, "results2.csv"), "--failed-out", fix2, fixed)
	require.Equal(t, 0, code, stderr)
	assert.NoFileExists(t, fix2)
	assert.NotContains(t, stderr, "onboard_")
}
