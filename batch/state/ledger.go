package state

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The ledger's identity. SQLite keeps a WAL store's latest commits in a
// "-wal" file beside the name it was opened under, not beside the inode:
// after a kill -9 the file read under another name (a hard link, a move, a
// copy) lacks them, and a WAL left behind replays over whatever file later
// takes the old name. So every run, once the file is checkpointed at open,
// writes two meta rows into the main file itself:
//
//   - open_as: the name the run opened it under, cleared (and the WAL
//     checkpointed into the file) when the run closes it;
//   - open_id: a random id, new at every open, which the lock file beside
//     the name records too.
//
// Before SQLite touches the file, checkFile reads the main file alone
// (SQLite's immutable mode ignores the WAL) and refuses: a file left open
// under another name (its records are in that name's -wal, unless the
// whole folder moved, or the other name is this one by another path); a
// -wal here
// that was not written on top of this file (its open_id is not one the
// lock file here knows); an empty or missing file whose lock file shows a
// store was kept here. Meta rows, not a schema step: they need no
// migration and an older onboard ignores them.
const (
	metaOpenAs = "open_as"
	metaOpenID = "open_id"
)

// walHeader is the size of a WAL file's header: a -wal no larger holds no
// commit.
const walHeader = 32

// Problems an IdentityError reports.
const (
	// ProblemEmptied: the file is empty or missing, but its lock file
	// shows a store was kept there (or its -wal holds commits).
	ProblemEmptied = "emptied"
	// ProblemOpenElsewhere: a run opened the file under another name and
	// did not close it; its latest commits are in that name's -wal.
	ProblemOpenElsewhere = "open_elsewhere"
	// ProblemStaleWAL: the -wal beside the file was written on top of
	// another version of it.
	ProblemStaleWAL = "stale_wal"
)

// lockInfo is what a lock file says: the last holder, and the open ids of
// the last run that opened the store under that name.
type lockInfo struct {
	raw     []byte
	pid     int
	started time.Time
	openID  string
	prevIDs []string // the file's open_id before that run opened it, until its own is in the file
}

// used reports whether a run ever opened a store under this name.
func (li lockInfo) used() bool { return li.pid != 0 || li.openID != "" }

// knows reports whether a -wal written under this name can belong to a
// main file whose open_id is id.
func (li lockInfo) knows(id string) bool {
	return id == li.openID || slices.Contains(li.prevIDs, id)
}

// parseLock reads "pid=N started=T open_id=X prev=Y,Z"; unknown fields are
// ignored, so an older onboard's lock file (pid and started) parses.
func parseLock(b []byte) lockInfo {
	li := lockInfo{raw: b}
	for _, field := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "pid":
			li.pid, _ = strconv.Atoi(v)
		case "started":
			li.started, _ = time.Parse(time.RFC3339, v)
		case "open_id":
			li.openID = v
		case "prev":
			for p := range strings.SplitSeq(v, ",") {
				if p != "" {
					li.prevIDs = append(li.prevIDs, p)
				}
			}
		}
	}
	return li
}

// format writes the lock file's line for holder pid, started at start.
func (li lockInfo) format(pid int, start time.Time) []byte {
	s := fmt.Sprintf("pid=%d started=%s", pid, start.UTC().Format(time.RFC3339))
	if li.openID != "" {
		s += " open_id=" + li.openID
	}
	if len(li.prevIDs) > 0 {
		s += " prev=" + strings.Join(li.prevIDs, ",")
	}
	return []byte(s + "\n")
}

// fileName is the name SQLite keeps the file's -wal beside: absolute,
// symlinks resolved (SQLite resolves them too).
func fileName(path string) string {
	r := realPath(path)
	if a, err := filepath.Abs(r); err == nil {
		return a
	}
	return r
}

// mainMeta is what the main file alone says of its last open.
type mainMeta struct {
	openAs, openID string
	known          bool // the file holds onboard's meta table
}

