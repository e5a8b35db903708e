package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResultsSheetsEquivalence: the built-ins now defined by vendor files
// write the results sheets their Go code wrote. testdata/sheets/ holds the
// sheets of every sample roster run against each vendor's simulator by
// onboard before the conversion (commit 658e0fb, one worker so that the
// rows meet the simulator in order; since then smartapp's 400 names its
// fields, and a roster with its own Status column gets onboard_status,
// changes made apart from the conversion); the created IDs are compared as
// present or not (smartapp's simulator makes random ones; the wire
// goldens compare the IDs themselves).
func TestResultsSheetsEquivalence(t *testing.T) {
	for _, v := range []string{"alphalearn", "smartapp", "smarterproctoring", "bksb", "ispring"} {
		for _, r := range []struct{ roster, mapping string }{{"roster", ""}, {"roster-mapped", "map.yaml"}} {
			t.Run(v+"/"+r.roster, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "results.csv")
				args := []string{"run", "-p", v, "--simulate", "--no-state", "--workers", "1", "--rate", "0", "-q", "-o", out}
				if r.mapping != "" {
					args = append(args, "-m", filepath.Join("../../samples", v, r.mapping))
				}
				code, _, stderr := onboard(t, append(args, filepath.Join("../../samples", v, r.roster+".csv"))...)
				require.Contains(t, []int{0, 1}, code, stderr)
				want := readCSV(t, filepath.Join("testdata", "sheets", v+"-"+r.roster+".csv"))
				assert.Equal(t, maskIDs(want), maskIDs(readCSV(t, out)))
			})
		}
	}
}

func maskIDs(rows [][]string) [][]string {
	col := -1
	for i, h := range rows[0] {
		if h == "id" {
			col = i
		}
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = append([]string(nil), r...)
		if i > 0 && col >= 0 && r[col] != "" {
			out[i][col] = "<id>"
		}
	}
	return out
}
