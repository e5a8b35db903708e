//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers/sim"
)

// The ledger never forgets (issue 17): the state file after a kill -9,
// reached under another name, moved, emptied or restored, against a
// simulator that counts the creates each person receives. A create sent
// again shows in Duplicates even when the vendor's "exists" answer lets
// the run adopt the person.

// ledgerRig is a roster, a simulator and the run command line for it.
type ledgerRig struct {
	s    *sim.Server
	url  string
	in   string
	dir  string
	rows int
}

func newLedgerRig(t *testing.T, rows int) *ledgerRig {
	t.Helper()
	s, url := simulator(t, "smartapp", sim.Options{Latency: 3 * time.Millisecond})
	return &ledgerRig{s: s, url: url, in: roster(t, rows), dir: t.TempDir(), rows: rows}
}

func (r *ledgerRig) args(stateFile, out string) []string {
	return []string{"run", "-q", "-p", "smartapp", "--base-url", r.url, "--rate", "0", "--workers", "4",
		"--state", stateFile, "-o", filepath.Join(r.dir, out), r.in}
}

// killAt runs the binary on stateFile and kills it with SIGKILL once the
// simulator holds n people; the store is left with commits only in its
// -wal.
func (r *ledgerRig) killAt(t *testing.T, stateFile string, n int) {
	t.Helper()
	cmd := exec.Command(binary(t), r.args(stateFile, "killed.csv")...)
	cmd.Env = os.Environ()
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for r.s.Store.Len() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	r.settle()
	require.Less(t, r.s.Store.Len(), r.rows, "killed before the end")
	fi, err := os.Stat(stateFile + "-wal")
	require.NoError(t, err)
	require.Greater(t, fi.Size(), int64(32), "the kill left commits in the -wal")
}

// settle waits for the requests a killed run had sent to be answered:
// the simulator's count stops moving.
func (r *ledgerRig) settle() {
	for n := -1; n != r.s.Store.Len(); {
		n = r.s.Store.Len()
		time.Sleep(100 * time.Millisecond)
	}
}

// run runs onboard in-process on stateFile.
func (r *ledgerRig) run(t *testing.T, stateFile, out string) (int, string) {
	t.Helper()
	code, _, stderr := onboard(t, r.args(stateFile, out)...)
	return code, stderr
}

// refused checks a run on stateFile is refused (exit 2, one line saying
// what to do, containing want) before anything is sent or written.
func (r *ledgerRig) refused(t *testing.T, stateFile, want string) {
	t.Helper()
	before := r.s.Store.Len()
	code, stderr := r.run(t, stateFile, "refused.csv")
	assert.Equal(t, exitFatal, code, stderr)
	assert.Contains(t, stderr, want)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %s", stderr)
	assert.Equal(t, before, r.s.Store.Len(), "nobody created")
	assert.Empty(t, r.s.Store.Duplicates(), "no create sent again")
	assert.NoFileExists(t, filepath.Join(r.dir, "refused.csv"), "no output")
}

// finishes checks a run on stateFile ends with everyone created exactly
// once, none of them sent twice.
func (r *ledgerRig) finishes(t *testing.T, stateFile, out string) {
	t.Helper()
	code, stderr := r.run(t, stateFile, out)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, r.rows, r.s.Store.Len())
	for key, n := range r.s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
	assert.Empty(t, r.s.Store.Duplicates(), "no create sent again")
}

func historyRuns(t *testing.T, stateFile string) []string {
	t.Helper()
	code, stdout, stderr := onboard(t, "history", "--state", stateFile)
	require.Equal(t, 0, code, stderr)
	var statuses []string
	for _, line := range strings.Split(stdout, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 4 && !strings.HasPrefix(line, " ") {
			statuses = append(statuses, f[4])
		}
	}
	return statuses
}

// kill -9, then the same file through a hard link: refused (the link
// would miss what is only in the -wal, 730 creates sent again in the
// issue); back on the first name the run finishes with nobody twice and
// every history row kept; once closed, the link is the whole store.
func TestKillNineThenAHardLinkThenBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	r := newLedgerRig(t, 200)
	x := filepath.Join(r.dir, "state.db")
	y := filepath.Join(t.TempDir(), "link.db")
	r.killAt(t, x, 60)
	require.NoError(t, os.Link(x, y))
	r.refused(t, y, "was last opened as "+x)
	r.refused(t, y, "Run onboard once with --state "+x)

	r.finishes(t, x, "r1.csv")
	r.finishes(t, y, "r2.csv") // closed cleanly: the link reads everything
	r.finishes(t, x, "r3.csv") // no stale -wal replays over what the link wrote
	assert.Equal(t, []string{"done", "done", "done", "crashed"}, historyRuns(t, x), "no history row gone")
	assert.Equal(t, historyRuns(t, x), historyRuns(t, y))
	rows := readCSV(t, filepath.Join(r.dir, "r3.csv"))
	assert.Equal(t, []string{"skipped"}, uniq(column(rows, "status")), "all done before")
}

