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
	n := expectRows(path, first)
	assert.GreaterOrEqual(t, n, 1000, "room for every row")
	assert.LessOrEqual(t, n, 1010, "and not much more")
	assert.Zero(t, expectRows(filepath.Join(t.TempDir(), "missing.csv"), first))
	assert.Zero(t, expectRows(path, nil))
}
