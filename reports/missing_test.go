package reports

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

	"github.com/onboard/onboard/batch"
)

// fakeMissing lists people as the state store would.
func fakeMissing(people ...batch.MissingPerson) func(fn func(batch.MissingPerson) error) (int, error) {
	return func(fn func(batch.MissingPerson) error) (int, error) {
		for _, p := range people {
			if err := fn(p); err != nil {
				return 0, err
			}
		}
		return len(people), nil
	}
}

func TestMissingList(t *testing.T) {
	seen := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	di := batch.MissingPerson{Key: "email:di@acme.test", VendorID: "V4", Identity: "E4", CreatedRun: 1, FirstSeen: seen, LastSeen: seen}
	evil := batch.MissingPerson{Key: "email:eve@acme.test", Identity: "=HYPERLINK(\"x\")", VendorID: "V5", CreatedRun: 2, FirstSeen: seen, LastSeen: seen}
	want := [][]string{
		missingColumns,
		{"email:di@acme.test", "V4", "E4", "1", "2026-11-30T02:00:00Z", "2026-11-30T02:00:00Z"},
	}
	for _, ext := range []string{".xlsx", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "results"+ext)
			sink, err := NewResults(path, []string{"email"})
			require.NoError(t, err)
			ms, ok := sink.(batch.MissingSink)
			require.True(t, ok, "results list missing people")
			require.NoError(t, sink.Write(batch.Outcome{Line: 2, Cells: []string{"ann@acme.test"}, Status: batch.Skipped}))
			require.NoError(t, ms.WriteMissing(fakeMissing(di, evil)))
			if ext == ".csv" {
				_, err := os.Stat(MissingPath(path))
				assert.ErrorIs(t, err, os.ErrNotExist, "nothing in place before Close")
			}
			require.NoError(t, sink.Close(batch.NewSummary("run", "smartapp", "r.csv")))

			var rows [][]string
			if ext == ".xlsx" {
				f, err := excelize.OpenFile(path)
				require.NoError(t, err)
				defer f.Close()
				assert.Equal(t, []string{"Results", "Missing", "Summary"}, f.GetSheetList())
				rows, err = f.GetRows(missingSheet)
				require.NoError(t, err)
				assert.Equal(t, `=HYPERLINK("x")`, rows[2][2], "XLSX holds values, never formulas")
			} else {
				assert.Equal(t, filepath.Join(dir, "results-missing.csv"), MissingPath(path))
				b, err := os.ReadFile(MissingPath(path))
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(string(b), utf8BOM))
				rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), utf8BOM))).ReadAll()
				require.NoError(t, err)
				assert.Equal(t, `'=HYPERLINK("x")`, rows[2][2], "formula guard")
				st, err := os.Stat(MissingPath(path))
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
			}
			require.Len(t, rows, 3)
			assert.Equal(t, want, rows[:2])
		})
	}
}

func TestMissingListEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	sink, err := NewResults(path, []string{"email"}, ResultsOptions{NoBOM: true})
	require.NoError(t, err)
	require.NoError(t, sink.(batch.MissingSink).WriteMissing(fakeMissing()))
	require.NoError(t, sink.Close(batch.NewSummary("run", "smartapp", "r.csv")))
	b, err := os.ReadFile(MissingPath(path))
	require.NoError(t, err)
	assert.Equal(t, strings.Join(missingColumns, ",")+"\n"+missingNone+",,,,,\n", string(b))
}

func TestMissingListAborted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	sink, err := NewResults(path, []string{"email"})
	require.NoError(t, err)
	require.NoError(t, sink.(batch.MissingSink).WriteMissing(fakeMissing(batch.MissingPerson{Key: "email:a@b.c"})))
	Abort(sink)
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Empty(t, entries, "an aborted run leaves no missing list, nor temp files")
}