// kill -9, then the file moved (or copied) without its -wal: refused (710
// sent again in the issue); moved back, the run finishes; once closed,
// the file moves alone.
func TestKillNineThenMovedWithoutItsWAL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	r := newLedgerRig(t, 200)
	x := filepath.Join(r.dir, "state.db")
	moved := filepath.Join(t.TempDir(), "moved.db")
	copied := filepath.Join(t.TempDir(), "copied.db")
	r.killAt(t, x, 60)
	b, err := os.ReadFile(x)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(copied, b, 0o600))
	require.NoError(t, os.Rename(x, moved))
	r.refused(t, moved, "was last opened as "+x)
	r.refused(t, copied, "was last opened as "+x)
	code, _, stderr := onboard(t, "history", "--state", moved)
	assert.Equal(t, exitFatal, code, "history would miss the -wal too")
	assert.Contains(t, stderr, "was last opened as "+x)

	require.NoError(t, os.Rename(moved, x))
	r.finishes(t, x, "r1.csv")
	require.NoError(t, os.Rename(x, moved)) // closed: the -wal is empty, the file whole
	r.finishes(t, moved, "r2.csv")
	rows := readCSV(t, filepath.Join(r.dir, "r2.csv"))
	assert.Equal(t, []string{"skipped"}, uniq(column(rows, "status")))
}

// A 0-byte (or missing) state file whose lock file shows earlier runs is
// refused, not a new store (2,000 re-sent in the issue); the backup taken
// with 'onboard state backup' puts it back.
func TestEmptiedStateFileWithALockHistory(t *testing.T) {
	r := newLedgerRig(t, 30)
	x := filepath.Join(r.dir, "state.db")
	r.finishes(t, x, "r1.csv")
	backup := filepath.Join(t.TempDir(), "backup.db")
	code, _, stderr := onboard(t, "state", "backup", "--state", x, backup)
	require.Equal(t, 0, code, stderr)

	require.NoError(t, os.Truncate(x, 0))
	r.refused(t, x, "state file "+x+" is empty, but "+x+".lock shows a store was kept there")
	require.NoError(t, os.Remove(x))
	r.refused(t, x, "state file "+x+" does not exist, but")
	assert.NoFileExists(t, x, "the refusal leaves no new file")

	b, err := os.ReadFile(backup)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(x, b, 0o600))
	r.finishes(t, x, "r2.csv")
	rows := readCSV(t, filepath.Join(r.dir, "r2.csv"))
	assert.Equal(t, []string{"skipped"}, uniq(column(rows, "status")))
}

// 'onboard state backup' while a run writes the store: the copy is one
// consistent file holding what was only in the -wal. Restored over the
// store while a kill -9's -wal is still beside it, the -wal is not
// replayed over it: refused until it is moved away.
func TestStateBackupWhileARunWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	r := newLedgerRig(t, 300)
	x := filepath.Join(r.dir, "state.db")
	cmd := exec.Command(binary(t), r.args(x, "live.csv")...)
	cmd.Env = os.Environ()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for r.s.Store.Len() < 50 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	before := r.s.Store.Len()
	code, _, stderr := onboard(t, "state", "backup", "--state", x, backup)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	r.settle()
	require.Less(t, r.s.Store.Len(), r.rows, "killed before the end")
	assert.NoFileExists(t, backup+"-wal", "one file")
	fi, err := os.Stat(backup)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	st, err := state.OpenReadOnly(backup)
	require.NoError(t, err)
	runs, err := st.History(0)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, "crashed", runs[0].Status, "the run was under way when copied, and never ends in the copy")
	// Until the -wal reaches 16,384 pages (wal_autocheckpoint), the run's records are in it
	// alone: each person is marked in flight before the create is sent,
	// so the copy knows at least everyone created before it began, and
	// the vendor ID of those it records as created.
	known, created := 0, 0
	for _, u := range r.s.Store.Users() {
		p, err := st.Lookup(u.Key)
		require.NoError(t, err)
		if len(p) == 1 {
			known++
			if p[0].Status == state.StatusCreated {
				created++
				assert.Equal(t, u.ID, p[0].VendorID, u.Key)
			}
		}
	}
	require.NoError(t, st.Close())
	t.Logf("%d created before the backup began; the copy knows %d (%d recorded created)", before, known, created)
	assert.GreaterOrEqual(t, known, before, "the backup holds what was only in the -wal")

	code, _, stderr = onboard(t, "state", "backup", "--state", x, backup)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "exists; choose a new name")

	b, err := os.ReadFile(backup)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(x, b, 0o600)) // restored over the killed store, its -wal still there
	r.refused(t, x, "-wal was not written for this file")
	require.NoError(t, os.Rename(x+"-wal", filepath.Join(r.dir, "kept-wal")))
	code, stderr = r.run(t, x, "after.csv")
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, r.rows, r.s.Store.Len())
	for key, n := range r.s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
}

// uniq is the distinct values of xs, sorted.
func uniq(xs []string) []string { return slices.Compact(slices.Sorted(slices.Values(xs))) }

// watch stops at a refused state store: every next file would be refused
// too. The file it took waits in processing/, the others in the inbox.
func TestWatchStopsAtARefusedStateStore(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 3))
	code, _, stderr := onboard(t, watchArgs(box, url, "--once")...)
	require.Equal(t, 0, code, stderr)
	stateFile := filepath.Join(box, "..", "state.db")
	require.NoError(t, os.Truncate(stateFile, 0))

	drop(t, box, "b.csv", people("a", 3))
	drop(t, box, "c.csv", people("c", 2))
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once")...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "is empty, but")
	assert.Len(t, reportsOf(t, stdout), 1, "one file taken, then stopped")
	processing, err := os.ReadDir(filepath.Join(box, "processing"))
	require.NoError(t, err)
	assert.Len(t, processing, 1, "the file taken waits in processing/")
	assert.Len(t, slices.DeleteFunc(names(t, box), func(n string) bool { return !strings.HasSuffix(n, ".csv") }), 1, "the other waits in the inbox")
	assert.Equal(t, 3, s.Store.Len())
	assert.Empty(t, s.Store.Duplicates(), "no create sent again")
}
