package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// Person statuses.
const (
	StatusInFlight = "in_flight" // marked before sending; outcome not recorded yet
	StatusCreated  = "created"
	StatusFailed   = "failed"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunDone        = "done"
	RunInterrupted = "interrupted"
	RunCrashed     = "crashed" // still running when a later Open found it
)

// defaultBusyTimeout bounds how long a statement waits for SQLite's own
// locks (a reader checkpointing, say) before failing.
const defaultBusyTimeout = 5 * time.Second

// Options tune Open. The zero value is ready to use.
type Options struct {
	// LockWait is how long Open waits for another run to release the
	// state file; 0 fails once a reader's moment is over (readerGrace).
	LockWait time.Duration
	// BusyTimeout is SQLite's busy_timeout; 0 means 5s.
	BusyTimeout time.Duration
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
}

// Store is an open state file. Its methods are safe for concurrent use; they
// are serialized on one connection, which is what SQLite does anyway for a
// single writer.
type Store struct {
	db      *sql.DB
	path    string
	ro      bool
	lock    *runLock    // nil when read-only
	writes  *writeStmts // nil when read-only
	reads   readStmts   // prepared on first use
	readDSN string      // the reader connections' (see readStmts); "" when read-only
	now     func() time.Time
	crashed []int64

	mu     sync.Mutex
	scopes map[Scope]int64
	fields fieldDict // digest field names by id (schema 6)
	// prefixes are the key prefixes known to be in key_prefixes.
	prefixes map[string]bool
	// sighted caches each scope's sightings index (see sightings).
	sighted map[int64]*sightingIndex
	// grown is the index Seen grows while a run goes on (see growSightings).
	grown map[int64]*sightingIndex
	// hash hashes keys for every sightings index of the store, so that
	// what PrepareMissing hashed while the rows were read is looked up in
	// the index after the last row as it is.
	hash    hasher
	missing *missingCache // see missingKeys
	// runIDs are the runs knownRun found in the file.
	runIDs map[int64]bool
	// candidates are who may go missing, read while a run reads its rows
	// (see PrepareMissing).
	candidates *candidates
	// marks are the marks in flight without an outcome (see journal.go).
	marks markSet

	closeOnce sync.Once
	closeErr  error
	copyDir   string // an upgraded copy's temp folder, removed on Close
	upgraded  int    // the schema of the file an upgraded copy was made of
	marked    bool   // markOpen recorded this run's open in the file
}

// Open opens or creates the state file at path for a run: it takes the run
// lock (see Options.LockWait), switches the file to WAL, migrates an older
// schema, refuses a newer one, and marks runs left "running" by a dead
// process as "crashed" (see CrashedRuns).
func Open(path string, opt Options) (*Store, error) {
	return OpenContext(context.Background(), path, opt)
}

// OpenContext is Open with a context that cancels the wait for the lock.
func OpenContext(ctx context.Context, path string, opt Options) (*Store, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	// Lock before touching the file: a second run must not even migrate.
	lk, err := acquireLock(ctx, path, realPath(path)+".lock", opt.LockWait, now())
	if err != nil {
		return nil, err
	}
	// Before SQLite reads it (and replays or deletes a -wal): is this the
	// file the lock file and the -wal here were written for?
	name := fileName(path)
	id, err := checkFile(path, name, lk.before, lk.created)
	if err == nil {
		var s *Store
		if s, err = open(path, false, opt.BusyTimeout, now); err == nil {
			s.lock = lk
			if err = s.prepareForRun(name, id); err == nil {
				return s, nil
			}
			lk.restore()
			s.Close() //nolint:errcheck // the setup error matters more
			return nil, err
		}
	}
	lk.restore()
	if lk.created {
		os.Remove(path) //nolint:errcheck // best effort: leave no file we made
	}
	lk.release() //nolint:errcheck // the open error matters more
	return nil, err
}

// realPath is path with symlinks resolved (its folder's, when the file
// does not exist yet), so a symlink to a state file shares its lock file.
func realPath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(d, filepath.Base(path))
	}
	return path
}

// OpenReadOnly opens an existing state file for plan, history and lookup.
// It takes no lock (WAL lets it read while a run writes) and never writes
// the file (one an older onboard wrote is read through an upgraded copy); a
// missing file is an error that matches fs.ErrNotExist.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("state file %s does not exist (no run has written it yet): %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("state file: %w", err)
	}
	// Read under another name than a run's, the file lacks what is only
	// in that run's -wal; beside a -wal of another version, it reads
	// records it never had.
	name := fileName(path)
	lk, _ := os.ReadFile(realPath(path) + ".lock")
	if _, err := checkFile(path, name, parseLock(lk), false); err != nil {
		return nil, err
	}
	s, err := open(path, true, 0, time.Now)
	if err != nil {
		return nil, err
	}
	v, err := schemaVersion(s.db, path)
	if err == nil && v > 0 && v < SchemaVersion {
		return s.upgradedCopy(v)
	}
	if err == nil && v != SchemaVersion {
		err = &SchemaError{Path: path, Version: v, Known: SchemaVersion}
	}
	if err != nil {
		s.Close() //nolint:errcheck // the version error matters more
		return nil, err
	}
	s.readSideBySide()
	return s, nil
}

