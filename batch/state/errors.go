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

// ErrNotThisFile is matched (errors.Is) by an *IdentityError.
var ErrNotThisFile = errors.New("state file is not the one its lock file and log were written for")

// IdentityError refuses a state file that would silently forget: one that
// is empty while its lock file shows a store was kept there, one a run left
// open under another name, or one beside a -wal written for another
// version of it. Each message says what to do.
type IdentityError struct {
	Path    string
	Problem string // ProblemEmptied, ProblemOpenElsewhere, ProblemStaleWAL
	Other   string // ProblemOpenElsewhere: the name the run opened it under
	Missing bool   // ProblemEmptied: the file did not exist
	Lock    lockInfo
}

func (e *IdentityError) Error() string {
	switch e.Problem {
	case ProblemEmptied:
		what := "is empty"
		if e.Missing {
			what = "does not exist"
		}
		if !e.Lock.used() {
			return fmt.Sprintf("state file %s %s, but %s-wal holds records of a store: starting a new one would lose them. "+
				"Put the file back, or move the -wal file out of the way to start an empty store here",
				e.Path, what, realPath(e.Path))
		}
		seen := ""
		if !e.Lock.started.IsZero() {
			seen = " (last opened " + e.Lock.started.UTC().Format(time.RFC3339) + ")"
		}
		return fmt.Sprintf("state file %s %s, but %s.lock shows a store was kept there%s: starting a new one would create everyone again. "+
			"Put the file back (with its -wal file, if it has one) or restore a backup ('onboard state backup'); to start an empty store here on purpose, delete %s.lock",
			e.Path, what, realPath(e.Path), seen, realPath(e.Path))
	case ProblemOpenElsewhere:
		return fmt.Sprintf("state file %s was last opened as %s by a run that did not close it (killed, still running, or the file was moved, linked or copied meanwhile): "+
			"its latest records are in %s-wal, which SQLite reads only under that name. Run onboard once with --state %s (move the file back there first), "+
			"then move the file once no run is using it, or copy it with 'onboard state backup'",
			e.Path, e.Other, e.Other, e.Other)
	case ProblemStaleWAL:
		return fmt.Sprintf("state file %s: %s-wal was not written for this file (a run was killed here before the file was replaced or changed under another name) "+
			"and would overwrite newer records: move %s-wal out of the way (keep it) and run again",
			e.Path, realPath(e.Path), realPath(e.Path))
	}
	return fmt.Sprintf("state file %s: %s", e.Path, ErrNotThisFile)
}

// Is makes errors.Is(err, ErrNotThisFile) true.
func (e *IdentityError) Is(target error) bool { return target == ErrNotThisFile }
