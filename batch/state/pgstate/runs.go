package pgstate

import (
	"context"
	"fmt"
	"time"

	"github.com/onboard/onboard/batch/state"
)

// BeginRun records a new run as running under a lease this store renews,
// and first marks crashed the runs whose lease lapsed (their process died:
// many runs share the database, so a run still running may be alive).
func (s *Store) BeginRun(file, fileHash string, sc state.Scope) (int64, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	sid, _, err := s.scopeID(s.ctx, sc, true)
	if err != nil {
		return 0, err
	}
	if err := s.markCrashed(); err != nil {
		return 0, err
	}
	var id int64
	err = s.row(s.ctx, `INSERT INTO onboard_runs (file, file_hash, provider, scope_id, started, status, lease_until)
		VALUES ($1, $2, $3, $4, $5, 'running', clock_timestamp() + $6::interval) RETURNING id`,
		[]any{file, fileHash, sc.Normalized().Provider, sid, s.opt.Now(), s.opt.Lease.String()}, &id)
	if err != nil {
		return 0, fmt.Errorf("state: begin run for %s: %w", file, err)
	}
	s.mu.Lock()
	s.runs[id] = true
	s.mu.Unlock()
	return id, nil
}

func (s *Store) markCrashed() error {
	var ids []int64
	err := s.row(s.ctx, `WITH c AS (UPDATE onboard_runs SET status = 'crashed'
		WHERE status = 'running' AND lease_until < clock_timestamp() RETURNING id)
		SELECT coalesce(array_agg(id), '{}') FROM c`, nil, &ids)
	if err != nil {
		return fmt.Errorf("state database %s: mark crashed runs: %w", s.name, err)
	}
	s.mu.Lock()
	s.crashed = append(s.crashed, ids...)
	s.mu.Unlock()
	return nil
}

// CrashedRuns lists the runs this store found with a lapsed lease and
// marked crashed.
func (s *Store) CrashedRuns() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.crashed...)
}

