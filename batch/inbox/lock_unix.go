//go:build unix

package inbox

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// LockedError is the answer to a second watcher of the same inbox.
type LockedError struct {
	Dir    string
	Holder string // "pid=N started=T" as the holder wrote it; "" when unknown
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("inbox %s is already watched by another onboard", e.Dir)
	if e.Holder != "" {
		msg += " (" + e.Holder + ")"
	}
	return msg + "; one watcher per inbox"
}

// lock is an flock on a file in the inbox, dropped by the kernel when its
// holder dies.
type lock struct{ f *os.File }

func acquire(dir, path string) (*lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("inbox lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			buf := make([]byte, 128)
			n, _ := f.ReadAt(buf, 0)
			return nil, &LockedError{Dir: dir, Holder: strings.TrimSpace(string(buf[:n]))}
		}
		return nil, fmt.Errorf("inbox lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "pid=%d started=%s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return &lock{f: f}, nil
}

func (l *lock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
