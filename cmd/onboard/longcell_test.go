package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/providers/sim"
)

// A cell longer than an XLSX cell holds is an error on its row when the
// output is XLSX (never cut, and in a run never sent); a CSV output holds
// it whole.
func TestLongCellIsARowErrorForXLSX(t *testing.T) {
	long := strings.Repeat("n", 40_000)
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Notes\n"+
		"Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters,short\n"+
		"Maria,Gonzalez,mgonzalez@smartapp.com,smartapp.com,headquarters,"+long+"\n")
	dir := t.TempDir()

	report := filepath.Join(dir, "report.xlsx")
	code, _, stderr := onboard(t, "validate", "-q", "-p", "smartapp", "-o", report, roster)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "CELL_TOO_LONG")
	f, err := excelize.OpenFile(report)
	require.NoError(t, err)
	rows, err := f.GetRows("Validation")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"3", "invalid", "CELL_TOO_LONG", "Notes"}, rows[2][:4])
	assert.Contains(t, rows[2][4], "40000 characters")
	for _, r := range rows {
		for _, c := range r {
			assert.Less(t, len(c), 32768, "no cut value in the sheet")
		}
	}

	csvReport := filepath.Join(dir, "report.csv")
	code, _, stderr = onboard(t, "validate", "-q", "-p", "smartapp", "-o", csvReport, roster)
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, long, column(readCSV(t, csvReport), "Notes")[1])

	s, url := simulator(t, "smartapp", sim.Options{})
	results := filepath.Join(dir, "results.xlsx")
	code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--no-state", "-o", results, roster)
	assert.Equal(t, 1, code, stderr)
	assert.Equal(t, 1, s.Store.Len(), "the row the results cannot hold is not sent")
}