// peekMain reads open_as and open_id from the main file alone, ignoring
// any -wal (SQLite's immutable mode opens it as a read-only file with no
// WAL and no locks). A file it cannot read gives known false: Open then
// reports what is wrong with it.
func peekMain(path string) mainMeta {
	abs, err := filepath.Abs(path)
	if err != nil {
		return mainMeta{}
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String())
	if err != nil {
		return mainMeta{}
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, value FROM meta WHERE key IN (?, ?)`, metaOpenAs, metaOpenID)
	if err != nil {
		return mainMeta{}
	}
	defer rows.Close()
	m := mainMeta{known: true}
	for rows.Next() {
		var k, v string
		if rows.Scan(&k, &v) != nil {
			return mainMeta{}
		}
		if k == metaOpenAs {
			m.openAs = v
		} else {
			m.openID = v
		}
	}
	if rows.Err() != nil {
		return mainMeta{}
	}
	return m
}

// sameName reports whether a and b are one name reached by two paths (a
// bind mount, another path to the same folder): the same base name in the
// same folder, so one -wal file.
func sameName(a, b string) bool {
	if filepath.Base(a) != filepath.Base(b) {
		return false
	}
	da, err := os.Stat(filepath.Dir(a))
	if err != nil {
		return false
	}
	db, err := os.Stat(filepath.Dir(b))
	return err == nil && os.SameFile(da, db)
}

// walCommits reports whether name's -wal may hold commits.
func walCommits(name string) bool {
	fi, err := os.Stat(name + "-wal")
	return err == nil && fi.Size() > walHeader
}

// checkFile refuses a state file that is not the one its lock file and
// -wal were written for (see the comment at the top). name is fileName's;
// lk what the lock file said before this open; created that Open made the
// file (it did not exist). It returns the main file's open_id.
func checkFile(path, name string, lk lockInfo, created bool) (string, error) {
	fi, err := os.Stat(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("state file: %w", err)
	}
	if err != nil || fi.Size() == 0 {
		// SQLite would start a new store here, and delete a -wal beside an
		// empty file: every person recorded would be created again.
		if lk.used() || walCommits(name) {
			return "", &IdentityError{Path: path, Problem: ProblemEmptied, Missing: created || err != nil, Lock: lk}
		}
		return "", nil
	}
	m := peekMain(name)
	if !m.known {
		return "", nil
	}
	if m.openAs != "" && m.openAs != name && !sameName(m.openAs, name) {
		// A folder moved or renamed whole after a kill took the -wal
		// (and the lock file that knows it) along: nothing is elsewhere.
		moved := !walCommits(m.openAs) && walCommits(name) && lk.knows(m.openID)
		if !moved {
			return "", &IdentityError{Path: path, Problem: ProblemOpenElsewhere, Other: m.openAs}
		}
	}
	// A -wal here is the last run's under this name (each run empties it
	// at open). It belongs to this file only if that run opened this very
	// file: the file still has that run's open_id (or the one it found,
	// when the run was killed before its own reached the file). Otherwise
	// the file was replaced or changed under another name since, and
	// replaying the -wal would overwrite newer records. A file without
	// open_id was last written by an older onboard: nothing to compare,
	// its -wal is trusted as before.
	if m.openID != "" && walCommits(name) && !lk.knows(m.openID) {
		return "", &IdentityError{Path: path, Problem: ProblemStaleWAL}
	}
	return m.openID, nil
}

// newOpenID is 16 random hex digits.
func newOpenID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// checkpointWAL copies the WAL into the main file and empties it, so the
// file alone holds every commit: read under another name, moved or copied
// without its -wal, it lacks nothing. Readers still using older commits
// can keep it from finishing; done is false then, and the next checkpoint
// tries again.
func (s *Store) checkpointWAL() (done bool, err error) {
	var busy, logged, moved int
	if err := s.db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return false, fmt.Errorf("state file %s: checkpoint: %w", s.path, err)
	}
	return busy == 0, nil
}

// Settle copies what the store's runs wrote from the WAL into the main
// file now, as EndRun does. A command calls it beside other work (the
// results sheet's fsync) after the last row, so that EndRun, which must
// follow that work, finds the WAL nearly empty: a re-run's sightings
// took 11 ms to copy there.
func (s *Store) Settle() error {
	if err := s.writable(); err != nil {
		return err
	}
	_, err := s.checkpointWAL()
	return err
}

// markOpen records the name this run opened the file under and a new
// open_id, in the lock file first and then in the main file (checkpointed),
// so that at every moment the main file's open_id is one the lock file
// knows. prev is the main file's open_id before.
func (s *Store) markOpen(name string, prev ...string) error {
	li := lockInfo{openID: newOpenID()}
	for _, p := range prev {
		if p != "" && !slices.Contains(li.prevIDs, p) {
			li.prevIDs = append(li.prevIDs, p)
		}
	}
	if err := s.lock.record(li); err != nil {
		return err
	}
	if err := setMeta(s.db, metaOpenAs, name, metaOpenID, li.openID); err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	s.marked = true
	done, err := s.checkpointWAL()
	if err != nil || !done {
		return err
	}
	// The file has our open_id: a -wal here now belongs to it alone, and
	// not to a copy of the file as it was before.
	li.prevIDs = nil
	return s.lock.record(li)
}

// markClosed clears open_as and checkpoints: the file alone is then whole,
// free to be moved, linked or copied.
func (s *Store) markClosed() error {
	if !s.marked {
		return nil
	}
	if err := setMeta(s.db, metaOpenAs, ""); err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	_, err := s.checkpointWAL()
	return err
}

// metaID reads the open_id the database (WAL included) holds.
func metaID(db *sql.DB) string {
	var id string
	_ = db.QueryRow(`SELECT value FROM meta WHERE key = ?`, metaOpenID).Scan(&id)
	return id
}

// setMeta upserts key, value pairs into meta in one statement.
func setMeta(db *sql.DB, kv ...string) error {
	var b strings.Builder
	args := make([]any, 0, len(kv))
	b.WriteString(`INSERT INTO meta (key, value) VALUES `)
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, kv[i], kv[i+1])
	}
	b.WriteString(` ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	_, err := db.Exec(b.String(), args...)
	return err
}
