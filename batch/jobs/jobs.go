// Package jobs is onboard's queue of roster runs on PostgreSQL, on River
// (riverqueue/river): `onboard run --queue` enqueues a roster with its
// mapping and options, any number of `onboard worker` processes on any
// machines take them, and a job's results and fix file are stored with the
// job to download. River gives the claims of jobs (SKIP LOCKED), retries,
// rescue of a dead worker's job and cancellation; the per-person ledger
// stays the state store's.
//
// A job never carries credentials or a vendor host: the worker reads its
// own, so a job cannot send a worker's credentials anywhere.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/onboard/onboard/batch/state/pgstate"
)

// Queue is River's queue name for roster runs.
const Queue = "onboard"

// Kind is River's job kind of a roster run.
const Kind = "onboard_run"

// Retention is how long a finished job and its files are kept.
const Retention = 30 * 24 * time.Hour

// Args are what a queued run carries: names and options, never credentials
// or the vendor host. The roster and mapping bytes are stored beside the
// job in onboard_job_files (role "in"), so listing jobs reads no roster.
type Args struct {
	File      string  `json:"file"`              // the roster's base name
	Mapping   string  `json:"mapping,omitempty"` // the mapping file's base name; "" none
	Vendor    string  `json:"vendor"`
	Output    string  `json:"output"`               // results file base name (.xlsx or .csv)
	FailedOut string  `json:"failed_out,omitempty"` // fix file base name; "" none
	Who       string  `json:"who"`                  // who enqueued it: user@host
	Options   Options `json:"options"`
}

