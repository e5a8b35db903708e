//go:build !unix

package state

import (
	"context"
	"errors"
	"time"
)

type runLock struct {
	before  lockInfo
	created bool
}

// acquireLock fails: the run lock needs flock, so Open works on unix only.
// OpenReadOnly works everywhere.
func acquireLock(context.Context, string, string, time.Duration, time.Time) (*runLock, error) {
	return nil, errors.New("state: the run lock needs a unix system (flock)")
}

func (l *runLock) release() error { return nil }

func (l *runLock) record(lockInfo) error { return nil }

func (l *runLock) restore() {}

// runLive cannot tell without flock: a run is taken to be alive.
func runLive(string) (bool, func()) { return true, func() {} }
