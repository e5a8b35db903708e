package submit

import "time"

// absorb is the timer lateness the spacer forgives without holding the next
// request back: Go's timers can fire up to about a millisecond late.
const absorb = 2 * time.Millisecond

// spacer is the token bucket again, judged at the moment each request
// actually goes. The shared rate.Limiter hands out future slots; if the
// process stalls (a GC pause, a busy machine), every worker whose slot fell
// inside the stall wakes at once and would send together. The spacer
// spreads them out again.
//
// Its cap is burst plus a slack of max(half a token, absorb's worth): no
// window of length w ever sees more than rate*w+burst+slack sends, which
// up to 250/s is rate*w+burst exactly when rate*w is whole, while ordinary
// timer lateness costs nothing (a tighter cap turns every late wake-up into
// lost time: 1000/s achieved only about 80%).
//
// That slack lets a late wake-up be made up at once, so at 1000/s (two
// tokens of slack) a second could hold 1,002 requests. The spacer therefore
// also keeps the time of its last takes and holds a take that would put
// more than the configured rate (rounded down) + burst in one second:
// --rate is never exceeded over a second, the unit it is given in, at any
// rate up to maxGuarded. That guard holds a request only when the second
// before it was already full, so it costs no rate. A rate lowered after a
// 429 is the bucket's to keep (the guard stays at --rate: holding every
// worker until the second before a cut drained would add a pause to each
// cut). It is not safe for concurrent use: the pacer's mutex guards it.
type spacer struct {
	rate   float64 // tokens per second; 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time

	// perSecond is the most takes a second may hold (0: not guarded);
	// takes is a ring of the last perSecond takes' times (monotonic, since
	// base), ntakes how many were taken in all.
	perSecond int
	base      time.Time
	takes     []time.Duration
	ntakes    int
}

// maxGuarded is the highest rate whose seconds the spacer counts: its ring
// holds rate + burst times. Above it (no vendor API takes that much from
// one client) the bucket and the slack alone pace.
const maxGuarded = 1 << 16

func newSpacer(rate float64, burst int) spacer {
	s := spacer{rate: rate, burst: float64(burst)}
	s.tokens = s.cap()
	if rate > 0 && rate+s.burst <= maxGuarded {
		s.perSecond = int(rate) + burst
		s.takes = make([]time.Duration, s.perSecond)
	}
	return s
}

func (s *spacer) cap() float64 {
	return s.burst + max(0.5, s.rate*absorb.Seconds())
}

// take takes a token at now and returns 0, or returns how long to wait
// before asking again.
func (s *spacer) take(now time.Time) time.Duration {
	if s.rate <= 0 {
		return 0
	}
	if !s.last.IsZero() && now.After(s.last) {
		s.tokens = min(s.cap(), s.tokens+now.Sub(s.last).Seconds()*s.rate)
	}
	s.last = now
	if s.tokens < 1 {
		return time.Duration((1 - s.tokens) / s.rate * float64(time.Second))
	}
	if d := s.fullSecond(now); d > 0 {
		return d
	}
	s.tokens--
	s.took(now)
	return 0
}

// fullSecond says how long a take at now must wait so that no window of a
// second holds more than perSecond takes: until a second after the
// perSecond-th last take.
func (s *spacer) fullSecond(now time.Time) time.Duration {
	if s.perSecond == 0 || s.ntakes < s.perSecond {
		return 0
	}
	at := s.base.Add(s.takes[s.ntakes%s.perSecond]) // the oldest in the ring
	return at.Add(time.Second).Sub(now)
}

// took notes a take at now in the ring.
func (s *spacer) took(now time.Time) {
	if s.perSecond == 0 {
		return
	}
	if s.base.IsZero() {
		s.base = now
	}
	s.takes[s.ntakes%s.perSecond] = now.Sub(s.base)
	s.ntakes++
}
