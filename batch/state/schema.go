package state

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// migrations are the schema steps; step i takes a file from version i to
// i+1. Append only: a released step is never edited, because files written
// by it exist.
var migrations = [...]string{
	// v1: the initial tables.
	`CREATE TABLE scopes (
		id       INTEGER PRIMARY KEY,
		provider TEXT NOT NULL,
		base_url TEXT NOT NULL,
		tenant   TEXT NOT NULL,
		UNIQUE (provider, base_url, tenant)
	);
	CREATE TABLE runs (
		id            INTEGER PRIMARY KEY,
		file          TEXT NOT NULL,
		file_hash     TEXT NOT NULL,
		provider      TEXT NOT NULL,
		scope_id      INTEGER NOT NULL REFERENCES scopes(id),
		started       TEXT NOT NULL,
		ended         TEXT,
		rows          INTEGER NOT NULL DEFAULT 0,
		created       INTEGER NOT NULL DEFAULT 0,
		skipped       INTEGER NOT NULL DEFAULT 0,
		invalid       INTEGER NOT NULL DEFAULT 0,
		failed        INTEGER NOT NULL DEFAULT 0,
		not_attempted INTEGER NOT NULL DEFAULT 0,
		status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'crashed'))
	);
	CREATE TABLE people (
		scope_id    INTEGER NOT NULL REFERENCES scopes(id),
		key         TEXT NOT NULL,
		-- ORs, not IN: SQLite builds a temporary table for an IN list on
		-- every row written, which cost a third of MarkInFlight's time.
		status      TEXT NOT NULL CHECK (status = 'in_flight' OR status = 'created' OR status = 'failed'),
		vendor_id   TEXT NOT NULL DEFAULT '',
		first_seen  TEXT NOT NULL,
		last_seen   TEXT NOT NULL,
		created_run INTEGER REFERENCES runs(id),
		updated_run INTEGER REFERENCES runs(id),
		-- status before the current in_flight mark ('' = no record), so a
		-- row that was never sent can be put back as it was.
		prev_status TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (scope_id, key)
	) WITHOUT ROWID;`,

	// v2: recovered count per run, and an index on a key's value part so
	// lookup by a bare email or login does not scan every person.
	`ALTER TABLE runs ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX people_value ON people (substr(key, instr(key, ':') + 1));`,

	// v3 (slice i9): why a run stopped, where its outputs went, and the
	// invalid rows it saw (a digest of each row's cells), so the next run of
	// the scope can tell new problems from old ones. stop is a column beside
	// status because status's CHECK cannot be altered in place.
	`ALTER TABLE runs ADD COLUMN stop TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN results TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN fix_file TEXT NOT NULL DEFAULT '';
	CREATE TABLE run_invalid (
		run_id INTEGER NOT NULL REFERENCES runs(id),
		digest BLOB NOT NULL,
		PRIMARY KEY (run_id, digest)
	) WITHOUT ROWID;`,

	// v4 (slice i8c): who a person is across days (identity: the roster column the
	// mapping file names), per-field digests of what was sent (never a
	// secret field; keyed by a per-file salt), the last run whose file held
	// the person (missing people are the created ones another run saw), and
	// the runs' counts of changed, updated, conflicting and missing people.
	`ALTER TABLE people ADD COLUMN identity TEXT NOT NULL DEFAULT '';
	ALTER TABLE people ADD COLUMN digest TEXT NOT NULL DEFAULT '';
	ALTER TABLE people ADD COLUMN digest_run INTEGER REFERENCES runs(id);
	ALTER TABLE people ADD COLUMN seen_run INTEGER REFERENCES runs(id);
	CREATE INDEX people_identity ON people (scope_id, identity) WHERE identity <> '';
	ALTER TABLE runs ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
	INSERT INTO meta (key, value) VALUES ('digest_salt', lower(hex(randomblob(16))));`,

	// v5 (issue 18): the run that first listed a person as missing, so a
	// leaver is listed once, when they go missing, and counted as still
	// missing after that; a sighting clears it. runs.still_missing counts
	// those per run.
	`ALTER TABLE people ADD COLUMN missing_run INTEGER REFERENCES runs(id);
	ALTER TABLE runs ADD COLUMN still_missing INTEGER NOT NULL DEFAULT 0;`,

	// v6 (issue 22): a person in half the bytes. Times are integers
	// (Unix milliseconds, UTC) instead of RFC 3339 text, and digests a blob
	// (see encodeDigestBlob): 0x01, then per field its digest_fields id
	// and its 12 bytes, where the JSON object spent ~40 bytes a field.
	// Digests that are not 24 lower-case hex digits, or fields past id 255,
	// keep their JSON text as the blob. The column types change, so the
	// table is rebuilt. The people_value index (a sixth of the file) gives
	// way to key_prefixes, the few "email:"-like prefixes the keys have:
	// lookup of a bare value tries each prefix on the primary key.
	`CREATE TABLE digest_fields (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
	INSERT INTO digest_fields (name)
		SELECT DISTINCT j.key FROM people p,
			json_each(CASE WHEN p.digest <> '' AND json_valid(p.digest) AND json_type(p.digest) = 'object' THEN p.digest ELSE '{}' END) j
		ORDER BY 1;
	CREATE TABLE people_v6 (
		scope_id    INTEGER NOT NULL REFERENCES scopes(id),
		key         TEXT NOT NULL,
		status      TEXT NOT NULL CHECK (status = 'in_flight' OR status = 'created' OR status = 'failed'),
		vendor_id   TEXT NOT NULL DEFAULT '',
		first_seen  INTEGER NOT NULL,
		last_seen   INTEGER NOT NULL,
		created_run INTEGER REFERENCES runs(id),
		updated_run INTEGER REFERENCES runs(id),
		prev_status TEXT NOT NULL DEFAULT '',
		identity    TEXT NOT NULL DEFAULT '',
		digest      BLOB,
		digest_run  INTEGER REFERENCES runs(id),
		seen_run    INTEGER REFERENCES runs(id),
		missing_run INTEGER REFERENCES runs(id),
		PRIMARY KEY (scope_id, key)
	) WITHOUT ROWID;
	INSERT INTO people_v6 (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
			prev_status, identity, digest, digest_run, seen_run, missing_run)
		SELECT scope_id, key, status, vendor_id,
			CASE WHEN first_seen = '' THEN 0 ELSE CAST(round(unixepoch(first_seen, 'subsec') * 1000) AS INTEGER) END,
			CASE WHEN last_seen = '' THEN 0 ELSE CAST(round(unixepoch(last_seen, 'subsec') * 1000) AS INTEGER) END,
			created_run, updated_run, prev_status, identity,
			CASE
				WHEN digest = '' THEN NULL
				WHEN NOT json_valid(digest) OR json_type(digest) <> 'object'
					OR NOT EXISTS (SELECT 1 FROM json_each(p.digest))
					OR EXISTS (SELECT 1 FROM json_each(p.digest) j JOIN digest_fields f ON f.name = j.key
						WHERE j.type <> 'text' OR length(j.value) <> 24 OR j.value GLOB '*[^0-9a-f]*' OR f.id > 255)
					THEN CAST(digest AS BLOB)
				ELSE unhex('01' || (SELECT group_concat(printf('%02x', f.id) || j.value, '')
					FROM json_each(p.digest) j JOIN digest_fields f ON f.name = j.key))
			END,
			digest_run, seen_run, missing_run
		FROM people p;
	CREATE TABLE key_prefixes (prefix TEXT PRIMARY KEY) WITHOUT ROWID;
	INSERT INTO key_prefixes (prefix)
		SELECT DISTINCT substr(key, 1, instr(key, ':')) FROM people WHERE instr(key, ':') > 0;
	DROP INDEX people_value;
	DROP INDEX people_identity;
	DROP TABLE people;
	ALTER TABLE people_v6 RENAME TO people;
	CREATE INDEX people_identity ON people (scope_id, identity) WHERE identity <> '';`,

	// v7 (issue 22): sightings leave the people rows. Stamping seen_run on
	// every person a run's file holds rewrote the whole people table on a
	// re-run where everyone is skipped; a sightings row holds one Seen
	// call's keys (see encodeKeys) in one blob. A person's last sighting is
	// the later of people.seen_run and the newest sightings row holding
	// their key; each BeginRun folds the scope's older runs' sightings into
	// people rows (only those no later run saw: the few who went missing)
	// and deletes them. A sighting after missing_run clears it (see
	// Missing); older files hold no sightings, so their rows keep today's
	// meaning.
	`CREATE TABLE sightings (
		id       INTEGER PRIMARY KEY AUTOINCREMENT,
		run_id   INTEGER NOT NULL REFERENCES runs(id),
		scope_id INTEGER NOT NULL REFERENCES scopes(id),
		at       INTEGER NOT NULL,
		keys     BLOB NOT NULL
	);
	CREATE INDEX sightings_scope ON sightings (scope_id, run_id);`,

	// v8 (issue 22): people's run columns lose their REFERENCES runs(id).
	// SQLite probed runs once for each of them on every people write (a
	// first run writes a person twice: four probes to record a created
	// one), a tenth of a first run's ledger time. Runs are never deleted;
	// the store checks a write's run once per call instead (knownRun).
	// The scope keeps its foreign key. Same columns in the same order, so
	// the rows are copied byte for byte.
	`CREATE TABLE people_v8 (
		scope_id    INTEGER NOT NULL REFERENCES scopes(id),
		key         TEXT NOT NULL,
		status      TEXT NOT NULL CHECK (status = 'in_flight' OR status = 'created' OR status = 'failed'),
		vendor_id   TEXT NOT NULL DEFAULT '',
		first_seen  INTEGER NOT NULL,
		last_seen   INTEGER NOT NULL,
		created_run INTEGER,
		updated_run INTEGER,
		prev_status TEXT NOT NULL DEFAULT '',
		identity    TEXT NOT NULL DEFAULT '',
		digest      BLOB,
		digest_run  INTEGER,
		seen_run    INTEGER,
		missing_run INTEGER,
		PRIMARY KEY (scope_id, key)
	) WITHOUT ROWID;
	INSERT INTO people_v8 (scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
			prev_status, identity, digest, digest_run, seen_run, missing_run)
		SELECT scope_id, key, status, vendor_id, first_seen, last_seen, created_run, updated_run,
			prev_status, identity, digest, digest_run, seen_run, missing_run
		FROM people ORDER BY scope_id, key;
	DROP INDEX people_identity;
	DROP TABLE people;
	ALTER TABLE people_v8 RENAME TO people;
	CREATE INDEX people_identity ON people (scope_id, identity) WHERE identity <> '';`,

	// v9 (issue 22): the in-flight marks leave the people rows. A mark
	// inserted the person and the outcome updated the row (in a WITHOUT
	// ROWID table a delete and an insert): three B-tree writes for each
	// new person. A marks row holds one MarkInFlightAs call's keys and
	// identities (encodeKeys, key and identity in turn), written durably
	// before any of them is sent; the outcome then writes people once.
	// EndRun (or Close) applies the marks still without an outcome to
	// people as before and deletes the run's rows; the next writable Open
	// does so for a run that died (see journal.go). No foreign keys, as
	// in v8: the store checks a write's run once per call.
	`CREATE TABLE marks (
		id       INTEGER PRIMARY KEY,
		run_id   INTEGER NOT NULL,
		scope_id INTEGER NOT NULL,
		at       INTEGER NOT NULL,
		keys     BLOB NOT NULL
	);`,
}

