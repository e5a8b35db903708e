//go:build unix

package state

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killedRun runs TestHelperHoldLock in a child process on path (open, a
// run begun, a key marked in flight) and kills it with SIGKILL: the file
// is left as a kill -9 leaves it, its latest commits only in path-wal.
func killedRun(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		require.True(t, ok, "the child exited before its run began")
	case <-time.After(20 * time.Second):
		t.Fatal("the child did not begin its run in 20 s")
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.True(t, walCommits(path), "the test needs commits left only in the -wal")
}

// marked reports whether the killed run's in-flight mark is in the store.
func marked(t *testing.T, s *Store) bool {
	t.Helper()
	_, ok := get(t, s, scopeA, "email:kill@x.org")
	return ok
}

func identityProblem(t *testing.T, err error) string {
	t.Helper()
	require.ErrorIs(t, err, ErrNotThisFile)
	var ie *IdentityError
	require.ErrorAs(t, err, &ie)
	return ie.Problem
}

// After a kill -9, the file reached under another name (a hard link, a
// move or a copy without its -wal) is refused by every way in, with what
// to do; under its own name it has everything, and once closed it can go
// anywhere.
func TestFileLeftOpenIsRefusedUnderAnotherName(t *testing.T) {
	tests := []struct {
		name  string
		other func(t *testing.T, path, other string)
		back  func(t *testing.T, path, other string)
	}{
		{"hard link", func(t *testing.T, path, other string) { require.NoError(t, os.Link(path, other)) }, nil},
		{"moved without its -wal", func(t *testing.T, path, other string) { require.NoError(t, os.Rename(path, other)) },
			func(t *testing.T, path, other string) { require.NoError(t, os.Rename(other, path)) }},
		{"copied without its -wal", func(t *testing.T, path, other string) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(other, b, 0o600))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "onboard-state.db")
			other := filepath.Join(t.TempDir(), "elsewhere.db")
			killedRun(t, path)
			tt.other(t, path, other)

			_, err := Open(other, Options{})
			assert.Equal(t, ProblemOpenElsewhere, identityProblem(t, err))
			assert.Contains(t, err.Error(), "was last opened as "+fileName(path))
			assert.Contains(t, err.Error(), "--state "+fileName(path))
			_, err = OpenReadOnly(other)
			assert.Equal(t, ProblemOpenElsewhere, identityProblem(t, err), "history, plan and lookup too")
			err = Backup(other, filepath.Join(t.TempDir(), "b.db"))
			assert.Equal(t, ProblemOpenElsewhere, identityProblem(t, err), "and backup")
			assert.NoFileExists(t, other+"-wal", "nothing was opened under the other name")

			if tt.back != nil {
				tt.back(t, path, other)
			}
			s, err := Open(path, Options{})
			require.NoError(t, err, "under its own name")
			assert.True(t, marked(t, s), "what was only in the -wal")
			require.NoError(t, s.Close())
			if _, err := os.Stat(other); err == nil && tt.back == nil {
				// The link shares the inode (now whole); the copy was
				// taken before and stays refused.
				if tt.name == "hard link" {
					s, err := Open(other, Options{})
					require.NoError(t, err, "closed cleanly: the file alone is whole")
					assert.True(t, marked(t, s))
					require.NoError(t, s.Close())
				} else {
					_, err := Open(other, Options{})
					assert.ErrorIs(t, err, ErrNotThisFile)
				}
			}
		})
	}
}

