// Package pgstate is the state store on PostgreSQL (jackc/pgx v5): one
// ledger that any number of onboard processes on any number of machines
// share. It keeps state.Ledger's contract (batch/state/statetest runs the
// same suite against it and the SQLite file) and replaces the file's run
// lock with claims: a run claims the people it is about to send under a
// lease the database's clock keeps, renews the lease while it lives, and
// every later write of a claimed person is fenced by the claim's token, so
// a run that lost its claim (its machine stalled past the lease) cannot
// overwrite the run that took over. A person taken over while in flight
// ("maybe sent") is reported by Claim, and the pipeline looks them up
// before any create.
//
// Connection strings are libpq's (postgres://user@host/db); the password
// comes from PGPASSWORD or ~/.pgpass, never from the command line.
package pgstate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onboard/onboard/batch/state"
)

// DefaultLease is how long a claim or a run lives without renewal: the
// time after which a dead process's people are taken over.
const DefaultLease = 30 * time.Second

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Lease is how long a claim lives unrenewed; 0 means DefaultLease.
	// A live run renews its claims every Lease/3.
	Lease time.Duration
	// Now is the clock for the recorded times (leases use the database's
	// clock); nil means time.Now.
	Now func() time.Time
	// ReadOnly opens for plan, history and lookup: no migration, no writes.
	ReadOnly bool
	// ForgetMaybeSent makes Claim report no person as maybe sent, and Get
	// no person in flight (as if no run had marked them). It exists
	// only for the negative control that proves the tests can see the
	// duplicates it causes; never set it otherwise.
	ForgetMaybeSent bool
	// Takeover, when set, hears of people a run claimed from another
	// run whose lease lapsed while they were in flight (the metrics'
	// lease takeovers); nil hears nothing.
	Takeover func(sc state.Scope, n int)
}

// Store is a state.Ledger on PostgreSQL. Safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	name string // the URL without its password
	opt  Options
	ctx  context.Context

	mu      sync.Mutex
	scopes  map[state.Scope]int64
	fences  map[claimKey]int64 // this store's live claims
	runs    map[int64]bool     // runs this store began and has not ended
	crashed []int64
	fenced  int // writes the fence refused

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type claimKey struct {
	scope int64
	key   string
}

var _ state.Ledger = (*Store)(nil)

// IsURL reports whether spec names a PostgreSQL database rather than a file.
func IsURL(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// Redact is a connection string without its password, for messages.
func Redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// HasPassword reports whether a connection string carries a password
// (which must then not have come from the command line).
func HasPassword(spec string) bool {
	u, err := url.Parse(spec)
	if err != nil {
		return false
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}

// noLedger is a database no run has written yet; it matches
// fs.ErrNotExist, as a state file that does not exist does.
type noLedger string

func (n noLedger) Error() string {
	return fmt.Sprintf("state database %s holds no onboard ledger yet (no run has written it)", string(n))
}

func (n noLedger) Is(target error) bool { return target == fs.ErrNotExist }

// errUnreachable marks a database Open could not reach.
var errUnreachable = errors.New("is PostgreSQL running there, and does it accept this user?")

// oneLine is pgx's connect error (a line per address tried) as one line,
// each cause once.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(parts, l) {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// takeLease takes onboard's own parameter out of a connection string:
// onboard_lease=30s, how long a dead process's people wait before another
// run takes them over (PostgreSQL would refuse a parameter it does not
// know).
func takeLease(spec string) (string, time.Duration, error) {
	u, err := url.Parse(spec)
	if err != nil || !u.Query().Has("onboard_lease") {
		return spec, 0, nil
	}
	q := u.Query()
	d, err := time.ParseDuration(q.Get("onboard_lease"))
	if err != nil || d < time.Second {
		return "", 0, fmt.Errorf("onboard_lease=%s: want a duration of 1s or more, such as 30s", q.Get("onboard_lease"))
	}
	q.Del("onboard_lease")
	u.RawQuery = q.Encode()
	return u.String(), d, nil
}

// ConnString is spec without onboard's own parameters (onboard_lease), as
// PostgreSQL takes it: for another user of the same database, such as
// the job queue that shares its URL with the ledger.
func ConnString(spec string) (string, error) {
	s, _, err := takeLease(spec)
	return s, err
}

// Open connects, migrates the schema (unless read-only) and starts renewing
// this store's leases.
func Open(ctx context.Context, spec string, opt Options) (*Store, error) {
	name := Redact(spec)
	if opt.Lease <= 0 {
		opt.Lease = DefaultLease
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	spec, lease, err := takeLease(spec)
	if err != nil {
		return nil, fmt.Errorf("state database %s: %w", name, err)
	}
	if opt.Lease == DefaultLease && lease > 0 {
		opt.Lease = lease
	}
	cfg, err := pgxpool.ParseConfig(spec)
	if err != nil {
		// pgx's message may quote the string: say it in our words.
		return nil, fmt.Errorf("state database %s: not a valid connection string", name)
	}
	cfg.MaxConns = max(cfg.MaxConns, 4)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("state database %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state database %s: %s: %w", name, oneLine(err), errUnreachable)
	}
	if !opt.ReadOnly {
		if err := migrate(ctx, pool, name); err != nil {
			pool.Close()
			return nil, err
		}
	} else if err := checkVersion(ctx, pool, name); err != nil {
		pool.Close()
		return nil, err
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Store{pool: pool, name: name, opt: opt, ctx: bg, stop: stop, done: make(chan struct{}),
		scopes: map[state.Scope]int64{}, fences: map[claimKey]int64{}, runs: map[int64]bool{}}
	if opt.ReadOnly {
		close(s.done)
	} else {
		go s.renew()
	}
	return s, nil
}

func checkVersion(ctx context.Context, pool *pgxpool.Pool, name string) error {
	var v string
	err := pool.QueryRow(ctx, `SELECT value FROM onboard_meta WHERE key = 'schema_version'`).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return noLedger(name)
	}
	if err != nil {
		return fmt.Errorf("state database %s: %w", name, err)
	}
	if v != fmt.Sprint(SchemaVersion) {
		return fmt.Errorf("state database %s has schema %s; this binary knows %d", name, v, SchemaVersion)
	}
	return nil
}

// renew extends the leases of this store's live runs and claims every
// Lease/3. A failed renewal (the database restarting) is tried again on
// the next tick; a claim that lapses meanwhile may be taken over, and the
// fence then refuses this store's late write.
func (s *Store) renew() {
	defer close(s.done)
	t := time.NewTicker(s.opt.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		runs := make([]int64, 0, len(s.runs))
		for id := range s.runs {
			runs = append(runs, id)
		}
		s.mu.Unlock()
		if len(runs) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.opt.Lease/3)
		_, _ = s.pool.Exec(ctx, `UPDATE onboard_runs SET lease_until = clock_timestamp() + $2::interval
			WHERE id = ANY($1) AND status = 'running'`, runs, s.opt.Lease.String())
		_, _ = s.pool.Exec(ctx, `UPDATE onboard_people SET lease_until = clock_timestamp() + $2::interval
			WHERE claim_run = ANY($1) AND status = 'in_flight'`, runs, s.opt.Lease.String())
		cancel()
	}
}

// Path is the database URL without its password.
func (s *Store) Path() string { return s.name }

// UpgradedFrom is always 0: the database is migrated in place.
func (s *Store) UpgradedFrom() int { return 0 }

// Fenced is how many writes the fence refused: people another run took
// over while this one held them.
func (s *Store) Fenced() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fenced
}

