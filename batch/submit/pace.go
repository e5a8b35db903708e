package submit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard/onboard/providers"
)

// The pace after a 429 is an AIMD-style limiter that settles just under the
// vendor's limit instead of saw-toothing into it. A 429 is counted (it
// lowers the rate) only when it is news: it answers a request asked for
// after the last cut (a volley cuts once), and either a good share of the
// recent answers are 429s (shareCut: a limit, not an occasional refusal)
// or the pace has climbed back to the limit measured before. A counted
// 429 sets the rate just under the rate the vendor actually accepted over
// the last second (settleFactor of it) when that can be measured
// (estimateSpan of sending since the last Retry-After), or cuts it by
// cutFactor otherwise. Right after a Retry-After that accepted rate holds
// the vendor's refilled burst; two stretches of sending measure the limit
// without it (stretchLimitLocked), and the pace settles under that. From
// there the rate climbs linearly with time: slowly (probeKnown a second)
// once the limit was measured, so the next 429 comes many seconds later
// and costs one Retry-After; faster (probeUnknown) while it is only a
// guess. Occasional 429s from a vendor
// that is not limiting (the chaos test answers 5% at random) are taken
// in, waited out, and change nothing: an older version cut on each and
// gave a cut back every 10 answers, which against a real limit climbed
// back into it again and again (64-70 s and ~190 429s for 2,000 rows).

// cutFactor is what a counted 429 leaves of the rate when the vendor's
// limit could not be measured.
const cutFactor = 0.5

// settleFactor is the share of the measured accepted rate the pace settles
// at after a counted 429.
const settleFactor = 0.95

// probeKnown and probeUnknown are how fast the rate climbs after a cut, as
// a share of the rate the cut set, per second: slowly under a measured
// limit, faster from a guess.
const (
	probeKnown   = 0.003
	probeUnknown = 0.10
)

// shareCut is the share of 429s among the last answers (window) above which
// a 429 is a limit, whatever the pace.
const shareCut = 0.15

// window is how many answers the 429 share is judged over.
const window = 100

// estimateSpan is the least sending time, since the run began or the last
// Retry-After ended, over which the accepted rate is a measure of the
// vendor's limit: over less, the vendor's own burst inflates it.
const estimateSpan = 500 * time.Millisecond

// stretchGap is the least difference between two stretches' spans over
// which their answers measure the limit (stretchLimitLocked): an answer
// more or less over 250 ms is 4% at 100/s.
const stretchGap = 250 * time.Millisecond

// recent is how many send and answer times are kept to estimate rates.
const recent = 4096

// minWindow is the shortest span a rate is estimated over.
const minWindow = 100 * time.Millisecond

// pacer decides when the next request may go. It owns the shared token
// bucket, the "not before" gate a Retry-After sets, and the counters. It is
// safe for concurrent use.
type pacer struct {
	lim    *rate.Limiter
	now    func() time.Time
	obs    Observer   // nil: nobody listens
	shared SharedRate // nil unless other processes share the rate

	mu      sync.Mutex
	space   spacer
	gate    time.Time  // no request before this
	lastCut time.Time  // when a 429 last lowered the rate
	target  rate.Limit // the configured rate: the climb never goes past it
	ceiling float64    // an unlimited run: the rate before its first cut

	// After a cut the rate is base·(1 + slope·seconds since cutAt).
	base, slope float64
	cutAt       time.Time
	// limit is the vendor's limit as last measured (0: not measured); a
	// 429 below it is news only when the share says so.
	limit float64
	// since is when the current stretch of sending began (the run's start
	// or the end of the last Retry-After): the accepted rate is measured
	// over it.
	since time.Time
	// ref is the shortest stretch of sending a counted 429 ended so far
	// (span 0: none), for stretchLimitLocked.
	ref stretch

	sends  [recent]time.Time
	nsends int
	oks    [recent]time.Time // answers other than 429
	noks   int
	// heard is every answer, 429s included: a 429 inside a stretch (one
	// without a Retry-After, which the pace lets pass) got through the
	// vendor's limit before it was refused, and stretchLocked counts it.
	heard       [recent]time.Time
	nheard      int
	shares      [window]bool // the last answers: true for a 429
	nshares     int
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
	return &pacer{lim: rate.NewLimiter(limit, opt.Burst), now: time.Now, space: newSpacer(opt.Rate, opt.Burst), target: limit, obs: opt.Observer, shared: opt.Shared}
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
		p.since = now
	}
	p.last = now
	return now
}

