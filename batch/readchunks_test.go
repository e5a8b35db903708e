package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/read"
)

// TestReadChunksWhole: with size 0 a CSV reader's own blocks travel as
// chunks; the rows are Read's, in order, and the first chunk holds chunk
// rows at least (expectRows estimates from it), or every row of a short
// file; a file that goes bad still gives its rows before the error.
func TestReadChunksWhole(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("email,name\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "u%d@x.org,Name %d\n", i, i)
	}
	good := b.String()
	bad := good + "last@x.org,\"never closed\nx,y\n"
	for name, text := range map[string]string{"good": good, "bad": bad, "short": "email,name\na@x.org,Ann\nb@x.org,Bob\n"} {
		p := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		var want []read.Row
		r, err := read.Open(p, read.Options{})
		require.NoError(t, err)
		var wantErr error
		for {
			row, err := r.Read()
			if err != nil {
				wantErr = err
				break
			}
			want = append(want, row)
		}
		require.NoError(t, r.Close())

		r, err = read.Open(p, read.Options{})
		require.NoError(t, err)
		out := make(chan []read.Row, 1)
		var firstLen int
		done := make(chan error, 1)
		go func() {
			done <- readChunks(context.Background(), r, 0, out, func(first []read.Row) { firstLen = len(first) })
		}()
		var got []read.Row
		chunks := 0
		for c := range out {
			got = append(got, c...)
			chunks++
		}
		err = <-done
		require.NoError(t, r.Close())
		assert.Equal(t, want, got, name)
		assert.GreaterOrEqual(t, firstLen, min(chunk, len(want)), name)
		if name == "bad" {
			require.Error(t, err)
			assert.Equal(t, wantErr.Error(), err.Error())
		} else {
			require.NoError(t, err, name)
		}
		if name == "good" {
			assert.Greater(t, chunks, 4, "the reader's blocks, not one chunk")
		}
	}
}
