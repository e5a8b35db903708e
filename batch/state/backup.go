package state

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Backup copies the state file at path into dest, a new or empty file (the
// command writes a temporary one and puts it in place): one consistent,
// self-contained file, with every commit of a run still writing the store
// (SQLite's VACUUM INTO reads one snapshot, the -wal included) and no -wal
// of its own. It takes no lock: a nightly run may be writing meanwhile.
//
// The copy is marked closed and given a new open_id, so that restored over
// the store it never takes a -wal left there for it. A file that Open or
// OpenReadOnly would refuse is refused here too.
func Backup(path, dest string) (rerr error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("state file %s does not exist: %w", path, fs.ErrNotExist)
		}
		return fmt.Errorf("state file: %w", err)
	}
	// Made private first: VACUUM INTO would create it world-readable, and
	// it holds who was onboarded.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		f.Close()
		defer func() {
			if rerr != nil {
				os.Remove(dest) //nolint:errcheck // the backup's error matters more
			}
		}()
	}
	lk, _ := os.ReadFile(realPath(path) + ".lock")
	if _, err := checkFile(path, fileName(path), parseLock(lk), false); err != nil {
		return err
	}
	s, err := open(path, true, 0, time.Now)
	if err != nil {
		return err
	}
	v, err := schemaVersion(s.db, path)
	switch {
	case err != nil:
	case v == 0:
		err = &SchemaError{Path: path, Known: SchemaVersion}
	case v > SchemaVersion:
		err = &SchemaError{Path: path, Version: v, Known: SchemaVersion}
	default:
		// The copy keeps the file's schema: the next run upgrades it.
		_, err = s.db.Exec(`VACUUM INTO ?`, dest)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = sealCopy(dest)
	}
	if err != nil {
		return fmt.Errorf("back up %s: %w", path, err)
	}
	return nil
}

// sealCopy marks the copy closed with a new open_id and checks it whole.
func sealCopy(dest string) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	// No journal: a copy that fails half-way is thrown away, and a
	// -journal beside a temporary output would look like a stale one.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(OFF)")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := setMeta(db, metaOpenAs, "", metaOpenID, newOpenID()); err != nil {
		return fmt.Errorf("the copy: %w", err)
	}
	var ok string
	if err := db.QueryRow(`PRAGMA quick_check`).Scan(&ok); err != nil {
		return fmt.Errorf("the copy: %w", err)
	}
	if ok != "ok" {
		return fmt.Errorf("the copy fails SQLite's check: %s", ok)
	}
	return db.Close()
}
