package state

import (
	"database/sql"
	"fmt"
	"time"
)

// Counts are a run's row totals by final status.
type Counts struct {
	Rows, Created, Skipped, Invalid, Failed, NotAttempted, Recovered int
	// Day two: people skipped whose values changed, people updated,
	// rows refused as conflict, people the store knows and the file lacks.
	Changed, Updated, Conflicts, Missing int
	// StillMissing: people listed missing by an earlier run and not seen
	// since (counted, not listed again).
	StillMissing int
}

// Run is one recorded run. Ended is zero while running and for a crashed run.
type Run struct {
	ID       int64
	File     string
	FileHash string // sha256 hex of the roster
	Provider string
	Scope    Scope
	Started  time.Time
	Ended    time.Time
	Counts   Counts
	// Status is RunRunning, RunDone or RunCrashed, or why the run stopped
	// early: RunInterrupted, RunAuthFailed, RunLicences, RunBreaker or
	// RunAborted.
	Status  string
	Results string // the results sheet, as given to the run
	FixFile string // the fix file (--failed-out); "" when none
}

// Why a run stopped early, recorded as its status (EndRun). A crashed run
// is one that never recorded itself (kill -9, power loss).
const (
	RunAuthFailed = "auth_failed" // the vendor refused the credentials
	RunLicences   = "licences"    // the vendor's licences were used up
	RunBreaker    = "breaker"     // the breaker stopped a run of identical failures
	RunAborted    = "aborted"     // a second Ctrl-C, or an error that ended the run (unreadable row, output not writable)
)

// stopStatuses are the early stops; their rows say status 'interrupted'
// and keep the reason in the stop column.
var stopStatuses = map[string]bool{RunInterrupted: true, RunAuthFailed: true, RunLicences: true, RunBreaker: true, RunAborted: true}

