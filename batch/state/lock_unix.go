//go:build unix

package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockPoll is how often a waiting Open retries the lock.
const lockPoll = 50 * time.Millisecond

// runLock is an exclusive flock on a separate file. A separate file because
// SQLite already uses POSIX fcntl locks on the database itself, and closing
// any descriptor of a file drops every fcntl lock the process holds on it.
// The kernel releases a flock when its holder dies, kill -9 included.
type runLock struct{ f *os.File }

// acquireLock locks lockPath for dbPath, waiting up to wait. On success the
// lock file holds our pid and start time for the message others get.
func acquireLock(ctx context.Context, dbPath, lockPath string, wait time.Duration, now time.Time) (*runLock, error) {
	// No O_TRUNC: the holder's pid must survive our open. os.OpenFile sets
	// O_CLOEXEC, so child processes never inherit the lock.
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("state lock %s: %w", lockPath, err)
		}
		if !time.Now().Before(deadline) {
			le := readHolder(f)
			f.Close()
			le.Path = dbPath
			return nil, le
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for state lock on %s: %w", dbPath, ctx.Err())
		case <-time.After(min(lockPoll, time.Until(deadline))):
		}
	}
	info := fmt.Sprintf("pid=%d started=%s\n", os.Getpid(), now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(info), 0)
	}
	if err != nil {
		f.Close() // closing drops the lock
		return nil, fmt.Errorf("state lock %s: %w", lockPath, err)
	}
	return &runLock{f: f}, nil
}

// readHolder parses "pid=N started=T" from the lock file; a holder that has
// not written yet gives a LockedError without details.
func readHolder(f *os.File) *LockedError {
	le := &LockedError{}
	buf := make([]byte, 256)
	n, _ := f.ReadAt(buf, 0)
	for _, field := range strings.Fields(string(buf[:n])) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "pid":
			le.PID, _ = strconv.Atoi(v)
		case "started":
			le.Started, _ = time.Parse(time.RFC3339, v)
		}
	}
	return le
}

// release drops the lock. The file stays: removing it would let a process
// that opened it before the removal lock an unlinked inode while a third
// locks a new file, and both would run.
func (l *runLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