// Close lets go of this store's claims still in flight (an unknown
// outcome stays in flight, maybe sent, for the next run to look up) and
// closes the connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
		s.mu.Lock()
		runs := make([]int64, 0, len(s.runs))
		for id := range s.runs {
			runs = append(runs, id)
		}
		s.mu.Unlock()
		if len(runs) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := s.pool.Exec(ctx, `UPDATE onboard_people SET lease_until = clock_timestamp()
				WHERE claim_run = ANY($1) AND status = 'in_flight'`, runs)
			cancel()
			s.closeErr = err
		}
		s.pool.Close()
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("state database %s: close: %w", s.name, s.closeErr)
		}
	})
	return s.closeErr
}

func (s *Store) writable() error {
	if s.opt.ReadOnly {
		return fmt.Errorf("state database %s: %w", s.name, state.ErrReadOnly)
	}
	return nil
}

// scopeID returns the scope's row id, creating it when create is set.
func (s *Store) scopeID(ctx context.Context, sc state.Scope, create bool) (int64, bool, error) {
	sc = sc.Normalized()
	if sc.Provider == "" {
		return 0, false, errors.New("state: scope has no provider")
	}
	s.mu.Lock()
	id, ok := s.scopes[sc]
	s.mu.Unlock()
	if ok {
		return id, true, nil
	}
	var err error
	if create {
		if err := s.writable(); err != nil {
			return 0, false, err
		}
		err = s.row(ctx, `INSERT INTO onboard_scopes (provider, base_url, tenant) VALUES ($1, $2, $3)
			ON CONFLICT (provider, base_url, tenant) DO UPDATE SET provider = excluded.provider
			RETURNING id`, []any{sc.Provider, sc.BaseURL, sc.Tenant}, &id)
	} else {
		err = s.row(ctx, `SELECT id FROM onboard_scopes WHERE provider = $1 AND base_url = $2 AND tenant = $3`,
			[]any{sc.Provider, sc.BaseURL, sc.Tenant}, &id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, false, nil
		}
	}
	if err != nil {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	s.mu.Lock()
	s.scopes[sc] = id
	s.mu.Unlock()
	return id, true, nil
}

// DigestSalt is the database's random salt for value digests.
func (s *Store) DigestSalt() (string, error) {
	var v string
	err := s.row(s.ctx, `SELECT value FROM onboard_meta WHERE key = 'digest_salt'`, nil, &v)
	if err != nil {
		return "", fmt.Errorf("state database %s: digest salt: %w", s.name, err)
	}
	return v, nil
}
