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
// lost time: 1000/s achieved only about 80%). It is not safe for concurrent
// use: the pacer's mutex guards it.
type spacer struct {
	rate   float64 // tokens per second; 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func newSpacer(rate float64, burst int) spacer {
	s := spacer{rate: rate, burst: float64(burst)}
	s.tokens = s.cap()
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
	if s.tokens >= 1 {
		s.tokens--
		return 0
	}
	return time.Duration((1 - s.tokens) / s.rate * float64(time.Second))
}
