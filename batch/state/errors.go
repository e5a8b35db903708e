package state

import (
	"errors"
	"fmt"
	"time"
)

// ErrLocked is matched (errors.Is) by a *LockedError.
var ErrLocked = errors.New("state file is in use by another run")

// ErrReadOnly is returned by write methods of a store from OpenReadOnly.
var ErrReadOnly = errors.New("state store is open read-only")

// LockedError says another run holds the state file. PID and Started come
// from the lock file and are zero when it could not be read.
type LockedError struct {
	Path    string
	PID     int
	Started time.Time
	// OtherName: the run holds the same file under another name (a hard
	// link or a symlink).
	OtherName bool
}

func (e *LockedError) Error() string {
	if e.OtherName {
		return fmt.Sprintf("state file %s is in use by another run, under another name (a link to the same file)", e.Path)
	}
	if e.PID == 0 {
		return fmt.Sprintf("state file %s is in use by another run", e.Path)
	}
	return fmt.Sprintf("state file %s is in use by another run (pid %d, started %s)",
		e.Path, e.PID, e.Started.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// SchemaError says the file's schema version cannot be used by this binary:
// newer than it knows, or (read-only) older and not yet migrated.
type SchemaError struct {
	Path    string
	Version int // the file's
	Known   int // this binary's SchemaVersion
}

func (e *SchemaError) Error() string {
	if e.Version > e.Known {
		return fmt.Sprintf("state file %s was written by a newer onboard (schema %d); this binary knows up to %d: upgrade onboard",
			e.Path, e.Version, e.Known)
	}
	if e.Version == 0 {
		return fmt.Sprintf("state file %s holds no onboard data yet", e.Path)
	}
	return fmt.Sprintf("state file %s has schema %d, older than this binary's %d; the next run upgrades it",
		e.Path, e.Version, e.Known)
}
