package submit

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait before retry n (1-based): exponential from base,
// capped at maxWait, with equal jitter (half fixed, so a retry never comes
// right back; half random, so workers that failed together spread out), and
// never sooner than the vendor's Retry-After.
func backoff(n int, base, maxWait, retryAfter time.Duration) time.Duration {
	d := maxWait
	if shift := n - 1; shift < 62 {
		if e := base << shift; e > 0 && e>>shift == base {
			d = min(e, maxWait)
		}
	}
	half := d / 2
	d = half + rand.N(d-half+1)
	return max(d, retryAfter)
}