// A file whose runs all closed it can be moved, linked or copied alone.
func TestClosedFileIsWholeAlone(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org"}))
	m := peekMain(path)
	assert.Equal(t, fileName(path), m.openAs, "the main file names the run's open")
	assert.NotEmpty(t, m.openID)
	require.NoError(t, s.Close())
	assert.False(t, walCommits(path), "checkpointed at close")
	m2 := peekMain(path)
	assert.Empty(t, m2.openAs)
	assert.Equal(t, m.openID, m2.openID)
	li := parseLock(must(os.ReadFile(path + ".lock")))
	assert.Equal(t, m.openID, li.openID)
	assert.Empty(t, li.prevIDs, "the run's open_id reached the file")

	moved := filepath.Join(t.TempDir(), "moved.db")
	require.NoError(t, os.Rename(path, moved))
	s2, err := Open(moved, Options{})
	require.NoError(t, err)
	p, ok := get(t, s2, scopeA, "email:a@x.org")
	require.True(t, ok)
	assert.Equal(t, StatusInFlight, p.Status)
	require.NoError(t, s2.Close())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A -wal left by a killed run does not replay over another version of the
// file put at its name (a backup restored, a copy): refused, file and -wal
// untouched; with the -wal moved away, the file opens as it is.
func TestStaleWALIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "onboard-state.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	run := beginRun(t, s, scopeB)
	require.NoError(t, s.Record(scopeB, run, []Outcome{{Key: "email:b@x.org", Status: StatusCreated, VendorID: "9"}}))
	require.NoError(t, s.Close())
	backup := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, Backup(path, backup))

	killedRun(t, path) // the -wal now holds the killed run's commits
	wal := must(os.ReadFile(path + "-wal"))
	require.NoError(t, os.WriteFile(path, must(os.ReadFile(backup)), 0o600)) // restored over it

	_, err = Open(path, Options{})
	assert.Equal(t, ProblemStaleWAL, identityProblem(t, err))
	assert.Contains(t, err.Error(), "move "+realPath(path)+"-wal out of the way")
	_, err = OpenReadOnly(path)
	assert.Equal(t, ProblemStaleWAL, identityProblem(t, err))
	assert.Equal(t, wal, must(os.ReadFile(path+"-wal")), "the -wal is kept as it was")

	require.NoError(t, os.Rename(path+"-wal", filepath.Join(dir, "kept-wal")))
	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	p, ok := get(t, s, scopeB, "email:b@x.org")
	require.True(t, ok, "the restored file, whole")
	assert.Equal(t, "9", p.VendorID)
	var check string
	require.NoError(t, s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check))
	assert.Equal(t, "ok", check)
}

// An empty or missing file whose lock file shows a store was kept there is
// not silently a new store; deleting the lock file starts one on purpose.
func TestEmptiedFileWithHistoryIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name, word string
		empty      func(path string) error
	}{
		{"truncated to 0 bytes", "is empty", func(p string) error { return os.Truncate(p, 0) }},
		{"removed", "does not exist", os.Remove},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTemp(t)
			beginRun(t, s, scopeA)
			require.NoError(t, s.Close())
			lock := must(os.ReadFile(path + ".lock"))
			require.NoError(t, tt.empty(path))
			_, err := Open(path, Options{})
			assert.Equal(t, ProblemEmptied, identityProblem(t, err))
			assert.Contains(t, err.Error(), tt.word)
			assert.Contains(t, err.Error(), "delete "+path+".lock")
			assert.Equal(t, lock, must(os.ReadFile(path+".lock")), "the lock file keeps its history")
			if tt.word == "does not exist" {
				assert.NoFileExists(t, path, "no empty file left behind")
			}

			require.NoError(t, os.Remove(path+".lock"))
			s, err = Open(path, Options{})
			require.NoError(t, err, "a new store, on purpose")
			h, err := s.History(0)
			require.NoError(t, err)
			assert.Empty(t, h)
			require.NoError(t, s.Close())
		})
	}
}

// An empty file beside a -wal with commits and no lock file: SQLite would
// delete the -wal; refused instead.
func TestEmptyFileBesideAWALIsRefused(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org"}))
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	require.NoError(t, os.WriteFile(other+"-wal", must(os.ReadFile(path+"-wal")), 0o600))
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	_, err := Open(other, Options{})
	assert.Equal(t, ProblemEmptied, identityProblem(t, err))
	assert.Contains(t, err.Error(), "-wal holds records of a store")
	assert.FileExists(t, other+"-wal", "kept")
}

