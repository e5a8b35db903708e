//go:build unix

package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a waiting Open retries the lock.
const lockPoll = 50 * time.Millisecond

// readerGrace is the least an Open waits for the lock (see runLive).
const readerGrace = 250 * time.Millisecond

// runLock is two exclusive flocks: one on a separate lock file beside the
// state file's real path (symlinks resolved), which holds the holder's pid
// for messages, and one on the state file itself, which is the file's
// identity (device and inode): a hard link or symlink to a state file in
// use is refused like the same path. flock and SQLite's POSIX fcntl locks
// do not interact; the state file's descriptor is closed only after SQLite
// has closed the database, because closing any descriptor of a file drops
// the process's fcntl locks on it. The kernel releases a flock when its
// holder dies, kill -9 included.
type runLock struct {
	f, db   *os.File
	before  lockInfo  // what the lock file said before this run took it
	created bool      // the state file did not exist: lockInode made it
	started time.Time // for the lock file's line
}

// acquireLock locks lockPath for dbPath, waiting up to wait. On success the
// lock file holds our pid and start time for the message others get.
func acquireLock(ctx context.Context, dbPath, lockPath string, wait time.Duration, now time.Time) (*runLock, error) {
	// No O_TRUNC: the holder's pid must survive our open. os.OpenFile sets
	// O_CLOEXEC, so child processes never inherit the lock.
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	private(f)
	// A reader (History) shares the lock for the milliseconds of one
	// query: even a run that must not wait outwaits that.
	deadline := time.Now().Add(max(wait, readerGrace))
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
	// What the last run left (its open ids say which -wal belongs to the
	// file), read before our pid replaces its own.
	buf := make([]byte, 512)
	n, _ := f.ReadAt(buf, 0)
	_, serr := os.Stat(dbPath)
	db, err := lockInode(ctx, dbPath, deadline)
	if err != nil {
		f.Close()
		return nil, err
	}
	l := &runLock{f: f, db: db, before: parseLock(buf[:n]), created: errors.Is(serr, os.ErrNotExist), started: now}
	// Our pid for the message others get; the open ids stay until this
	// run has its own (record).
	if err := l.write(l.before.format(os.Getpid(), now)); err != nil {
		l.release()
		return nil, fmt.Errorf("state lock %s: %w", lockPath, err)
	}
	return l, nil
}

// write replaces the lock file's content.
func (l *runLock) write(b []byte) error {
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt(b, 0)
	return err
}

// record writes this run's open ids into the lock file, durably: they
// decide whether a -wal left here after a kill belongs to the file.
func (l *runLock) record(li lockInfo) error {
	if err := l.write(li.format(os.Getpid(), l.started)); err != nil {
		return fmt.Errorf("state lock %s: %w", l.f.Name(), err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("state lock %s: %w", l.f.Name(), err)
	}
	return nil
}

// restore puts back what the lock file said before, after an Open that
// failed: a run that never opened the store leaves no trace of one.
func (l *runLock) restore() {
	if l != nil && l.f != nil {
		_ = l.write(l.before.raw)
	}
}

// lockInode opens (creating it 0600: SQLite gives its -wal and -shm files
// the database's mode) and flocks the state file itself, waiting until
// deadline. Another run holding it under another name (a hard link) gives
// a LockedError without a pid: its lock file has that other name.
func lockInode(ctx context.Context, dbPath string, deadline time.Time) (*os.File, error) {
	db, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	private(db)
	for _, side := range []string{"-wal", "-shm"} {
		if sf, err := os.OpenFile(dbPath+side, os.O_RDWR, 0); err == nil {
			private(sf)
			sf.Close()
		}
	}
	for {
		err = syscall.Flock(int(db.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return db, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			db.Close()
			return nil, fmt.Errorf("state file %s: lock: %w", dbPath, err)
		}
		if !time.Now().Before(deadline) {
			db.Close()
			return nil, &LockedError{Path: dbPath, OtherName: true}
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, fmt.Errorf("waiting for state lock on %s: %w", dbPath, ctx.Err())
		case <-time.After(min(lockPoll, time.Until(deadline))):
		}
	}
}

// private takes group and other permissions off a file of ours: state
// files written before they were created 0600 hold personal data too.
func private(f *os.File) {
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = f.Chmod(fi.Mode().Perm() &^ 0o077)
	}
}

// readHolder parses "pid=N started=T" from the lock file; a holder that has
// not written yet gives a LockedError without details.
func readHolder(f *os.File) *LockedError {
	buf := make([]byte, 512)
	n, _ := f.ReadAt(buf, 0)
	li := parseLock(buf[:n])
	return &LockedError{PID: li.pid, Started: li.started}
}

// release drops the lock. The file stays: removing it would let a process
// that opened it before the removal lock an unlinked inode while a third
// locks a new file, and both would run.
func (l *runLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	if l.db != nil {
		if derr := l.db.Close(); err == nil {
			err = derr
		}
	}
	l.f, l.db = nil, nil
	return err
}

// runLive reports whether a run holds lockPath. When none does, it keeps a
// shared flock on it until release, so that none starts meanwhile.
func runLive(lockPath string) (live bool, release func()) {
	f, err := os.Open(lockPath)
	if errors.Is(err, os.ErrNotExist) {
		return false, func() {} // no run ever locked this file
	}
	if err != nil {
		return true, func() {} // cannot tell: say what the file says
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		return true, func() {}
	}
	return false, func() { f.Close() } // closing drops the flock
}
