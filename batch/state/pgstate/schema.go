package pgstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onboard/onboard/batch/state"
)

// migrations are the database's schema steps; step i takes it from version
// i to i+1. Append only. The PostgreSQL store has its own versions (the
// SQLite file's steps are history this database never had).
var migrations = [...]string{
	// v1: the ledger (the SQLite schema v5's tables), with claims: the run
	// holding a person in flight (claim_run), until when (lease_until, the
	// database's clock), and a fencing token bumped on every claim so a
	// run that lost its claim cannot overwrite; runs have a lease too, so a
	// run whose process died is found crashed. buckets are the shared rate
	// per tenant.
	`CREATE TABLE onboard_scopes (
		id       bigserial PRIMARY KEY,
		provider text NOT NULL,
		base_url text NOT NULL,
		tenant   text NOT NULL,
		UNIQUE (provider, base_url, tenant)
	);
	CREATE TABLE onboard_runs (
		id            bigserial PRIMARY KEY,
		file          text NOT NULL,
		file_hash     text NOT NULL,
		provider      text NOT NULL,
		scope_id      bigint NOT NULL REFERENCES onboard_scopes(id),
		started       timestamptz NOT NULL,
		ended         timestamptz,
		rows          int NOT NULL DEFAULT 0,
		created       int NOT NULL DEFAULT 0,
		skipped       int NOT NULL DEFAULT 0,
		invalid       int NOT NULL DEFAULT 0,
		failed        int NOT NULL DEFAULT 0,
		not_attempted int NOT NULL DEFAULT 0,
		recovered     int NOT NULL DEFAULT 0,
		changed       int NOT NULL DEFAULT 0,
		updated       int NOT NULL DEFAULT 0,
		conflicts     int NOT NULL DEFAULT 0,
		missing       int NOT NULL DEFAULT 0,
		still_missing int NOT NULL DEFAULT 0,
		status        text NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'crashed')),
		stop          text NOT NULL DEFAULT '',
		results       text NOT NULL DEFAULT '',
		fix_file      text NOT NULL DEFAULT '',
		lease_until   timestamptz
	);
	CREATE SEQUENCE onboard_fence;
	CREATE TABLE onboard_people (
		scope_id    bigint NOT NULL REFERENCES onboard_scopes(id),
		key         text NOT NULL,
		status      text NOT NULL CHECK (status IN ('in_flight', 'created', 'failed')),
		vendor_id   text NOT NULL DEFAULT '',
		first_seen  timestamptz NOT NULL,
		last_seen   timestamptz NOT NULL,
		created_run bigint REFERENCES onboard_runs(id),
		updated_run bigint REFERENCES onboard_runs(id),
		prev_status text NOT NULL DEFAULT '',
		identity    text NOT NULL DEFAULT '',
		digest      text NOT NULL DEFAULT '',
		digest_run  bigint REFERENCES onboard_runs(id),
		seen_run    bigint REFERENCES onboard_runs(id),
		missing_run bigint REFERENCES onboard_runs(id),
		claim_run   bigint REFERENCES onboard_runs(id),
		fence       bigint NOT NULL DEFAULT 0,
		lease_until timestamptz,
		PRIMARY KEY (scope_id, key)
	);
	CREATE INDEX onboard_people_value ON onboard_people ((substr(key, strpos(key, ':') + 1)));
	CREATE INDEX onboard_people_identity ON onboard_people (scope_id, identity) WHERE identity <> '';
	CREATE TABLE onboard_run_invalid (
		run_id bigint NOT NULL REFERENCES onboard_runs(id),
		digest bytea NOT NULL,
		PRIMARY KEY (run_id, digest)
	);
	CREATE TABLE onboard_buckets (
		tenant     text PRIMARY KEY,
		rate       double precision NOT NULL,
		burst      double precision NOT NULL,
		tokens     double precision NOT NULL,
		updated_at timestamptz NOT NULL,
		-- a 429 lowers the rate for every worker (cut) until recover_at
		cut        double precision NOT NULL DEFAULT 1,
		not_before timestamptz
	);
	INSERT INTO onboard_meta (key, value) VALUES ('digest_salt', md5(random()::text || clock_timestamp()::text));`,
}

// SchemaVersion is the newest database schema this binary knows.
const SchemaVersion = len(migrations)

// migrateLock is the advisory lock key two processes migrating at once
// queue on ("onboard" in ASCII).
const migrateLock = 0x6f6e626f617264

// migrate brings the database up to SchemaVersion in one transaction under
// an advisory lock: two processes starting at once migrate once, the
// second finds the work done. A database newer than this binary is
// refused.
func migrate(ctx context.Context, pool *pgxpool.Pool, name string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("state database %s: migrate: %w", name, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("state database %s: migrate: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS onboard_meta (key text PRIMARY KEY, value text NOT NULL)`); err != nil {
		return fmt.Errorf("state database %s: migrate: %w", name, err)
	}
	from := 0
	var v string
	err = tx.QueryRow(ctx, `SELECT value FROM onboard_meta WHERE key = 'schema_version'`).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("state database %s: %w", name, err)
	default:
		if from, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("state database %s: bad schema_version %q", name, v)
		}
	}
	if from > SchemaVersion {
		return &state.SchemaError{Path: name, Version: from, Known: SchemaVersion}
	}
	if from == SchemaVersion {
		return tx.Commit(ctx)
	}
	for i := from; i < SchemaVersion; i++ {
		if _, err := tx.Exec(ctx, migrations[i]); err != nil {
			return fmt.Errorf("state database %s: migrate to schema %d: %w", name, i+1, err)
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO onboard_meta (key, value) VALUES ('schema_version', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(SchemaVersion))
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		return fmt.Errorf("state database %s: migrate: %w", name, err)
	}
	return nil
}