// SchemaVersion is the newest schema this binary knows.
const SchemaVersion = len(migrations)

// schemaVersion reads the file's version: 0 for an empty database, an error
// for a database that is not an onboard state file.
func schemaVersion(db *sql.DB, path string) (int, error) {
	var meta, tables int
	err := db.QueryRow(`SELECT count(*) FILTER (WHERE name = 'meta'), count(*)
		FROM sqlite_schema WHERE type = 'table'`).Scan(&meta, &tables)
	if err != nil {
		return 0, fmt.Errorf("state file %s: %w", path, err)
	}
	if meta == 0 {
		if tables > 0 {
			return 0, fmt.Errorf("%s is not an onboard state file (no meta table)", path)
		}
		return 0, nil
	}
	var v string
	err = db.QueryRow(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%s is not an onboard state file (no schema_version)", path)
	}
	if err != nil {
		return 0, fmt.Errorf("state file %s: %w", path, err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("state file %s: bad schema_version %q", path, v)
	}
	return n, nil
}

// migrate brings the file up to version target in one transaction: either
// every pending step applies or none does. A file newer than this binary is
// refused before anything is written.
func migrate(db *sql.DB, path string, target int) error {
	from, err := schemaVersion(db, path)
	if err != nil {
		return err
	}
	if from > SchemaVersion {
		return &SchemaError{Path: path, Version: from, Known: SchemaVersion}
	}
	if from >= target {
		return nil
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("state file %s: migrate: %w", path, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("state file %s: migrate: %w", path, err)
	}
	for v := from; v < target; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("state file %s: migrate to schema %d: %w", path, v+1, err)
		}
	}
	_, err = tx.Exec(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(target))
	if err != nil {
		return fmt.Errorf("state file %s: migrate: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("state file %s: migrate: %w", path, err)
	}
	return nil
}
