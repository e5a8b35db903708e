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
// A process may wake after its turn (a loaded machine descheduled it, or
// the database answered late); a token is still sent if it is not later
// than its lateness allows, else it is spent unused and a fresh turn
// taken. What a late token may add to a second is what the row did not
// hold when it was taken, less one: a token taken with left tokens left in
// the row may be burst − 1 − left slots late (one at least). Proof that a
// one-second window then holds no more sends than before: let e be the
// window's earliest-turned send and x = max(left_e + 1, 1) what the row
// held at its turn (a token taken on credit finds the row at 1 at its
// turn). The sends are among the turns from e's to the window's end, at
// most x + rate·(1 s + late_e) = rate + burst when late_e is burst − x
// slots, rate + x + 1 ≤ rate + burst + 1 when it is the one slot, the
// bound of one slot for every token (a cut or a Retry-After only slows the
// refill). The one to spare is the margin's: requests reach the vendor a
// little after their turn (see margin). A token taken on credit, the
// usual case when many workers share the rate, may be burst − 1 slots
// late; a full row's, one.
type Bucket struct {
	s           *Store
	tenant      string
	rate, burst float64
	// rule is how late a token may be sent (nil: lateness); the tests'
	// negative controls replace it.
	rule func(t token) time.Duration

	// skew is the least (local clock - database clock) seen on an answer:
	// the database's clock with the quickest answer's delay. A token's
	// turn is an instant on the database's clock, kept on this machine's
	// clock however late the answer naming it arrives (a slow answer must
	// not push a send next to the one after it).
	mu    sync.Mutex
	skew  time.Duration
	known bool
}

// token is one debit of the row.
type token struct {
	at   time.Time     // the database's instant of the debit
	wait time.Duration // from at to the token's turn
	// left is the row's tokens after the debit (negative: on credit),
	// rate and burst the row's (uncut: a cut only lengthens slots).
	left, rate, burst float64
}

// lateness is how long after its turn t may still be sent: burst − 1 −
// left slots, one at least (see Bucket).
func lateness(t token) time.Duration {
	slots := max(t.burst-1-max(t.left, 0), 1)
	return time.Duration(slots / t.rate * float64(time.Second))
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
	return &Bucket{s: s, tenant: sc.Normalized().String(), rate: rate * (1 - margin), burst: float64(max(burst, 1))}
}

// Take takes one token, waiting for its turn; an error means ctx ended
// or the database could not be asked (after retrying while it restarts).
func (b *Bucket) Take(ctx context.Context) error {
	rule := b.rule
	if rule == nil {
		rule = lateness
	}
	for {
		t, err := b.reserve(ctx, nil)
		if err != nil {
			return err
		}
		skew := time.Since(t.at) // local - database, plus this answer's delay
		b.mu.Lock()
		if !b.known || skew < b.skew {
			b.skew, b.known = skew, true
		}
		skew = b.skew
		b.mu.Unlock()
		turn := t.at.Add(skew + t.wait)
		if !sleep(ctx, time.Until(turn)) {
			return ctx.Err()
		}
		// Woken later than its lateness allows, a request would go out
		// beside more than the bound lets: the token is spent unused
		// and a fresh turn taken, which only ever lowers the rate.
		if time.Since(turn) <= rule(t) {
			return nil
		}
	}
}

// reserve debits one token at the database's instant (at, when not nil:
// the tests' clock). The row's tokens are its level at updated_at, which
// a Retry-After moves to the end of its wait (Limited): until then the
// row does not refill, and the turns of the tokens taken meanwhile follow
// that end a slot apart instead of all at it (the schema's not_before
// column, which let them all go at once, is no longer used).
func (b *Bucket) reserve(ctx context.Context, at *time.Time) (token, error) {
	var t token
	var secs float64
	for attempt := 0; ; attempt++ {
		err := b.s.pool.QueryRow(ctx, `WITH now AS (SELECT coalesce($5::timestamptz, clock_timestamp()) AS t)
			INSERT INTO onboard_buckets AS b (tenant, rate, burst, tokens, updated_at)
			SELECT $1, $2::float8, $3::float8, $3::float8 - 1, now.t FROM now
			ON CONFLICT (tenant) DO UPDATE SET
				rate = excluded.rate, burst = excluded.burst,
				cut = least(1, b.cut + greatest(0, extract(epoch FROM excluded.updated_at - b.updated_at)::float8) / $4::float8),
				tokens = least(excluded.burst, b.tokens + greatest(0, extract(epoch FROM excluded.updated_at - b.updated_at)::float8)
					* excluded.rate * b.cut) - 1,
				updated_at = greatest(b.updated_at, excluded.updated_at)
			RETURNING extract(epoch FROM b.updated_at - (SELECT t FROM now))::float8 + greatest(-b.tokens / (b.rate * b.cut), 0),
				(SELECT t FROM now), b.tokens, b.rate, b.burst`,
			b.tenant, b.rate, b.burst, recoverSeconds, at).Scan(&secs, &t.at, &t.left, &t.rate, &t.burst)
		if err == nil {
			t.wait = time.Duration(secs * float64(time.Second))
			return t, nil
		}
		// The database restarting: ask again for a while, as the pool
		// reconnects.
		if !transient(err) || ctx.Err() != nil || attempt >= 120 {
			return token{}, fmt.Errorf("shared rate of %s: %w", b.tenant, err)
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return token{}, ctx.Err()
		}
	}
}

// Limited takes a 429 for every worker of the tenant: the rate is cut and
// nobody sends before retryAfter has passed. The row stops refilling
// until then (its level moves to that instant, none left over: the
// vendor said it was over), so the tokens taken meanwhile go a slot
// apart after it; tokens taken before keep their turns.
func (b *Bucket) Limited(retryAfter time.Duration) {
	ctx, cancel := context.WithTimeout(b.s.ctx, 5*time.Second)
	defer cancel()
	_, _ = b.s.pool.Exec(ctx, `UPDATE onboard_buckets SET cut = greatest(0.05, cut * $2::float8),
		tokens = least(0, tokens + greatest(0, extract(epoch FROM clock_timestamp() - updated_at)::float8) * rate * cut),
		updated_at = greatest(updated_at, clock_timestamp() + $3::interval)
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
