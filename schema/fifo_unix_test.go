//go:build unix

package schema

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A named pipe given as a mapping file or a lookup table is refused before
// it is opened: opening it would block until a writer came.
func TestFIFOMappingAndLookupRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "depts.csv")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	mapping := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(mapping, []byte("lookups:\n  department: depts.csv\n"), 0o600))
	for _, path := range []string{fifo, mapping} {
		done := make(chan error, 1)
		go func() {
			_, err := LoadMapping(path)
			done <- err
		}()
		select {
		case err := <-done:
			require.Error(t, err)
			assert.Contains(t, err.Error(), "depts.csv: not a regular file")
		case <-time.After(10 * time.Second):
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				_ = w.Close()
			}
			t.Fatalf("LoadMapping(%s) blocked on a FIFO", path)
		}
	}
}