// upgradedCopy reads a file an older onboard wrote through a copy in a
// private temp folder, migrated there: plan, history and lookup right
// after an upgrade must neither need a run first (the run is what upgrades
// the file, and plan is how one decides to run) nor write the file. The
// copy is taken with VACUUM INTO, consistent with a run writing the file
// meanwhile, and removed on Close. s is closed either way.
func (s *Store) upgradedCopy(from int) (*Store, error) {
	fail := func(err error) (*Store, error) {
		return nil, fmt.Errorf("state file %s: reading it through an upgraded copy: %w", s.path, err)
	}
	dir, err := os.MkdirTemp("", "onboard-state-")
	if err != nil {
		s.Close() //nolint:errcheck // the temp error matters more
		return fail(err)
	}
	cp := filepath.Join(dir, "state.db")
	_, err = s.db.Exec(`VACUUM INTO ?`, cp)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	var c *Store
	if err == nil {
		c, err = open(cp, false, 0, s.now)
	}
	if err == nil {
		if err = migrate(c.db, s.path, SchemaVersion); err != nil {
			c.Close() //nolint:errcheck // the migration error matters more
		}
	}
	if err != nil {
		os.RemoveAll(dir) //nolint:errcheck // best effort: the error matters more
		return fail(err)
	}
	c.path, c.ro, c.copyDir, c.upgraded = s.path, true, dir, from
	c.readSideBySide()
	return c, nil
}

// UpgradedFrom is the schema of a file an older onboard wrote, which
// OpenReadOnly reads through an upgraded copy; 0 for a current file.
func (s *Store) UpgradedFrom() int { return s.upgraded }

// open opens the database with per-connection settings in the DSN, so a
// connection the pool reopens gets them too.
func open(path string, ro bool, busy time.Duration, now func() time.Time) (*Store, error) {
	if busy <= 0 {
		busy = defaultBusyTimeout
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if ro {
		q.Set("mode", "ro") // SQLite's own: never create, never write
	} else {
		// NORMAL is safe with WAL: a commit is in the WAL before it returns,
		// so a killed process loses nothing and the file never corrupts;
		// only power loss can drop the latest commits (fsync happens at
		// checkpoints). MarkInFlight, the one write whose loss could cause
		// a duplicate, raises it to FULL for its own commit.
		q.Add("_pragma", "synchronous(NORMAL)")
		// Checkpoint after 64 MB of WAL, not SQLite's 4 MB: a roster in no
		// key order touches a page a person, and a checkpoint after nearly
		// every commit wrote each page into the file again and again
		// (BenchmarkMarkAndRecordShuffled; a 100k-row first run 15% less
		// time). Runs end with a checkpoint that truncates the WAL.
		q.Add("_pragma", "wal_autocheckpoint(16384)")
		q.Set("_txlock", "immediate") // take the write lock at BEGIN, not mid-transaction
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	var readDSN string
	if !ro {
		readDSN = readerDSN(abs, busy)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	// One connection: one writer, and PRAGMA synchronous changes apply to
	// the connection the next transaction uses.
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &Store{db: db, readDSN: readDSN, path: path, ro: ro, now: now, scopes: map[Scope]int64{}, prefixes: map[string]bool{},
		sighted: map[int64]*sightingIndex{}, grown: map[int64]*sightingIndex{}, hash: newHasher(), runIDs: map[int64]bool{}}, nil
}

// prepareForRun sets WAL, checkpoints what a killed run left in it,
// migrates, marks crashed runs and records the name the file is open
// under (see markOpen). mainID is the main file's open_id before.
func (s *Store) prepareForRun(name, mainID string) error {
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("state file %s: set WAL: %w", s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("state file %s: cannot use WAL journal (got %q); is it on a network file system?", s.path, mode)
	}
	if _, err := s.checkpointWAL(); err != nil {
		return err
	}
	from, err := schemaVersion(s.db, s.path)
	if err != nil {
		return err
	}
	if err := migrate(s.db, s.path, SchemaVersion); err != nil {
		return err
	}
	// Schema 8 rebuilt the people table: the old one's pages are left free
	// in the file (a v7 file of 100k people grew from 21 to 42 MB). One
	// VACUUM after the upgrade gives them back.
	if from > 0 && from < 8 {
		if _, err := s.db.Exec(`VACUUM`); err != nil {
			return fmt.Errorf("state file %s: compact after the upgrade to schema %d: %w", s.path, SchemaVersion, err)
		}
	}
	if err := s.markCrashed(); err != nil {
		return err
	}
	if err := s.markOpen(name, mainID, metaID(s.db)); err != nil {
		return err
	}
	w, err := prepareWrites(s.db)
	if err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	s.writes = w
	// Before anything reads people: a dead run's marks are in flight.
	return s.foldJournal()
}

// Close releases the database and then the run lock. Later calls return
// the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// A run never ended leaves its marks without an outcome in flight.
		err := errors.Join(s.settleMarks(0), s.reads.close(), s.writes.close(), s.markClosed(), s.db.Close())
		if lerr := s.lock.release(); err == nil {
			err = lerr
		}
		if s.copyDir != "" {
			err = errors.Join(err, os.RemoveAll(s.copyDir))
		}
		if err != nil {
			s.closeErr = fmt.Errorf("state file %s: close: %w", s.path, err)
		}
	})
	return s.closeErr
}

// Path is the state file's path as given to Open.
func (s *Store) Path() string { return s.path }

// writable reports ErrReadOnly for a read-only store.
func (s *Store) writable() error {
	if s.ro {
		return fmt.Errorf("state file %s: %w", s.path, ErrReadOnly)
	}
	return nil
}

// inTx runs fn in one transaction. durable raises synchronous to FULL for
// this commit, so it is on disk (not just in the OS cache) when inTx returns.
func (s *Store) inTx(durable bool, fn func(tx *sql.Tx) error) (err error) {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if durable {
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			return err
		}
		defer func() {
			if _, rerr := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err == nil {
				err = rerr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // fn's error matters more
		return err
	}
	return tx.Commit()
}

// timeLayout is RFC 3339 in UTC with milliseconds: readable in the sqlite3
// shell, and sorts as text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a stored time; NULL or "" is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s.String)
}