// A first open that fails leaves no history in the lock file, and a lock
// file an older onboard wrote (pid and start only) is history too.
func TestLockHistory(t *testing.T) {
	assert.False(t, parseLock(nil).used())
	assert.True(t, parseLock([]byte("pid=12 started=2026-01-01T00:00:00Z\n")).used(), "an older onboard's lock file")
	li := parseLock([]byte("pid=12 started=2026-01-01T00:00:00Z open_id=ab prev=cd,ef\n"))
	assert.True(t, li.knows("ab") && li.knows("cd") && li.knows("ef") && !li.knows("x"))
	assert.Equal(t, "pid=7 started=2026-01-01T00:00:00Z open_id=ab prev=cd,ef\n", string(li.format(7, li.started)))

	path := filepath.Join(t.TempDir(), "onboard-state.db")
	require.NoError(t, os.WriteFile(path, []byte("not a database, but long enough to be read as one by SQLite......"), 0o600))
	_, err := Open(path, Options{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotThisFile)
	assert.Empty(t, must(os.ReadFile(path+".lock")), "a failed open leaves no history")
}

// A backup taken while a run writes holds what is only in the -wal, is one
// file, and is a closed store with its own open_id.
func TestBackupWhileARunWrites(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:w@x.org", Status: StatusCreated, VendorID: "5"}}))
	require.True(t, walCommits(path), "the record is in the -wal only")
	dest := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, Backup(path, dest))
	assert.NoFileExists(t, dest+"-wal")
	m := peekMain(dest)
	assert.True(t, m.known)
	assert.Empty(t, m.openAs, "a closed store")
	assert.NotEqual(t, peekMain(path).openID, m.openID)
	fi := must(os.Stat(dest))
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	c, err := Open(dest, Options{})
	require.NoError(t, err)
	defer c.Close()
	p, ok := get(t, c, scopeA, "email:w@x.org")
	require.True(t, ok)
	assert.Equal(t, "5", p.VendorID)
	h, err := c.History(0)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, RunCrashed, h[0].Status, "the copy's run was still running")
}

// A folder moved whole after a kill takes the -wal and the lock file
// along: the store opens under its new path with everything. A folder
// reached by another path (a bind mount) is the same name.
func TestFolderMovedWholeOrMountedKeepsTheWAL(t *testing.T) {
	t.Run("moved", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "old")
		require.NoError(t, os.Mkdir(dir, 0o700))
		killedRun(t, filepath.Join(dir, "onboard-state.db"))
		moved := filepath.Join(t.TempDir(), "new")
		require.NoError(t, os.Rename(dir, moved))
		s, err := Open(filepath.Join(moved, "onboard-state.db"), Options{})
		require.NoError(t, err)
		assert.True(t, marked(t, s))
		require.NoError(t, s.Close())
	})
	t.Run("moved without the lock file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "onboard-state.db")
		killedRun(t, path)
		other := filepath.Join(t.TempDir(), "onboard-state.db")
		require.NoError(t, os.Rename(path, other))
		require.NoError(t, os.Rename(path+"-wal", other+"-wal"))
		_, err := Open(other, Options{})
		assert.Equal(t, ProblemOpenElsewhere, identityProblem(t, err), "the lock file here does not know it")
	})
	t.Run("bind mount", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("a bind mount needs root")
		}
		dir, mnt := t.TempDir(), t.TempDir()
		if out, err := exec.Command("mount", "--bind", dir, mnt).CombinedOutput(); err != nil {
			t.Skipf("cannot bind-mount here: %v %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
		killedRun(t, filepath.Join(dir, "onboard-state.db"))
		assert.True(t, sameName(filepath.Join(dir, "onboard-state.db"), filepath.Join(mnt, "onboard-state.db")))
		s, err := Open(filepath.Join(mnt, "onboard-state.db"), Options{})
		require.NoError(t, err, "the same -wal file under the other path")
		assert.True(t, marked(t, s))
		require.NoError(t, s.Close())
	})
}

// Settle leaves the run's writes in the main file alone, as EndRun's
// checkpoint does, while the run is still open; a read-only store may
// not checkpoint a file another process writes.
func TestSettleEmptiesTheWAL(t *testing.T) {
	s, path := openTemp(t)
	run := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:ann@x.org"}))
	require.True(t, walCommits(path), "the mark is in the -wal only")
	require.NoError(t, s.Settle())
	assert.False(t, walCommits(path), "Settle copied the -wal into the file")
	p, ok := get(t, s, scopeA, "email:ann@x.org")
	require.True(t, ok)
	assert.Equal(t, StatusInFlight, p.Status)

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	assert.Error(t, ro.Settle())
}