// EndRun stores a running run's counts and final status.
func (s *Store) EndRun(runID int64, c state.Counts, status string) error {
	if err := s.writable(); err != nil {
		return err
	}
	stored, stop := state.RunDone, ""
	switch {
	case status == state.RunDone:
	case state.IsStopStatus(status):
		stored, stop = state.RunInterrupted, status
	default:
		return fmt.Errorf("state: end run %d: status %q is not %q or an early stop", runID, status, state.RunDone)
	}
	tag, err := s.exec(s.ctx, `UPDATE onboard_runs SET ended = $1, status = $2, stop = $3, rows = $4, created = $5,
		skipped = $6, invalid = $7, failed = $8, not_attempted = $9, recovered = $10, changed = $11, updated = $12,
		conflicts = $13, missing = $14, still_missing = $15, lease_until = NULL
		WHERE id = $16 AND status = 'running'`,
		s.opt.Now(), stored, stop, c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Recovered,
		c.Changed, c.Updated, c.Conflicts, c.Missing, c.StillMissing, runID)
	if err != nil {
		return fmt.Errorf("state: end run %d: %w", runID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("state: end run %d: no such running run", runID)
	}
	// Claims left in flight (unknown outcomes) lapse now: the next run
	// takes them over with a lookup, without waiting out the lease.
	if _, err := s.exec(s.ctx, `UPDATE onboard_people SET lease_until = clock_timestamp()
		WHERE claim_run = $1 AND status = 'in_flight'`, runID); err != nil {
		return fmt.Errorf("state: end run %d: %w", runID, err)
	}
	s.mu.Lock()
	delete(s.runs, runID)
	s.mu.Unlock()
	return nil
}

// Checkpoint stores a running run's counts so far.
func (s *Store) Checkpoint(runID int64, c state.Counts) error {
	if err := s.writable(); err != nil {
		return err
	}
	_, err := s.exec(s.ctx, `UPDATE onboard_runs SET rows = $1, created = $2, skipped = $3, invalid = $4, failed = $5,
		not_attempted = $6, recovered = $7 WHERE id = $8 AND status = 'running'`,
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
	if _, err := s.exec(s.ctx, `UPDATE onboard_runs SET results = $1, fix_file = $2 WHERE id = $3`, results, fixFile, runID); err != nil {
		return fmt.Errorf("state: run %d outputs: %w", runID, err)
	}
	return nil
}

// RecordInvalid stores the digests of a run's invalid rows.
func (s *Store) RecordInvalid(runID int64, digests [][]byte) error {
	if err := s.writable(); err != nil {
		return err
	}
	if len(digests) == 0 {
		return nil
	}
	if _, err := s.exec(s.ctx, `INSERT INTO onboard_run_invalid (run_id, digest)
		SELECT $1, d FROM unnest($2::bytea[]) AS d ON CONFLICT DO NOTHING`, runID, digests); err != nil {
		return fmt.Errorf("state: run %d invalid rows: %w", runID, err)
	}
	return nil
}

// InvalidSince compares run's invalid rows with the scope's previous ended
// run's.
func (s *Store) InvalidSince(runID int64) (fresh, still int, prev int64, err error) {
	err = s.pool.QueryRow(s.ctx, `SELECT coalesce((SELECT p.id FROM onboard_runs p JOIN onboard_runs r ON r.id = $1
		WHERE p.scope_id = r.scope_id AND p.id < r.id AND p.status IN ('done', 'interrupted')
		ORDER BY p.id DESC LIMIT 1), 0)`, runID).Scan(&prev)
	if err == nil {
		err = s.pool.QueryRow(s.ctx, `SELECT count(*), count(p.digest) FROM onboard_run_invalid c
			LEFT JOIN onboard_run_invalid p ON p.run_id = $1 AND p.digest = c.digest
			WHERE c.run_id = $2`, prev, runID).Scan(&fresh, &still)
		fresh -= still
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("state: run %d invalid rows: %w", runID, err)
	}
	return fresh, still, prev, nil
}

// LastDone returns the scope's latest run that finished.
func (s *Store) LastDone(sc state.Scope) (state.Run, bool, error) {
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found {
		return state.Run{}, false, err
	}
	runs, err := s.runList(`WHERE r.scope_id = $1 AND r.status = 'done' ORDER BY r.id DESC LIMIT 1`, sid)
	if err != nil || len(runs) == 0 {
		return state.Run{}, false, err
	}
	return runs[0], true, nil
}

// History returns the latest runs, newest first; limit <= 0 returns all.
func (s *Store) History(limit int) ([]state.Run, error) {
	if limit <= 0 {
		return s.runList(`ORDER BY r.id DESC`)
	}
	return s.runList(`ORDER BY r.id DESC LIMIT $1`, limit)
}

func (s *Store) runList(tail string, args ...any) ([]state.Run, error) {
	rows, err := s.pool.Query(context.WithoutCancel(s.ctx), `SELECT r.id, r.file, r.file_hash, r.provider, s.provider, s.base_url, s.tenant,
		r.started, r.ended, r.rows, r.created, r.skipped, r.invalid, r.failed, r.not_attempted, r.recovered,
		r.changed, r.updated, r.conflicts, r.missing, r.still_missing,
		-- A run whose lease lapsed is dead, though nobody marked it yet:
		-- that is done by the next BeginRun, which may be days away.
		CASE WHEN r.status = 'running' AND r.lease_until < clock_timestamp() THEN 'crashed' ELSE r.status END,
		r.stop, r.results, r.fix_file
		FROM onboard_runs r JOIN onboard_scopes s ON s.id = r.scope_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("state: history: %w", err)
	}
	defer rows.Close()
	var out []state.Run
	for rows.Next() {
		var (
			r     state.Run
			c     = &r.Counts
			ended *time.Time
			stop  string
		)
		err := rows.Scan(&r.ID, &r.File, &r.FileHash, &r.Provider, &r.Scope.Provider, &r.Scope.BaseURL, &r.Scope.Tenant,
			&r.Started, &ended, &c.Rows, &c.Created, &c.Skipped, &c.Invalid, &c.Failed, &c.NotAttempted, &c.Recovered,
			&c.Changed, &c.Updated, &c.Conflicts, &c.Missing, &c.StillMissing,
			&r.Status, &stop, &r.Results, &r.FixFile)
		if err != nil {
			return nil, fmt.Errorf("state: history: %w", err)
		}
		r.Started = r.Started.UTC()
		if ended != nil {
			r.Ended = ended.UTC()
		}
		if stop != "" {
			r.Status = stop
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Missing calls fn, in key order, for every person created in sc whom no
// run from since on saw and no earlier run listed as missing.
func (s *Store) Missing(sc state.Scope, since int64, fn func(state.Person) error) (int, error) {
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found {
		return 0, err
	}
	rows, err := s.pool.Query(s.ctx, `SELECT `+personCols+` FROM onboard_people p
		WHERE p.scope_id = $1 AND p.status = 'created' AND (p.seen_run IS NULL OR p.seen_run < $2)
			AND p.missing_run IS NULL
		ORDER BY p.key COLLATE "C"`, sid, since)
	if err != nil {
		return 0, fmt.Errorf("state: missing people (since run %d): %w", since, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var p state.Person
		if err := scanPerson(rows, &p); err != nil {
			return n, fmt.Errorf("state: missing people (since run %d): %w", since, err)
		}
		if err := fn(p); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("state: missing people (since run %d): %w", since, err)
	}
	return n, nil
}

// StillMissing counts the created people of sc whom no run from since on
// saw and an earlier run already listed as missing.
func (s *Store) StillMissing(sc state.Scope, since int64) (int, error) {
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found {
		return 0, err
	}
	var n int
	err = s.pool.QueryRow(s.ctx, `SELECT count(*) FROM onboard_people p
		WHERE p.scope_id = $1 AND p.status = 'created' AND (p.seen_run IS NULL OR p.seen_run < $2)
			AND p.missing_run IS NOT NULL`, sid, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("state: still missing people (since run %d): %w", since, err)
	}
	return n, nil
}

// MarkMissing records that runID listed the people Missing(sc, since) streams.
func (s *Store) MarkMissing(sc state.Scope, since, runID int64) error {
	if err := s.writable(); err != nil {
		return err
	}
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found {
		return err
	}
	_, err = s.exec(s.ctx, `UPDATE onboard_people SET missing_run = $1
		WHERE scope_id = $2 AND status = 'created' AND (seen_run IS NULL OR seen_run < $3) AND missing_run IS NULL`,
		runID, sid, since)
	if err != nil {
		return fmt.Errorf("state: mark missing people listed (run %d): %w", runID, err)
	}
	return nil
}

// NightMissing records on runID the missing people of a watched night.
func (s *Store) NightMissing(runID int64, listed, still int) error {
	if err := s.writable(); err != nil {
		return err
	}
	if _, err := s.exec(s.ctx, `UPDATE onboard_runs SET missing = $1, still_missing = $2 WHERE id = $3`, listed, still, runID); err != nil {
		return fmt.Errorf("state: record the night's missing people (run %d): %w", runID, err)
	}
	return nil
}

// KnownElsewhere counts, per other scope of sc's provider, the created people.
func (s *Store) KnownElsewhere(sc state.Scope) ([]state.ScopeCount, error) {
	n := sc.Normalized()
	rows, err := s.pool.Query(s.ctx, `SELECT s.provider, s.base_url, s.tenant, count(*) FROM onboard_people p
		JOIN onboard_scopes s ON s.id = p.scope_id
		WHERE s.provider = $1 AND NOT (s.base_url = $2 AND s.tenant = $3) AND p.status = 'created'
		GROUP BY s.id ORDER BY count(*) DESC, s.base_url`, n.Provider, n.BaseURL, n.Tenant)
	if err != nil {
		return nil, fmt.Errorf("state: people of other scopes: %w", err)
	}
	defer rows.Close()
	var out []state.ScopeCount
	for rows.Next() {
		var c state.ScopeCount
		if err := rows.Scan(&c.Scope.Provider, &c.Scope.BaseURL, &c.Scope.Tenant, &c.People); err != nil {
			return nil, fmt.Errorf("state: people of other scopes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Count is how many created people the store holds in sc.
func (s *Store) Count(sc state.Scope) (int, error) {
	sid, found, err := s.scopeID(s.ctx, sc, false)
	if err != nil || !found {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(s.ctx, `SELECT count(*) FROM onboard_people WHERE scope_id = $1 AND status = 'created'`, sid).Scan(&n); err != nil {
		return 0, fmt.Errorf("state: count people: %w", err)
	}
	return n, nil
}
