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
	Status   string // RunRunning, RunDone, RunInterrupted or RunCrashed
}

// BeginRun records a new run as running and returns its id.
func (s *Store) BeginRun(file, fileHash string, sc Scope) (int64, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	sid, _, err := s.scopeID(sc, true)
	if err != nil {
		return 0, err
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

// EndRun stores a running run's counts and final status (RunDone or
// RunInterrupted).
func (s *Store) EndRun(runID int64, c Counts, status string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if status != RunDone && status != RunInterrupted {
		return fmt.Errorf("state: end run %d: status %q is not %q or %q", runID, status, RunDone, RunInterrupted)
	}
	res, err := s.db.Exec(`UPDATE runs SET ended = ?, status = ?, rows = ?, created = ?, skipped = ?,
		invalid = ?, failed = ?, not_attempted = ?, recovered = ?, changed = ?, updated = ?, conflicts = ?, missing = ?
		WHERE id = ? AND status = 'running'`,
		fmtTime(s.now()), status, c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Recovered,
		c.Changed, c.Updated, c.Conflicts, c.Missing, runID)
	if err != nil {
		return fmt.Errorf("state: end run %d: %w", runID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("state: end run %d: no such running run", runID)
	}
	return nil
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
	rows, err := s.db.Query(`SELECT r.id, r.file, r.file_hash, r.provider, s.provider, s.base_url, s.tenant,
		r.started, r.ended, r.rows, r.created, r.skipped, r.invalid, r.failed, r.not_attempted, r.recovered,
		r.changed, r.updated, r.conflicts, r.missing, r.status
		FROM runs r JOIN scopes s ON s.id = r.scope_id ORDER BY r.id DESC LIMIT ?`, limit)
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
		)
		err := rows.Scan(&r.ID, &r.File, &r.FileHash, &r.Provider, &r.Scope.Provider, &r.Scope.BaseURL, &r.Scope.Tenant,
			&started, &ended, &c.Rows, &c.Created, &c.Skipped, &c.Invalid, &c.Failed, &c.NotAttempted, &c.Recovered,
			&c.Changed, &c.Updated, &c.Conflicts, &c.Missing, &r.Status)
		if err == nil {
			r.Started, err = parseTime(started)
		}
		if err == nil {
			r.Ended, err = parseTime(ended)
		}
		if err != nil {
			return nil, fmt.Errorf("state: history: run %d: %w", r.ID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: history: %w", err)
	}
	return out, nil
}
