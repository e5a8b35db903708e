//go:build !unix

package inbox

import (
	"errors"
	"os"
)

// LockedError is the answer to a second watcher of the same inbox.
type LockedError struct{ Dir, Holder string }

func (e *LockedError) Error() string {
	return "inbox " + e.Dir + " is already watched by another onboard"
}

type lock struct{}

// acquire fails: the inbox lock needs flock, so watch works on unix only.
func acquire(string, string) (*lock, error) {
	return nil, errors.New("inbox: watching needs a unix system (flock)")
}

func (l *lock) release() error { return nil }

func links(os.FileInfo) uint64 { return 1 }
