package read

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A data row's raw field count is capped like the header's: a line of a
// million empty fields is a clear error naming its line, not gigabytes.
func TestRowFieldCountIsCapped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "wide.csv")
	body := "email,name\na@x.org,Ann\nb@x.org,Bob" + strings.Repeat(",", 5000) + "\n"
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	r, err := Open(p, Options{})
	require.NoError(t, err)
	defer r.Close()
	var got []Row
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			t.Fatal("the wide row was accepted")
		}
		if err != nil {
			require.True(t, errors.Is(err, ErrLimit), "%v", err)
			assert.Contains(t, err.Error(), "row 3: row has 5002 fields, more than the 1000 allowed")
			assert.Contains(t, err.Error(), "3", "names the line")
			break
		}
		got = append(got, row)
	}
	require.Len(t, got, 1)
	for _, row := range got {
		assert.LessOrEqual(t, cap(row.Cells), 2*2+8, "a row holds no more than its header's width")
	}
}
