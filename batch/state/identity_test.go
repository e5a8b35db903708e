//go:build unix

package state

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A symlink or a hard link to a state file in use is the same file: a
// second run through it is refused like one through the same path.
func TestLinkToAStateFileInUseIsRefused(t *testing.T) {
	s, path := openTemp(t)
	dir := t.TempDir() // another folder: the links' own lock files would differ
	sym := filepath.Join(dir, "sym.db")
	require.NoError(t, os.Symlink(path, sym))
	hard := filepath.Join(dir, "hard.db")
	require.NoError(t, os.Link(path, hard))

	_, err := Open(sym, Options{})
	require.ErrorIs(t, err, ErrLocked, "through a symlink")
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, os.Getpid(), le.PID, "the symlink shares the lock file, so the holder is named")

	_, err = Open(hard, Options{})
	require.ErrorIs(t, err, ErrLocked, "through a hard link")
	assert.Contains(t, err.Error(), "under another name")

	require.NoError(t, s.Close())
	for _, p := range []string{sym, hard} {
		s2, err := Open(p, Options{})
		require.NoError(t, err, "free after Close: %s", p)
		require.NoError(t, s2.Close())
	}
}

// The state file and its side files hold personal data: 0600, whatever
// the umask; a file from before is tightened.
func TestStateFilesArePrivate(t *testing.T) {
	old := umask(0o002)
	defer umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, Options{Now: tickClock()})
	require.NoError(t, err)
	_, err = s.BeginRun("r.csv", "h", scopeA) // a write, so -wal and -shm exist
	require.NoError(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		fi, err := os.Stat(p)
		require.NoError(t, err, p)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	require.NoError(t, s.Close())

	require.NoError(t, os.Chmod(path, 0o644))
	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "an older 0644 state file is tightened")
}