// BeginRun records a new run as running and returns its id.
func (s *Store) BeginRun(file, fileHash string, sc Scope) (int64, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	sid, _, err := s.scopeID(sc, true)
	if err != nil {
		return 0, err
	}
	// A run of this process that never ended leaves its marks without an
	// outcome in flight, as a run that died does (see journal.go).
	if err := s.settleMarks(0); err != nil {
		return 0, fmt.Errorf("state: begin run for %s: %w", file, err)
	}
	kept, err := s.foldSightings(sid)
	if err != nil {
		return 0, err
	}
	s.forgetSightings(sid)
	if kept != nil {
		// The run's Seen grows it from here (growSightings).
		s.mu.Lock()
		s.grown[sid] = kept
		s.mu.Unlock()
	}
	var id int64
	err = s.db.QueryRow(`INSERT INTO runs (file, file_hash, provider, scope_id, started, status)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		file, fileHash, sc.normalize().Provider, sid, fmtTime(s.now()), RunRunning).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("state: begin run for %s: %w", file, err)
	}
	return id, nil
}

// EndRun stores a running run's counts and final status: RunDone, or one
// of the early stops (RunInterrupted, RunAuthFailed, RunLicences,
// RunBreaker, RunAborted).
func (s *Store) EndRun(runID int64, c Counts, status string) error {
	if err := s.writable(); err != nil {
		return err
	}
	stored, stop := RunDone, ""
	switch {
	case status == RunDone:
	case stopStatuses[status]:
		stored, stop = RunInterrupted, status
	default:
		return fmt.Errorf("state: end run %d: status %q is not %q or an early stop", runID, status, RunDone)
	}
	// The answers still unknown stay in flight: the next run looks them up.
	if err := s.settleMarks(runID); err != nil {
		return fmt.Errorf("state: end run %d: %w", runID, err)
	}
	res, err := s.db.Exec(`UPDATE runs SET ended = ?, status = ?, stop = ?, rows = ?, created = ?, skipped = ?,
		invalid = ?, failed = ?, not_attempted = ?, recovered = ?, changed = ?, updated = ?, conflicts = ?, missing = ?,
		still_missing = ?
		WHERE id = ? AND status = 'running'`,
		fmtTime(s.now()), stored, stop, c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Recovered,
		c.Changed, c.Updated, c.Conflicts, c.Missing, c.StillMissing, runID)
	if err != nil {
		return fmt.Errorf("state: end run %d: %w", runID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("state: end run %d: no such running run", runID)
	}
	// The run's records into the file itself, even if the process dies
	// before Close (a second Ctrl-C ends the run here, then exits).
	_, _ = s.checkpointWAL() // best effort: Close checkpoints again
	return nil
}

// Checkpoint stores a running run's counts so far, so that a run killed
// before EndRun still shows what it did.
func (s *Store) Checkpoint(runID int64, c Counts) error {
	if err := s.writable(); err != nil {
		return err
	}
	_, err := s.db.Exec(`UPDATE runs SET rows = ?, created = ?, skipped = ?, invalid = ?, failed = ?,
		not_attempted = ?, recovered = ? WHERE id = ? AND status = 'running'`,
		c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Recovered, runID)
	if err != nil {
		return fmt.Errorf("state: checkpoint run %d: %w", runID, err)
	}
	return nil
}

// SetOutputs records where a run writes its results sheet and fix file.
func (s *Store) SetOutputs(runID int64, results, fixFile string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if _, err := s.db.Exec(`UPDATE runs SET results = ?, fix_file = ? WHERE id = ?`, results, fixFile, runID); err != nil {
		return fmt.Errorf("state: run %d outputs: %w", runID, err)
	}
	return nil
}

// RecordInvalid stores the digests of a run's invalid rows (any stable
// hash of a row's cells) in one transaction; duplicates are kept once.
func (s *Store) RecordInvalid(runID int64, digests [][]byte) error {
	if err := s.writable(); err != nil {
		return err
	}
	err := s.inTx(false, func(tx *sql.Tx) error {
		st, err := tx.Prepare(`INSERT OR IGNORE INTO run_invalid (run_id, digest) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, d := range digests {
			if _, err := st.Exec(runID, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: run %d invalid rows: %w", runID, err)
	}
	return nil
}

// InvalidSince compares run's invalid rows with those of the scope's
// previous run that ended (done or stopped early, not crashed): still is
// how many were invalid then too, fresh how many are new. prev is that
// run's id, 0 when there is none (then every invalid row is new).
func (s *Store) InvalidSince(runID int64) (fresh, still int, prev int64, err error) {
	err = s.db.QueryRow(`SELECT coalesce((SELECT p.id FROM runs p JOIN runs r ON r.id = ?
		WHERE p.scope_id = r.scope_id AND p.id < r.id AND p.status IN ('done', 'interrupted')
		ORDER BY p.id DESC LIMIT 1), 0)`, runID).Scan(&prev)
	if err == nil {
		err = s.db.QueryRow(`SELECT count(*), count(p.digest) FROM run_invalid c
			LEFT JOIN run_invalid p ON p.run_id = ? AND p.digest = c.digest
			WHERE c.run_id = ?`, prev, runID).Scan(&fresh, &still)
		fresh -= still
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("state: run %d invalid rows: %w", runID, err)
	}
	return fresh, still, prev, nil
}

// LastDone returns the scope's latest run that finished (status done), or
// ok false when it has none.
func (s *Store) LastDone(sc Scope) (r Run, ok bool, err error) {
	sid, found, err := s.scopeID(sc, false)
	if err != nil || !found {
		return Run{}, false, err
	}
	runs, err := s.runs(`WHERE r.scope_id = ? AND r.status = 'done' ORDER BY r.id DESC LIMIT 1`, sid)
	if err != nil || len(runs) == 0 {
		return Run{}, false, err
	}
	return runs[0], true, nil
}

// markCrashed marks runs left running as crashed. Open calls it with the
// run lock held, so no live process owns them.
func (s *Store) markCrashed() error {
	rows, err := s.db.Query(`UPDATE runs SET status = 'crashed' WHERE status = 'running' RETURNING id`)
	if err != nil {
		return fmt.Errorf("state file %s: mark crashed runs: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("state file %s: mark crashed runs: %w", s.path, err)
		}
		s.crashed = append(s.crashed, id)
	}
	return rows.Err()
}

// CrashedRuns lists the runs this Open found still running and marked
// crashed; their in_flight keys are resolved by the next sends with Recover.
func (s *Store) CrashedRuns() []int64 { return s.crashed }

// History returns the latest runs, newest first; limit <= 0 returns all.
func (s *Store) History(limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	if !s.ro {
		return s.runs(`ORDER BY r.id DESC LIMIT ?`, limit)
	}
	// A reader takes no run lock, so a run killed since the last Open is
	// still "running" in the file. Read while sharing the lock file's
	// flock: a live run holds it exclusively, and none can start meanwhile
	// (a run waiting for the lock retries), so when the shared lock is
	// granted, every run still running died.
	live, release := runLive(realPath(s.path) + ".lock")
	defer release()
	runs, err := s.runs(`ORDER BY r.id DESC LIMIT ?`, limit)
	for i := range runs {
		if !live && runs[i].Status == RunRunning {
			runs[i].Status = RunCrashed
		}
	}
	return runs, err
}

// runs selects runs; tail is the WHERE/ORDER/LIMIT part.
func (s *Store) runs(tail string, args ...any) ([]Run, error) {
	rows, err := s.db.Query(`SELECT r.id, r.file, r.file_hash, r.provider, s.provider, s.base_url, s.tenant,
		r.started, r.ended, r.rows, r.created, r.skipped, r.invalid, r.failed, r.not_attempted, r.recovered,
		r.changed, r.updated, r.conflicts, r.missing, r.still_missing,
		r.status, r.stop, r.results, r.fix_file
		FROM runs r JOIN scopes s ON s.id = r.scope_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("state: history: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var (
			r              Run
			c              = &r.Counts
			started, ended sql.NullString
			stop           string
		)
		err := rows.Scan(&r.ID, &r.File, &r.FileHash, &r.Provider, &r.Scope.Provider, &r.Scope.BaseURL, &r.Scope.Tenant,
			&started, &ended, &c.Rows, &c.Created, &c.Skipped, &c.Invalid, &c.Failed, &c.NotAttempted, &c.Recovered,
			&c.Changed, &c.Updated, &c.Conflicts, &c.Missing, &c.StillMissing,
			&r.Status, &stop, &r.Results, &r.FixFile)
		if err == nil {
			r.Started, err = parseTime(started)
		}
		if err == nil {
			r.Ended, err = parseTime(ended)
		}
		if err != nil {
			return nil, fmt.Errorf("state: history: run %d: %w", r.ID, err)
		}
		if stop != "" {
			r.Status = stop
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: history: %w", err)
	}
	return out, nil
}
