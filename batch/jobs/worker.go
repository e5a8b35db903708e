package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// RunFunc runs one job on its input files and returns the files to store
// with it (results, fix file, missing list), its report (JSON-encodable,
// stored as the job's output) and the run's error. An error wrapped by
// Final ends the job at once; any other error lets River retry it.
type RunFunc func(ctx context.Context, job *Job, in []File) (out []File, report any, err error)

type finalError struct{ err error }

func (e *finalError) Error() string { return e.err.Error() }
func (e *finalError) Unwrap() error { return e.err }

// Final marks err as one no retry mends: a bad roster or mapping, or a run
// that must not run twice (no state store to make a re-run safe).
func Final(err error) error { return &finalError{err} }

// WorkerConfig is how one worker process takes jobs.
type WorkerConfig struct {
	// ID names this worker in a job's list of workers that took it
	// (user@host and a unique suffix); default host-pid.
	ID string
	// Concurrency is how many jobs this process runs at once; default 1
	// (each run has its own pool of --workers requests).
	Concurrency int
	// JobTimeout ends a run that takes longer (softly: its results are
	// written and stored), and the job is retried; a re-run skips whoever
	// the ledger holds. Default 2h.
	JobTimeout time.Duration
	// RescueAfter is how long after it started a job still marked running
	// is taken to belong to a dead worker and run again: past JobTimeout
	// (River checks every 30 s on the elected leader). Default JobTimeout
	// plus a tenth of it, at least 1 s, at most 10 minutes more.
	RescueAfter time.Duration
	// Logger receives River's own log lines; nil: warnings and errors to
	// the default slog logger.
	Logger *slog.Logger
	// Ended, when set, hears how each job this worker ran ended: done,
	// failed (no retry), retry, cancelled, discarded (its last attempt),
	// stopped (the worker stopped: back to the queue, attempt not counted).
	Ended func(outcome string)
}

// Work takes jobs until ctx ends, then stops softly: runs in flight are
// asked to stop (they write and store their results) and River marks
// their jobs for a retry. It returns once the worker has stopped.
func (s *Store) Work(ctx context.Context, cfg WorkerConfig, run RunFunc) error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 2 * time.Hour
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = cfg.JobTimeout + min(max(cfg.JobTimeout/10, time.Second), 10*time.Minute)
	}
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &runWorker{s: s, run: run, ended: cfg.Ended, log: cfg.Logger})
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		ID:                          cfg.ID,
		Queues:                      map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.Concurrency}},
		Workers:                     workers,
		JobTimeout:                  cfg.JobTimeout,
		RescueStuckJobsAfter:        cfg.RescueAfter,
		MaxAttempts:                 3,
		CompletedJobRetentionPeriod: Retention,
		CancelledJobRetentionPeriod: Retention,
		DiscardedJobRetentionPeriod: Retention,
		Logger:                      cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	<-ctx.Done()
	// A soft stop: River cancels the work contexts at once (StopAndCancel)
	// so the runs stop sending and write their results, which are stored.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := client.StopAndCancel(stopCtx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("worker: stop: %w", err)
	}
	return nil
}

type runWorker struct {
	river.WorkerDefaults[Args]
	s     *Store
	run   RunFunc
	ended func(string)
	log   *slog.Logger
}

func (w *runWorker) Work(ctx context.Context, rj *river.Job[Args]) error {
	job, err := fromRow(rj.JobRow)
	if err != nil {
		return w.end(river.JobCancel(err), "failed")
	}
	in, err := w.s.Files(ctx, job.ID, "in")
	if err != nil {
		return w.end(err, "retry") // the database: try again
	}
	out, report, runErr := w.run(ctx, job, in)
	if report != nil {
		if err := river.RecordOutput(ctx, report); err != nil {
			w.log.Warn("job output", "job", job.ID, "err", err)
		}
	}
	var fe *finalError
	outcome, ret := "retry", runErr
	switch {
	case runErr == nil:
		outcome = "done"
	case errors.As(runErr, &fe):
		outcome, ret = "failed", river.JobCancel(runErr)
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		outcome = "cancelled"
	case errors.Is(ctx.Err(), context.Canceled):
		// This worker is stopping (SIGTERM): the job goes back to the
		// queue at once, the attempt not counted (a snooze), for any
		// worker to take.
		outcome, ret = "stopped", river.JobSnooze(0)
	case rj.Attempt >= rj.MaxAttempts:
		outcome = "discarded"
	}
	// Stored under a context that outlives a cancellation: the results of
	// a stopped run are kept too. A job that ends here drops its roster
	// (personal data, passwords maybe): no later attempt needs it.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	last := outcome != "retry" && outcome != "stopped"
	if err := w.storeOut(sctx, job.ID, out, runErr == nil || len(out) > 0, last); err != nil {
		return w.end(err, "retry")
	}
	return w.end(ret, outcome)
}

func (w *runWorker) end(err error, outcome string) error {
	if w.ended != nil {
		w.ended(outcome)
	}
	return err
}

// storeOut replaces the job's output files with out (when put) and drops
// its input files (when last), in one transaction.
func (w *runWorker) storeOut(ctx context.Context, id int64, out []File, put, last bool) error {
	if !put && !last {
		return nil
	}
	tx, err := w.s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("job %d: store files: %w", id, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if put {
		if err := putFiles(ctx, tx, id, "out", out); err != nil {
			return err
		}
	}
	if last {
		if err := putFiles(ctx, tx, id, "in", nil); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