// Options are the run flags a job takes along; the worker's own flags
// give the rest (state store, credentials, host).
type Options struct {
	Sheet       string        `json:"sheet,omitempty"`
	Delimiter   string        `json:"delimiter,omitempty"`
	Encoding    string        `json:"encoding,omitempty"`
	HeaderRow   int           `json:"header_row,omitempty"`
	Simulate    bool          `json:"simulate,omitempty"`
	NoState     bool          `json:"no_state,omitempty"`
	NoBOM       bool          `json:"no_bom,omitempty"`
	Update      bool          `json:"update,omitempty"`
	Partial     bool          `json:"partial,omitempty"`
	Existing    string        `json:"existing,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	Rate        float64       `json:"rate"`
	Burst       int           `json:"burst,omitempty"`
	Workers     int           `json:"workers,omitempty"`
	Retries     int           `json:"retries"`
	Breaker     int           `json:"breaker"`
	MaxCreates  int           `json:"max_creates,omitempty"`
	MaxFailures int           `json:"max_failures,omitempty"`
}

// Kind is River's job kind.
func (Args) Kind() string { return Kind }

// InsertOpts puts every run on onboard's queue.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// File is one stored file of a job.
type File struct {
	Name string
	Data []byte
}

// Store is the queue's database: River's tables and onboard_job_files.
type Store struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx] // insert-only unless Work runs
}

// schema is onboard's own table beside River's (version 1). A job's files
// go with the job when River's cleaner deletes it.
const schema = `
CREATE TABLE IF NOT EXISTS onboard_job_files (
	job_id bigint NOT NULL REFERENCES river_job(id) ON DELETE CASCADE,
	role   text   NOT NULL CHECK (role IN ('in', 'out')),
	name   text   NOT NULL,
	data   bytea  NOT NULL,
	PRIMARY KEY (job_id, role, name)
)`

// Open connects to the database at url and brings its tables up to date
// (River's migrations and onboard_job_files), under an advisory lock so
// that workers starting together migrate once.
func Open(ctx context.Context, url string) (*Store, error) {
	url, err := pgstate.ConnString(url) // the ledger's URL: its own parameters are not the server's
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("jobs database: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs database: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs database: %w", err)
	}
	return &Store{pool: pool, client: client}, nil
}

// migrateLock is the advisory lock key of the migrations ("onboard" in ASCII).
const migrateLock = 0x6f6e626f617264

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// River's migrations run one transaction per version (an enum value
	// added in one is used by the next), so the lock is a session's.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs database: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("jobs database: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock)) //nolint:errcheck // the session's end frees it too
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("jobs database: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs database: River's migrations: %w", err)
	}
	if _, err := pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("jobs database: onboard_job_files: %w", err)
	}
	return nil
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Enqueue stores a job and its input files in one transaction: a worker
// never sees a job without its roster. maxAttempts 1 means never retried
// (a run without a state store would create people twice).
func (s *Store) Enqueue(ctx context.Context, args Args, in []File, maxAttempts int) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	res, err := s.client.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: maxAttempts})
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	if err := putFiles(ctx, tx, res.Job.ID, "in", in); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	return res.Job.ID, nil
}

// putFiles replaces a job's files of role with files.
func putFiles(ctx context.Context, tx pgx.Tx, id int64, role string, files []File) error {
	if _, err := tx.Exec(ctx, "DELETE FROM onboard_job_files WHERE job_id = $1 AND role = $2", id, role); err != nil {
		return fmt.Errorf("job %d: store files: %w", id, err)
	}
	for _, f := range files {
		if _, err := tx.Exec(ctx, "INSERT INTO onboard_job_files (job_id, role, name, data) VALUES ($1, $2, $3, $4)",
			id, role, f.Name, f.Data); err != nil {
			return fmt.Errorf("job %d: store %s: %w", id, f.Name, err)
		}
	}
	return nil
}

// Files are a job's stored files of role ("in": roster and mapping, until
// the job ends; "out": results, fix file, missing list), by name.
func (s *Store) Files(ctx context.Context, id int64, role string) ([]File, error) {
	rows, err := s.pool.Query(ctx, "SELECT name, data FROM onboard_job_files WHERE job_id = $1 AND role = $2 ORDER BY name", id, role)
	if err != nil {
		return nil, fmt.Errorf("job %d: files: %w", id, err)
	}
	var files []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Name, &f.Data); err != nil {
			return nil, fmt.Errorf("job %d: files: %w", id, err)
		}
		files = append(files, f)
	}
	return files, rows.Err()
}

// Job is one queued run as `onboard jobs` shows it.
type Job struct {
	ID        int64
	State     string // River's: available, running, retryable, completed, cancelled, discarded, scheduled
	Args      Args
	Attempt   int
	Created   time.Time
	Finished  *time.Time
	By        []string        // workers that took it, in order
	Report    json.RawMessage // the run's report (counts), once a worker recorded one
	LastError string
	// Rescued: the last attempt's worker died (or hung) and River's
	// rescuer handed the job back to the queue: this attempt takes it over.
	Rescued bool
}

// rescuedError is what River's rescuer records on a job it takes back.
const rescuedError = "Stuck job rescued by JobRescuer"

func fromRow(r *rivertype.JobRow) (*Job, error) {
	j := &Job{ID: r.ID, State: string(r.State), Attempt: r.Attempt, Created: r.CreatedAt, Finished: r.FinalizedAt,
		By: r.AttemptedBy, Report: r.Output()}
	if err := json.Unmarshal(r.EncodedArgs, &j.Args); err != nil {
		return nil, fmt.Errorf("job %d: %w", r.ID, err)
	}
	if n := len(r.Errors); n > 0 {
		j.LastError = r.Errors[n-1].Error
		j.Rescued = j.LastError == rescuedError
	}
	return j, nil
}

// List is the newest jobs first, at most limit.
func (s *Store) List(ctx context.Context, limit int) ([]*Job, error) {
	res, err := s.client.JobList(ctx, river.NewJobListParams().Kinds(Kind).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	jobs := make([]*Job, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		j, err := fromRow(r)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// ErrNoJob is a job id the queue does not hold.
var ErrNoJob = errors.New("no such job")

// Get is one job.
func (s *Store) Get(ctx context.Context, id int64) (*Job, error) {
	r, err := s.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) || (err == nil && r.Kind != Kind) {
		return nil, fmt.Errorf("job %d: %w", id, ErrNoJob)
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return fromRow(r)
}

// Cancel cancels a job: one not started never starts; a running one is
// told to stop (its run stops softly and writes its results, which are
// stored). A finished job stays as it was.
func (s *Store) Cancel(ctx context.Context, id int64) (*Job, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	r, err := s.client.JobCancel(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("cancel job %d: %w", id, err)
	}
	if r.State == rivertype.JobStateCancelled {
		// Never to run: its roster goes (a running job's worker drops it
		// when the run has stopped).
		if _, err := s.pool.Exec(ctx, "DELETE FROM onboard_job_files WHERE job_id = $1 AND role = 'in'", id); err != nil {
			return nil, fmt.Errorf("cancel job %d: %w", id, err)
		}
	}
	return fromRow(r)
}
