package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/read"
)

func TestExpectRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	line := "ann@example.org,Ann,Lee\n" // 24 bytes
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat(line, 1000)), 0o600))
	first := []read.Row{{Cells: []string{"ann@example.org", "Ann", "Lee"}}, {Cells: []string{"bob@example.org", "Bob", "Ray"}}}
	n := expectRows(nil, path, first)
	assert.GreaterOrEqual(t, n, 1000, "room for every row")
	assert.LessOrEqual(t, n, 1010, "and not much more")
	assert.Zero(t, expectRows(nil, filepath.Join(t.TempDir(), "missing.csv"), first))
	assert.Zero(t, expectRows(nil, path, nil))
}

// An XLSX file is compressed: its own estimate, from the worksheet part,
// is what sizes the index.
func TestExpectRowsXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	const rows = 3000
	require.NoError(t, read.WriteXLSX(path, rows, 6))
	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	var first []read.Row
	for range 256 {
		row, err := r.Read()
		require.NoError(t, err)
		first = append(first, row)
	}
	n := expectRows(r, path, first)
	assert.InDelta(t, rows, n, rows*0.05, "estimate from the worksheet part (the file's size says %d)", expectRows(nil, path, first))
}