// looked records a lookup request about to be sent and returns its time.
func (p *pacer) looked() time.Time {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lookups++
	// Lookups take the bucket's tokens too: the pace achieved counts them.
	p.sends[p.nsends%recent] = now
	p.nsends++
	if p.since.IsZero() {
		p.since = now
	}
	return now
}

// limited takes a 429 for a request whose token was asked for at sentAt
// (wait): it moves the gate by retryAfter and, when the 429 is news (see
// the top of this file), lowers the rate. Answers to requests paced before
// the last cut say nothing about the new rate, so a volley of 429s cuts
// once (and so do the 429s to the tokens every worker had already reserved
// at the old rate).
func (p *pacer) limited(sentAt time.Time, retryAfter time.Duration) {
	if p.shared != nil {
		p.shared.Limited(retryAfter) // every process of the tenant slows
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rateLimited++
	p.shareLocked(true)
	// The accepted rate over the stretch this 429 ends, before a
	// Retry-After starts the next one.
	acc := p.acceptedLocked(now)
	// Only a Retry-After ends a stretch the way stretchLimitLocked needs:
	// the vendor's bucket empty now and refilled when sending starts again.
	st, stOK := p.stretchLocked(now)
	stOK = stOK && retryAfter > 0 && retryAfter <= providers.MaxRetryAfter
	p.heardLocked(now)
	// A Retry-After past the cap is not waited (the row fails instead), and
	// must not hold every other worker either.
	if retryAfter > 0 && retryAfter <= providers.MaxRetryAfter {
		if g := now.Add(retryAfter); g.After(p.gate) {
			p.gate = g
			p.since = g // the accepted rate is measured from here on
		}
	}
	// A cut is given time to show: a vendor answering every request 429
	// at once would otherwise halve the rate to the floor in a moment.
	if sentAt.Before(p.lastCut) || now.Sub(p.lastCut) < minWindow {
		return
	}
	obs := p.observedLocked(now)
	cur := float64(p.lim.Limit())
	if p.lim.Limit() == rate.Inf {
		cur = max(obs, 1) // at least the 429'd request itself
	}
	// News: the vendor asked every worker to wait (a Retry-After holds
	// them all, so a limit shows as few, spaced 429s); or many of the last
	// answers are 429s; or the pace is back at the limit found.
	news := retryAfter > 0 || p.share() >= shareCut || p.limit > 0 && cur >= p.limit
	if !news {
		return // an occasional 429 from a vendor that is not limiting us
	}
	p.lastCut = now
	if p.lim.Limit() == rate.Inf {
		p.ceiling = cur
	}
	next, slope := cur*cutFactor, probeUnknown
	p.limit = 0
	if acc > 0 && acc < cur {
		// What was accepted still says when a 429 is news (a vendor that
		// 429s at random does not cut the pace any sooner); the pace
		// settles under the limit past the burst when two stretches
		// measure it. Never deeper than a cut with nothing measured: an
		// estimate that far under what was accepted means the vendor is
		// not the token bucket it assumes.
		p.limit = acc
		est := acc
		if l := p.stretchLimitLocked(st, stOK); l >= acc*cutFactor && l < acc {
			est = l
		}
		next, slope = min(est*settleFactor, cur*settleFactor), probeKnown
	}
	if stOK && (p.ref.span == 0 || st.span < p.ref.span) {
		p.ref = st
	}
	// Floor 1/s, unless the rate was already below it.
	next = max(next, min(1, cur))
	p.base, p.slope, p.cutAt = next, slope, now
	p.setLocked(now, rate.Limit(next))
}

// answered takes an answer other than 429: after a cut, the rate climbs
// with time since it, up to the configured rate (an unlimited run is
// unlimited again once back at the rate it had before its first cut).
func (p *pacer) answered() {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.oks[p.noks%recent] = now
	p.noks++
	p.heardLocked(now)
	p.shareLocked(false)
	cur := p.lim.Limit()
	if cur >= p.target || p.cutAt.IsZero() {
		return
	}
	next := rate.Limit(p.base * (1 + p.slope*now.Sub(p.cutAt).Seconds()))
	if next <= cur {
		return
	}
	if p.target == rate.Inf && float64(next) >= p.ceiling {
		next = rate.Inf
	}
	p.setLocked(now, min(next, p.target))
}

// setLocked sets the rate of the bucket and the spacer.
func (p *pacer) setLocked(now time.Time, l rate.Limit) {
	p.lim.SetLimitAt(now, l)
	p.space.rate = float64(l)
	if l == rate.Inf {
		p.space.rate = 0
	}
}

// shareLocked records one answer, 429 or not, for share.
func (p *pacer) shareLocked(limited bool) {
	p.shares[p.nshares%window] = limited
	p.nshares++
}

// share is the share of 429s among the last answers.
func (p *pacer) share() float64 {
	n := min(p.nshares, window)
	if n == 0 {
		return 0
	}
	k := 0
	for _, l := range p.shares[:n] {
		if l {
			k++
		}
	}
	return float64(k) / float64(n)
}

// acceptedLocked is the rate of answers other than 429 over the last
// second of the current stretch of sending, or 0 when the stretch is
// shorter than estimateSpan.
func (p *pacer) acceptedLocked(now time.Time) float64 {
	from := p.since
	if from.IsZero() || now.Sub(from) < estimateSpan {
		return 0
	}
	// Over the last second, or the last 40 answers' worth at a slow rate
	// (one answer more or less is 5%), at most 3 s.
	span := time.Second
	if l := float64(p.lim.Limit()); l > 0 && l < 40 {
		span = min(3*time.Second, time.Duration(40/l*float64(time.Second)))
	}
	from = maxTime(from, now.Add(-span))
	count := 0
	for _, t := range p.oks[:min(p.noks, recent)] {
		if t.After(from) && !t.After(now) {
			count++
		}
	}
	return float64(count) / now.Sub(from).Seconds()
}

// stretch is a stretch of sending that a counted 429 ended: how long it
// lasted and how many answers it had before that 429.
type stretch struct {
	span    time.Duration
	answers int
	// early is the rate of those answers over the stretch's first half.
	early float64
}

// heardLocked records an answer, 429 or not, at now.
func (p *pacer) heardLocked(now time.Time) {
	p.heard[p.nheard%recent] = now
	p.nheard++
}

// stretchLocked is the current stretch of sending, from its start (the
// run's first request or the end of the last Retry-After) to now; false
// when it has not begun or the ring no longer holds its first answers.
func (p *pacer) stretchLocked(now time.Time) (stretch, bool) {
	if p.since.IsZero() || !now.After(p.since) {
		return stretch{}, false
	}
	if p.nheard > recent && p.heard[p.nheard%recent].After(p.since) {
		return stretch{}, false
	}
	mid := p.since.Add(now.Sub(p.since) / 2)
	n, early := 0, 0
	for _, t := range p.heard[:min(p.nheard, recent)] {
		if t.After(p.since) && !t.After(now) {
			n++
			if !t.After(mid) {
				early++
			}
		}
	}
	span := now.Sub(p.since)
	return stretch{span: span, answers: n, early: float64(early) / (span / 2).Seconds()}, true
}

// stretchLimitLocked estimates the vendor's limit from two stretches a
// 429 ended, or returns 0. A vendor's token bucket refills during a
// Retry-After, so a stretch after one starts with its burst: the rate
// accepted over a short stretch is the vendor's limit plus burst/span
// (113/s for a 100/s limit with a burst of 10, over 0.7 s), and a pace
// set under it meets the limit again, a Retry-After each time. Two
// stretches that both began with the burst and ended with the bucket empty
// accepted burst + limit·span each, so the limit is the difference of
// their answers over the difference of their spans, provided both were
// sent above the limit throughout (judged on their first halves). The
// reference is the shortest stretch so far (the run's first, where --rate
// found the limit in a moment); a span too close to it says nothing.
func (p *pacer) stretchLimitLocked(st stretch, ok bool) float64 {
	if !ok || p.ref.span == 0 || st.span-p.ref.span < stretchGap || st.answers <= p.ref.answers {
		return 0
	}
	l := float64(st.answers-p.ref.answers) / (st.span - p.ref.span).Seconds()
	if l > st.early || l > p.ref.early {
		// A stretch paced under the limit for a while (a climb from a
		// deep cut) left the vendor's bucket full and its refill unused:
		// its answers fall short of burst + limit·span.
		return 0
	}
	return l
}

// maxTime is max for time.Time values.
func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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
