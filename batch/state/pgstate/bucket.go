package pgstate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/onboard/onboard/batch/state"
)

// Bucket is one tenant's rate, shared by every process that sends to it:
// a token bucket row refilled and debited in one statement with the
// database's clock, so machines whose clocks disagree still share one
// rate. A request takes its token on credit (the row's tokens may go
// below zero) and waits until its turn: one round trip a request, and the
// order of the debits is the order of the sends, whichever worker asks. A
// 429 lowers the tenant's rate for every worker (cut) and holds them all
// until its Retry-After; the cut wears off over recoverSeconds.
//
// The burst is spent on lateness, not on sending at once: the row holds
// one token at most, and a process that wakes up to burst slots after its
// turn (a loaded machine descheduled it, or the database answered late)
// still sends. Requests go out at their turn or at most late slots after
// it, so any one second holds the sends of the turns within 1 s + late,
// at most hold + rate·(1 s + late) = 1 + rate + burst: the bound a row
// holding the burst with one slot of lateness allowed (before), with a
// loaded machine's lateness mostly absorbed instead of spent as unused
// tokens.
type Bucket struct {
	s      *Store
	tenant string
	rate   float64
	// hold is the most tokens the row keeps; late how long after its
	// turn a token may still be sent (longer: spent unused).
	hold float64
	late time.Duration

	// skew is the least (local clock - database clock) seen on an answer:
	// the database's clock with the quickest answer's delay. A token's
	// turn is an instant on the database's clock, kept on this machine's
	// clock however late the answer naming it arrives (a slow answer must
	// not push a send next to the one after it).
	mu    sync.Mutex
	skew  time.Duration
	known bool
}

// cutFactor is what a 429 leaves of the tenant's rate; recoverSeconds how
// long a full cut takes to wear off.
const (
	cutFactor      = 0.8
	recoverSeconds = 20.0
)

// margin is the share of the rate the bucket leaves unused: tokens are
// debited at the database's instant, but requests arrive at the vendor a
// few milliseconds later, not all equally late, so a bucket run at exactly
// the rate lets one request too many into some second. 2% below absorbs
// that at the rates vendors set (the goal is within 3% below, never above).
const margin = 0.02

// Bucket is the shared bucket of sc at rate requests a second with burst.
// rate must be positive: an unlimited run has no bucket to share.
func (s *Store) Bucket(sc state.Scope, rate float64, burst int) *Bucket {
	r, n := rate*(1-margin), float64(max(burst, 1))
	return &Bucket{s: s, tenant: sc.Normalized().String(), rate: r, hold: 1, late: time.Duration(n / r * float64(time.Second))}
}

// Take takes one token, waiting for its turn; an error means ctx ended
// or the database could not be asked (after retrying while it restarts).
func (b *Bucket) Take(ctx context.Context) error {
	for {
		dbNow, wait, err := b.reserve(ctx, nil)
		if err != nil {
			return err
		}
		skew := time.Since(dbNow) // local - database, plus this answer's delay
		b.mu.Lock()
		if !b.known || skew < b.skew {
			b.skew, b.known = skew, true
		}
		skew = b.skew
		b.mu.Unlock()
		turn := dbNow.Add(skew + wait)
		if !sleep(ctx, time.Until(turn)) {
			return ctx.Err()
		}
		// Woken later than the burst allows, a request would go out
		// beside more than the bound lets: the token is spent unused
		// and a fresh turn taken, which only ever lowers the rate.
		if time.Since(turn) <= b.late {
			return nil
		}
	}
}

// reserve debits one token at the database's instant (at, when not nil:
// the tests' clock) and returns that instant and how long after it the
// token's turn is. The row's burst column is the tokens it holds at most
// (hold, not the --burst).
func (b *Bucket) reserve(ctx context.Context, at *time.Time) (dbNow time.Time, wait time.Duration, err error) {
	var secs float64
	for attempt := 0; ; attempt++ {
		// excluded.updated_at is the statement's one instant.
		err := b.s.pool.QueryRow(ctx, `INSERT INTO onboard_buckets AS b (tenant, rate, burst, tokens, updated_at)
			VALUES ($1, $2::float8, $3::float8, $3::float8 - 1, coalesce($5::timestamptz, clock_timestamp()))
			ON CONFLICT (tenant) DO UPDATE SET
				rate = excluded.rate, burst = excluded.burst,
				cut = least(1, b.cut + extract(epoch FROM excluded.updated_at - b.updated_at)::float8 / $4::float8),
				tokens = least(excluded.burst, b.tokens + extract(epoch FROM excluded.updated_at - b.updated_at)::float8
					* excluded.rate * b.cut) - 1,
				updated_at = excluded.updated_at
			RETURNING greatest(-b.tokens / (b.rate * b.cut),
				coalesce(extract(epoch FROM b.not_before - b.updated_at)::float8, 0), 0), b.updated_at`,
			b.tenant, b.rate, b.hold, recoverSeconds, at).Scan(&secs, &dbNow)
		if err == nil {
			return dbNow, time.Duration(secs * float64(time.Second)), nil
		}
		// The database restarting: ask again for a while, as the pool
		// reconnects.
		if !transient(err) || ctx.Err() != nil || attempt >= 120 {
			return time.Time{}, 0, fmt.Errorf("shared rate of %s: %w", b.tenant, err)
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return time.Time{}, 0, ctx.Err()
		}
	}
}

// Limited takes a 429 for every worker of the tenant: the rate is cut and
// nobody sends before retryAfter has passed.
func (b *Bucket) Limited(retryAfter time.Duration) {
	ctx, cancel := context.WithTimeout(b.s.ctx, 5*time.Second)
	defer cancel()
	_, _ = b.s.pool.Exec(ctx, `UPDATE onboard_buckets SET cut = greatest(0.05, cut * $2::float8),
		not_before = greatest(coalesce(not_before, clock_timestamp()), clock_timestamp() + $3::interval)
		WHERE tenant = $1`, b.tenant, cutFactor, retryAfter.String())
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
