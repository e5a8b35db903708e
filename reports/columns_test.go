package reports

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/batch"
)

func TestOwnColumns(t *testing.T) {
	assert.Equal(t, resultColumns, ownColumns(resultColumns, []string{"email", "name"}))
	assert.Equal(t, []string{"onboard_row", "onboard_status", "id", "error_code", "field", "onboard_message", "vendor_status", "vendor_code", "attempts"},
		ownColumns(resultColumns, []string{"Row", "email", "STATUS", "Message"}))
	// A roster that has onboard_status too: onboard's takes the next name.
	assert.Equal(t, []string{"row", "onboard_status_2"}, ownColumns([]string{"row", "status"}, []string{"status", "onboard_status"}))
	// "error code" and error_code read as the same column to a person.
	assert.Equal(t, []string{"onboard_error_code"}, ownColumns([]string{"error_code"}, []string{"Error Code"}))
}

// noRepeats fails when header names a column twice (case and spaces
// aside).
func noRepeats(t *testing.T, header []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, h := range header {
		k := normalizeHeader(h)
		assert.False(t, seen[k], "%q repeated in %q", h, header)
		seen[k] = true
	}
}

// A roster with its own row and status columns: the results and the
// validation report (CSV and XLSX) never repeat a column name, and the
// roster's columns keep theirs.
func TestReportsNeverRepeatColumns(t *testing.T) {
	header := []string{"email", "status", "Row"}
	o := batch.Outcome{Line: 2, Cells: []string{"a@example.com", "active", "7"}, Status: batch.Created, ID: "u1"}
	for _, name := range []string{"results.csv", "results.xlsx", "report.csv", "report.xlsx"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			var sink batch.Sink
			var err error
			if strings.HasPrefix(name, "results") {
				sink, err = NewResults(path, header)
			} else {
				sink, err = NewValidation(path, header, ValidationOptions{})
			}
			require.NoError(t, err)
			if !strings.HasPrefix(name, "results") {
				o.Status = batch.Valid
			}
			require.NoError(t, sink.Write(o))
			require.NoError(t, sink.Close(batch.NewSummary("run", "x", "in.csv")))
			var rows [][]string
			if strings.HasSuffix(name, ".csv") {
				f, err := os.Open(path)
				require.NoError(t, err)
				defer f.Close()
				rows, err = csv.NewReader(f).ReadAll()
				require.NoError(t, err)
				rows[0][0] = strings.TrimPrefix(rows[0][0], "\uFEFF")
			} else {
				x, err := excelize.OpenFile(path)
				require.NoError(t, err)
				defer x.Close()
				rows, err = x.GetRows(x.GetSheetName(0))
				require.NoError(t, err)
			}
			got := rows[0]
			noRepeats(t, got)
			assert.Equal(t, []string{"onboard_row", "onboard_status"}, got[:2])
			assert.Equal(t, header, got[len(got)-3:], "the roster's columns keep their names")
			assert.Equal(t, []string{"a@example.com", "active", "7"}, rows[1][len(got)-3:])
			assert.Equal(t, "2", rows[1][0])
		})
	}
}
