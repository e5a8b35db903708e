package state

import "time"

// Ledger is the state store's contract: what the pipeline, plan, watch,
// history, lookup and the day-two code use. Two stores keep it: *Store, an
// embedded SQLite file one process locks (the default), and
// batch/state/pgstate, a PostgreSQL database any number of processes on
// any number of machines share. batch/state/statetest is the conformance
// suite both pass.
//
// The batch methods (Get, ByIdentity, Seen, Claim, Record) take a whole
// chunk of keys, so a store can answer a chunk in one round trip.
type Ledger interface {
	// Path names the store in messages: the file, or the database URL
	// without its password.
	Path() string
	Close() error
	// UpgradedFrom is the schema of an older store read through an
	// upgraded copy (SQLite, read-only); 0 otherwise.
	UpgradedFrom() int
	DigestSalt() (string, error)

	// People.
	Get(sc Scope, keys []string) (map[string]Person, error)
	ByIdentity(sc Scope, identities []string) (map[string]Person, error)
	Seen(sc Scope, runID int64, seen []Sighting) error
	// Claim is MarkInFlightAs for a store many runs share at once: it
	// claims the keys for runID under a lease and reports the keys it could
	// not claim (another live run holds them, or created them since Get)
	// and the claimed keys an earlier run left in flight ("maybe sent":
	// look them up before any create). Every later Record of a claimed key
	// is fenced: it is refused once another run took the claim over.
	Claim(sc Scope, runID int64, marks []Mark) (Claims, error)
	Record(sc Scope, runID int64, outs []Outcome) error
	Lookup(q string) ([]Person, error)

	// Day two.
	Missing(sc Scope, since int64, fn func(Person) error) (int, error)
	StillMissing(sc Scope, since int64) (int, error)
	MarkMissing(sc Scope, since, runID int64) error
	NightMissing(runID int64, listed, still int) error
	KnownElsewhere(sc Scope) ([]ScopeCount, error)
	Count(sc Scope) (int, error)

	// Runs.
	BeginRun(file, fileHash string, sc Scope) (int64, error)
	EndRun(runID int64, c Counts, status string) error
	Checkpoint(runID int64, c Counts) error
	SetOutputs(runID int64, results, fixFile string) error
	RecordInvalid(runID int64, digests [][]byte) error
	InvalidSince(runID int64) (fresh, still int, prev int64, err error)
	LastDone(sc Scope) (Run, bool, error)
	CrashedRuns() []int64
	History(limit int) ([]Run, error)
}

// Claims is what Claim could not take, and what it took that may have
// been sent already.
type Claims struct {
	// Held are keys another live run holds (or created since the caller's
	// Get): ask the store again (Get, then Claim) after HeldFor.
	Held    []string
	HeldFor time.Duration
	// MaybeSent are claimed keys an earlier run marked in flight and never
	// resolved: the vendor may have them, so look them up before creating.
	MaybeSent []string
}

var _ Ledger = (*Store)(nil)

// Claim marks the keys in flight. The run lock makes the file this
// process's alone, so every key is claimed; the ones an earlier run left
// in flight are the caller's Get's in_flight people already.
func (s *Store) Claim(sc Scope, runID int64, marks []Mark) (Claims, error) {
	return Claims{}, s.MarkInFlightAs(sc, runID, marks)
}

// EncodeDigests is the stored form of a person's digests (a JSON object,
// "" for none), shared by every store.
func EncodeDigests(d map[string]string) string { return encodeDigests(d) }

// DecodeDigests reads what EncodeDigests wrote.
func DecodeDigests(s string) (map[string]string, error) { return decodeDigests(s) }

// Normalized is the scope as every store keys it (see normalize).
func (sc Scope) Normalized() Scope { return sc.normalize() }

// IsStopStatus reports whether status is one of EndRun's early stops.
func IsStopStatus(status string) bool { return stopStatuses[status] }
