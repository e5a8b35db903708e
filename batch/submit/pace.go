package submit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard/onboard/providers"
)

// cutFactor is what a 429 leaves of the rate at that moment.
const cutFactor = 0.8

// recoverAfter is how many answers that are not a 429 undo one cut. Without
// it a vendor answering a few random 429s would, cut after cut, bring a run
// down to one request a second for good (the chaos test took minutes);
// with it the rate settles where about one request in recoverAfter meets a
// 429. Every answer counts, also one to a request sent before the last
// cut: with many workers in flight, counting only later ones lets random
// 429s win anyway.
const recoverAfter = 10

// recent is how many send times are kept to estimate the achieved rate
// when a 429 arrives on an unlimited run.
const recent = 4096

// minWindow is the shortest span a rate is estimated over.
const minWindow = 100 * time.Millisecond

// pacer decides when the next request may go. It owns the shared token
// bucket, the "not before" gate a Retry-After sets, and the counters. It is
// safe for concurrent use.
type pacer struct {
	lim    *rate.Limiter
	obs    Observer   // nil: nobody listens
	shared SharedRate // nil unless other processes share the rate

	mu          sync.Mutex
	space       spacer
	gate        time.Time  // no request before this
	lastCut     time.Time  // when a 429 last lowered the rate
	target      rate.Limit // the configured rate: recovery never goes past it
	ceiling     float64    // an unlimited run: the rate before its first cut
	oks         int        // answers since the last change that were not 429
	sends       [recent]time.Time
	nsends      int
	requests    int64
	lookups     int64
	rateLimited int64
	first, last time.Time
}

func newPacer(opt Options) *pacer {
	limit := rate.Inf
	if opt.Rate > 0 {
		limit = rate.Limit(opt.Rate)
	}
	return &pacer{lim: rate.NewLimiter(limit, opt.Burst), space: newSpacer(opt.Rate, opt.Burst), target: limit, obs: opt.Observer, shared: opt.Shared}
}

// wait blocks until a request may be sent: past the gate, holding a token,
// and spaced from the requests before it. Any error means the run stopped.
// It returns when the token was asked for: a 429 to the request says
// something about the rate in force then (limited), not at the send, since
// a token once reserved keeps its slot however the rate changes after.
func (p *pacer) wait(stop context.Context) (time.Time, error) {
	if p.obs != nil {
		start := time.Now()
		defer func() { p.obs.TokenWait(time.Since(start)) }()
	}
	for {
		if err := p.waitGate(stop); err != nil {
			return time.Time{}, err
		}
		asked := time.Now()
		if err := p.lim.Wait(stop); err != nil {
			return time.Time{}, err
		}
		// A Retry-After may have come in while we waited for the token.
		// Going at the gate with tokens taken before it would release
		// every waiting worker at once, so wait the gate and take a fresh
		// token.
		if time.Now().Before(p.gateTime()) {
			continue
		}
		for {
			d := p.spaced()
			if d == 0 && p.shared != nil {
				// This process's pace kept; now the tenant's, which
				// every process shares.
				if err := p.shared.Take(stop); err != nil {
					return time.Time{}, err
				}
			}
			if d == 0 {
				return asked, stop.Err()
			}
			if !sleep(stop, d) {
				return time.Time{}, stop.Err()
			}
		}
	}
}

func (p *pacer) waitGate(stop context.Context) error {
	for {
		d := time.Until(p.gateTime())
		if d <= 0 {
			return nil
		}
		if !sleep(stop, d) {
			return stop.Err()
		}
	}
}

// spaced takes a spacer token now, or says how long to wait for one.
func (p *pacer) spaced() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.space.take(time.Now())
}

func (p *pacer) gateTime() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gate
}

// sent records a create request about to be sent and returns its time.
func (p *pacer) sent() time.Time {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends[p.nsends%recent] = now
	p.nsends++
	p.requests++
	if p.first.IsZero() {
		p.first = now
	}
	p.last = now
	return now
}

// looked records a lookup request about to be sent and returns its time.
func (p *pacer) looked() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lookups++
	return time.Now()
}

// limited takes a 429 for a request whose token was asked for at sentAt
// (wait): it moves the gate by retryAfter and lowers the rate. Answers to
// requests paced before the last cut say nothing about the new rate, so a
// volley of 429s cuts once (and so do the 429s to the tokens every worker
// had already reserved at the old rate).
func (p *pacer) limited(sentAt time.Time, retryAfter time.Duration) {
	if p.shared != nil {
		p.shared.Limited(retryAfter)
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rateLimited++
	// A Retry-After past the cap is not waited (the row fails instead), and
	// must not hold every other worker either.
	if retryAfter > 0 && retryAfter <= providers.MaxRetryAfter {
		if g := now.Add(retryAfter); g.After(p.gate) {
			p.gate = g
		}
	}
	if sentAt.Before(p.lastCut) {
		return
	}
	p.lastCut = now
	p.oks = 0
	cur := p.lim.Limit()
	base := float64(cur)
	if cur == rate.Inf {
		base = p.observedLocked(now)
		p.ceiling = base
	}
	// Floor 1/s, unless the configured rate was already below it.
	floor := min(1, base)
	next := max(base*cutFactor, floor)
	p.lim.SetLimitAt(now, rate.Limit(next))
	p.space.rate = next
}

// answered takes an answer other than 429: every recoverAfter of them undo
// one cut, up to the configured rate (an unlimited run is unlimited again
// once back at the rate it had before its first cut).
func (p *pacer) answered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.lim.Limit()
	if cur >= p.target {
		return
	}
	if p.oks++; p.oks < recoverAfter {
		return
	}
	now := time.Now()
	p.oks = 0
	next := rate.Limit(float64(cur) / cutFactor)
	if p.target == rate.Inf && float64(next) >= p.ceiling {
		next = rate.Inf
	}
	next = min(next, p.target)
	p.lim.SetLimitAt(now, next)
	p.space.rate = float64(next)
	if next == rate.Inf {
		p.space.rate = 0
	}
}

// observedLocked is the create rate achieved over the last second, or
// since the first request when the run is younger, but over at least
// minWindow so that a couple of requests sent together do not read as
// thousands per second.
func (p *pacer) observedLocked(now time.Time) float64 {
	window := min(time.Second, max(now.Sub(p.first), minWindow))
	n := min(p.nsends, recent)
	count, oldest := 0, now
	for _, t := range p.sends[:n] {
		if now.Sub(t) <= window {
			count++
			oldest = minTime(oldest, t)
		}
	}
	if count == recent && now.After(oldest) {
		// The ring spans less than the window: measure over what it holds.
		window = now.Sub(oldest)
	}
	return float64(count) / window.Seconds()
}

// minTime is min for time.Time values.
func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (p *pacer) stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{
		Requests:    p.requests,
		Lookups:     p.lookups,
		RateLimited: p.rateLimited,
		First:       p.first,
		Last:        p.last,
	}
	if l := p.lim.Limit(); l != rate.Inf {
		s.Limit = float64(l)
	}
	return s
}

// sleep waits d or until stop is done; it reports whether d elapsed.
func sleep(stop context.Context, d time.Duration) bool {
	if d <= 0 {
		return stop.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop.Done():
		return false
	}
}
