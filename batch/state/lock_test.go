//go:build unix

package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecondOpenFailsFast(t *testing.T) {
	s, path := openTemp(t)

	start := time.Now()
	_, err := Open(path, Options{})
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "LockWait 0 does not wait")
	assert.ErrorIs(t, err, ErrLocked)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, os.Getpid(), le.PID)
	assert.Equal(t, fmt.Sprintf("state file %s is in use by another run (pid %d, started 2026-11-23T10:00:01Z)", path, os.Getpid()),
		err.Error())

	require.NoError(t, s.Close())
	s2, err := Open(path, Options{})
	require.NoError(t, err, "free after the first Close")
	require.NoError(t, s2.Close())
}

func TestLockWait(t *testing.T) {
	tests := []struct {
		name      string
		wait      time.Duration
		releaseIn time.Duration // 0: the holder keeps the lock
		wantErr   bool
	}{
		{"holder closes while we wait", 10 * time.Second, 100 * time.Millisecond, false},
		{"wait runs out", 150 * time.Millisecond, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTemp(t)
			if tt.releaseIn > 0 {
				time.AfterFunc(tt.releaseIn, func() { s.Close() })
			}
			start := time.Now()
			s2, err := Open(path, Options{LockWait: tt.wait})
			took := time.Since(start)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrLocked)
				assert.GreaterOrEqual(t, took, tt.wait)
				return
			}
			require.NoError(t, err)
			assert.GreaterOrEqual(t, took, tt.releaseIn)
			assert.Less(t, took, tt.wait)
			require.NoError(t, s2.Close())
		})
	}
}

func TestLockWaitCancelled(t *testing.T) {
	_, path := openTemp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := OpenContext(ctx, path, Options{LockWait: time.Minute})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// helperEnv switches TestHelperHoldLock on in the child process.
const helperEnv = "STATE_TEST_HOLD_LOCK"

// TestHelperHoldLock is the child of TestLockReleasedOnKill: it opens the
// store, starts a run, marks a key in flight, says "ready <run>" and waits
// to be killed (20 s at most).
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestLockReleasedOnKill")
	}
	s, err := Open(path, Options{})
	require.NoError(t, err)
	run, err := s.BeginRun("roster.csv", "0123abcd", scopeA)
	require.NoError(t, err)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:kill@x.org"}))
	fmt.Printf("ready %d\n", run)
	time.Sleep(20 * time.Second)
}

func TestLockReleasedOnKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- sc.Text()
				return
			}
		}
		close(ready)
	}()
	var line string
	select {
	case l, ok := <-ready:
		require.True(t, ok, "child exited before taking the lock")
		line = l
	case <-time.After(20 * time.Second):
		t.Fatal("child did not take the lock in 20 s")
	}
	run, err := strconv.ParseInt(strings.TrimPrefix(line, "ready "), 10, 64)
	require.NoError(t, err)

	_, err = Open(path, Options{})
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, cmd.Process.Pid, le.PID)
	assert.Regexp(t, regexp.MustCompile(`is in use by another run \(pid \d+, started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$`), err.Error())

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "child was killed: %v", err)

	s, err := Open(path, Options{})
	require.NoError(t, err, "the kernel dropped the dead child's lock")
	defer s.Close()
	assert.Equal(t, []int64{run}, s.CrashedRuns())
	h, err := s.History(1)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, RunCrashed, h[0].Status)
	p, ok := get(t, s, scopeA, "email:kill@x.org")
	require.True(t, ok, "the in_flight mark survived kill -9")
	assert.Equal(t, StatusInFlight, p.Status)
}

// A run that must not wait for the lock still outwaits a reader's moment:
// history shares the lock while it reads (runLive).
func TestOpenOutwaitsAReader(t *testing.T) {
	s, path := openTemp(t)
	require.NoError(t, s.Close())
	live, release := runLive(realPath(path) + ".lock")
	require.False(t, live, "no run holds the lock")
	go func() {
		time.Sleep(readerGrace / 5)
		release()
	}()
	w, err := Open(path, Options{})
	require.NoError(t, err, "the reader let go within the grace")
	defer w.Close()

	live, release = runLive(realPath(path) + ".lock")
	release()
	assert.True(t, live, "a run holds the lock")
}
