package submit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/onboard/onboard/providers/sim"
)

// maxInWindow is the most arrivals in any window of length w.
func maxInWindow(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, time.Time.Compare)
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func arrivalTimes(as []arrival) []time.Time {
	ts := make([]time.Time, len(as))
	for i, a := range as {
		ts[i] = a.at
	}
	return ts
}

// TestRunRateCeiling judges the rate from the vendor's side. A stall of the
// machine (other tests, a GC pause) can hold arrivals in the server's socket
// buffers and read them together, which no client can prevent; so a
// too-dense window gets up to two more runs, and only a ceiling broken every
// time fails. A pool that does not pace breaks it every time.
func TestRunRateCeiling(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		burst int
		n     int
	}{
		{"100/s burst 1", 100, 1, 40},
		{"50/s burst 4", 50, 4, 24},
	}
	const window, tries = 100 * time.Millisecond, 3
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			// The bucket starts full: burst requests go at once, then one
			// per 1/rate.
			least := time.Duration(float64(tt.n-tt.burst) / tt.rate * float64(time.Second))
			ceiling := int(tt.rate*window.Seconds()) + tt.burst
			for try := 1; ; try++ {
				v := newVendor(t, nil)
				opt := fast
				opt.Workers, opt.Rate, opt.Burst = 8, tt.rate, tt.burst
				start := time.Now()
				_, stats, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(tt.n))
				require.NoError(t, err)
				require.GreaterOrEqual(t, time.Since(start), least-5*time.Millisecond)
				require.Equal(t, tt.rate, stats.Limit)
				if tt.burst == 1 {
					require.LessOrEqual(t, stats.Achieved(), tt.rate*1.01, "never above the rate")
				}
				ts := arrivalTimes(v.seen())
				require.Len(t, ts, tt.n)
				most := maxInWindow(ts, window)
				if most <= ceiling || try == tries {
					assert.LessOrEqual(t, most, ceiling, "server side: never above the rate in any 100 ms window, in %d tries", tries)
					return
				}
				t.Logf("try %d: %d arrivals in a 100 ms window; the machine may be busy, again", try, most)
			}
		})
	}
}

// barrier holds n requests until all have arrived, then answers each with s.
func barrier(n int, s step) step {
	var mu sync.Mutex
	all := make(chan struct{})
	return func(v *fakeVendor, w http.ResponseWriter, r *http.Request, e string) {
		mu.Lock()
		if n--; n == 0 {
			close(all)
		}
		mu.Unlock()
		after(nil, all, s)(v, w, r, e)
	}
}

func TestRun429LowersTheRate(t *testing.T) {
	// Four requests held until all have arrived, then answered 429
	// together: a volley, which cuts once.
	volley := map[string][]step{}
	hold := barrier(4, answer(http.StatusTooManyRequests, "0"))
	for i := range 4 {
		volley[email(i)] = []step{hold}
	}
	tests := []struct {
		name   string
		rate   float64
		n      int
		script map[string][]step
		want   float64 // Stats.Limit; -1 means "finite, at least 1"
		want29 int64
	}{
		{"one 429 cuts", 100, 2, map[string][]step{email(0): {answer(429, "0")}}, 100 * cutFactor, 1},
		{"a volley of 429s cuts once", 100, 4, volley, 100 * cutFactor, 4},
		{"an occasional 429 leaves an unlimited run unlimited", 0, 30, map[string][]step{email(25): {answer(429, "")}}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			v := newVendor(t, tt.script)
			opt := fast
			opt.Workers, opt.Rate = 4, tt.rate
			got, stats, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(tt.n))
			require.NoError(t, err)
			for seq, r := range got {
				assert.Nil(t, r.Err, "job %d", seq)
			}
			assert.Equal(t, tt.want29, stats.RateLimited)
			if tt.want < 0 {
				assert.GreaterOrEqual(t, stats.Limit, 1.0, "finite after a 429")
				return
			}
			if tt.want == 0 {
				assert.Zero(t, stats.Limit, "unlimited")
				return
			}
			assert.GreaterOrEqual(t, stats.Limit, tt.want, "cut once, then climbing back")
			assert.Less(t, stats.Limit, tt.want*1.2)
		})
	}
}

// TestRunRetryAfterHoldsEveryWorker is the one test that waits about a
// second: a Retry-After of 1 s (the smallest whole one) must hold back the
// other worker too, not only the job that got the 429.
func TestRunRetryAfterHoldsEveryWorker(t *testing.T) {
	noLeaks(t)
	limited := make(chan struct{})
	v := newVendor(t, map[string][]step{
		email(0): {then(answer(http.StatusTooManyRequests, "1"), limited)},
		// Job 1's answer comes after the 429 has been taken in, so the
		// worker's next request meets the gate.
		email(1): {after(nil, limited, func(v *fakeVendor, w http.ResponseWriter, r *http.Request, e string) {
			time.Sleep(50 * time.Millisecond)
			created(v, w, r, e)
		})},
	})
	opt := fast
	opt.Workers = 2
	got, stats, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(4))
	require.NoError(t, err)
	for seq, r := range got {
		assert.Nil(t, r.Err, "job %d", seq)
	}
	seen := v.seen()
	require.Len(t, seen, 5)
	var at429 time.Time
	for _, a := range seen {
		if a.email == email(0) {
			at429 = a.at
			break
		}
	}
	for _, a := range seen[2:] {
		assert.GreaterOrEqual(t, a.at.Sub(at429), time.Second, "%s went before the Retry-After", a.email)
	}
	assert.Equal(t, int64(1), stats.RateLimited)
	assert.GreaterOrEqual(t, stats.Limit, 1000*cutFactor, "cut, then climbing back")
	assert.Less(t, stats.Limit, 1000.0)
}

func TestPacerLimited(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		beforeCut bool // the 429 answers a request sent before the last cut
		want      float64
	}{
		{"cut", 100, false, 100 * cutFactor},
		{"floor 1/s", 1.1, false, 1},
		{"a rate below the floor stays", 0.5, false, 0.5},
		{"an answer to a request sent before the last cut", 100, true, 100 * cutFactor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(Options{Rate: tt.rate, Burst: 1})
			sentAt := time.Now()
			if tt.beforeCut {
				p.limited(time.Now(), 0)
			}
			p.limited(sentAt, 0)
			assert.InDelta(t, tt.want, float64(p.lim.Limit()), 1e-9)
		})
	}
}

func TestPacerGateNeverMovesBack(t *testing.T) {
	p := newPacer(Options{Burst: 1})
	p.limited(time.Now(), 2*time.Second)
	g := p.gateTime()
	p.limited(time.Now(), time.Second)
	assert.Equal(t, g, p.gateTime())
	assert.Equal(t, int64(2), p.stats().RateLimited)
	assert.NotEqual(t, rate.Inf, p.lim.Limit(), "a 429 ends unlimited")
}

func TestPacerObservedRate(t *testing.T) {
	p := newPacer(Options{Burst: 1})
	now := time.Now()
	p.first = now.Add(-10 * time.Second)
	// 50 sends in the last second, and older ones that must not count.
	for i := range 60 {
		p.sends[i] = now.Add(-time.Duration(i) * 20 * time.Millisecond)
	}
	p.nsends = 60
	assert.InDelta(t, 51, p.observedLocked(now), 1e-9, "sends within the last second, both ends")

	// A full ring within the second: the rate over the time it spans.
	for i := range recent {
		p.sends[i] = now.Add(-time.Duration(i) * 100 * time.Microsecond)
	}
	p.nsends = recent + 7
	assert.InDelta(t, recent/((recent-1)*100e-6), p.observedLocked(now), 1e-6)

	// A young run: two requests 2 ms apart are measured over minWindow.
	p = newPacer(Options{Burst: 1})
	p.first, p.sends[0], p.sends[1], p.nsends = now.Add(-2*time.Millisecond), now.Add(-2*time.Millisecond), now, 2
	assert.InDelta(t, 20, p.observedLocked(now), 1e-9)
}

// fakeClock is a settable clock for the pacer.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakePacer(opt Options) (*pacer, *fakeClock) {
	p := newPacer(opt)
	c := &fakeClock{t: time.Now()}
	p.now = c.now
	return p, c
}

// After a cut the rate climbs with time, never past the configured rate;
// an unlimited run is unlimited again once back where it was.
func TestPacerClimbsBack(t *testing.T) {
	p, clock := newFakePacer(Options{Rate: 100, Burst: 1})
	p.limited(clock.now(), 0)
	require.InDelta(t, 100*cutFactor, float64(p.lim.Limit()), 1e-9, "nothing measured: cut by cutFactor")
	clock.add(time.Second)
	p.answered()
	assert.InDelta(t, 100*cutFactor*(1+probeUnknown), float64(p.lim.Limit()), 1e-6)
	clock.add(time.Minute)
	p.answered()
	assert.InDelta(t, 100, float64(p.lim.Limit()), 1e-9, "never past the configured rate")

	u, uc := newFakePacer(Options{Burst: 1})
	for range 50 {
		u.sent()
	}
	u.limited(uc.now(), time.Second)
	require.NotEqual(t, rate.Inf, u.lim.Limit())
	uc.add(time.Hour)
	u.answered()
	assert.Equal(t, rate.Inf, u.lim.Limit(), "unlimited again")
	assert.Zero(t, u.space.rate)
}

// steady feeds p answers at perSecond for d: every nth one a 429 with
// retryAfter (n 0: none), the rest accepted.
func steady(p *pacer, c *fakeClock, perSecond float64, d time.Duration, n int, retryAfter time.Duration) {
	step := time.Duration(float64(time.Second) / perSecond)
	for i := 1; time.Duration(i)*step <= d; i++ {
		c.add(step)
		at := c.now()
		p.mu.Lock()
		p.sends[p.nsends%recent] = at
		p.nsends++
		if p.first.IsZero() {
			p.first, p.since = at, at
		}
		p.mu.Unlock()
		if n > 0 && i%n == 0 {
			p.limited(at, retryAfter)
			continue
		}
		p.answered()
	}
}

// A 429 after a second of sending sets the rate just under what the vendor
// accepted, and from there it climbs slowly: ten seconds later it is still
// under the limit found.
func TestPacerSettlesUnderTheMeasuredLimit(t *testing.T) {
	p, clock := newFakePacer(Options{Rate: 200, Burst: 1})
	steady(p, clock, 100, 2*time.Second, 0, 0) // the vendor takes 100/s
	p.limited(clock.now(), time.Second)
	require.InDelta(t, 100, p.limit, 2, "the limit measured")
	require.InDelta(t, 100*settleFactor, float64(p.lim.Limit()), 2)
	clock.add(10 * time.Second)
	p.answered()
	assert.Less(t, float64(p.lim.Limit()), 100.0, "a slow climb")
	assert.Greater(t, float64(p.lim.Limit()), 100*settleFactor+1, "but a climb")
}

// Occasional 429s (5%, no Retry-After) from a vendor that is not limiting
// change nothing: they are retried, not a reason to slow the run. (An
// older pacer cut on each and climbed back; with a real limit that
// saw-toothed into it.)
func TestPacerIgnoresOccasional429s(t *testing.T) {
	for _, r := range []float64{0, 500} {
		p, clock := newFakePacer(Options{Rate: r, Burst: 1})
		steady(p, clock, 400, 3*time.Second, 20, 0)
		want := rate.Limit(r)
		if r == 0 {
			want = rate.Inf
		}
		assert.Equal(t, want, p.lim.Limit(), "rate %v", r)
		assert.Equal(t, int64(60), p.stats().RateLimited)
	}
}

// Against a vendor with a real token-bucket limit (100/s, Retry-After 1 s)
// and --rate twice that, the pool settles under the limit: a handful of
// 429s, not one every few seconds. The bound is generous and does not
// depend on the machine's speed (a slow machine sends less, and meets
// fewer 429s); the figures for time and pace are in make bench.
func TestRunSettlesAtTheVendorsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 400 requests at 100/s")
	}
	noLeaks(t)
	const n = 400
	v := newVendor(t, nil)
	var st sim.Stats
	limited := httptest.NewServer(sim.Middleware(sim.Options{RateLimit: 100}, &st, v))
	t.Cleanup(limited.Close)
	opt := fast
	opt.Workers, opt.Rate = 4, 200
	in, out := make(chan Job), make(chan Result, n)
	go func() {
		defer close(in)
		for _, j := range makeJobs(n) {
			in <- j
		}
	}()
	stats, err := Run(t.Context(), newClient(t, limited.URL), opt, in, out)
	require.NoError(t, err)
	require.Len(t, out, n)
	for range n {
		r := <-out
		require.Nil(t, r.Err, "job %d", r.Job.Seq)
	}
	assert.Equal(t, n, v.store.Len())
	assert.LessOrEqual(t, st.RateLimited.Load(), int64(8), "settled under the limit (the saw-tooth met 5%%: ~20)")
	assert.Less(t, stats.Limit, 110.0, "paced at about the limit, not above")
	assert.Greater(t, stats.Limit, 60.0, "and not far under it")
}

// againstBucket sends through p, on c's clock, to a vendor whose limit is a
// token bucket (limit a second, burst) answering 429 with Retry-After 1 s,
// as fast as p's rate and gate allow, for d. It returns when each of those
// 429s came and how many requests got through the bucket, counted from
// skip. With stray > 0 the vendor also refuses every stray-th request the
// bucket let through with a 429 without Retry-After.
func againstBucket(p *pacer, c *fakeClock, limit float64, burst int, d, skip time.Duration, stray ...int) (limited []time.Duration, accepted int) {
	vendor := rate.NewLimiter(rate.Limit(limit), burst)
	through := 0
	start := c.now()
	for c.now().Sub(start) < d {
		if g := p.gateTime(); c.now().Before(g) {
			c.t = g
		}
		c.add(time.Duration(float64(time.Second) / float64(p.lim.Limit())))
		at := c.now()
		p.mu.Lock()
		p.sends[p.nsends%recent] = at
		p.nsends++
		if p.first.IsZero() {
			p.first, p.since = at, at
		}
		p.mu.Unlock()
		if !vendor.AllowN(at, 1) {
			limited = append(limited, at.Sub(start))
			p.limited(at, time.Second)
			continue
		}
		if at.Sub(start) >= skip {
			accepted++
		}
		through++
		if len(stray) > 0 && through%stray[0] == 0 {
			p.limited(at, 0)
			continue
		}
		p.answered()
	}
	return limited, accepted
}

// Against a token bucket (100/s, burst 10) at --rate 200, the first 429
// cannot measure the limit (the run is 0.1 s old) and the one after it
// comes 0.7 s into the next stretch, which began with the burst refilled:
// what that stretch accepted is 113/s. Settling at 95% of that (107/s)
// met the limit twice more, a Retry-After each (4 429s in 20 s, the pace
// past the first second 88%). The two stretches together measure the
// limit without the burst, and the pace settles under it.
func TestPacerSettlesUnderTheLimitPastTheBurst(t *testing.T) {
	p, clock := newFakePacer(Options{Rate: 200, Burst: 1})
	const d = 20 * time.Second
	limited, accepted := againstBucket(p, clock, 100, 10, d, time.Second)
	pace := float64(accepted) / (d - time.Second).Seconds()
	t.Logf("429s at %v; the pace past the first second %.1f/s", limited, pace)
	require.GreaterOrEqual(t, len(limited), 2, "the limit found twice: at once, then past the first guess")
	assert.Len(t, limited, 2, "settled under the limit after the second")
	assert.GreaterOrEqual(t, pace, 90.0, "past the first second")
}

// Two stretches measure a limit only when both were sent above it: a
// stretch that climbed from a deep cut left the vendor's bucket full for a
// while, and taken as one it measured 70/s of a 100/s limit (pace 74%
// where the accepted rate alone gives 85%). Larger bursts settle after
// the second 429 as the burst of 10 does.
func TestPacerSettlesAgainstBuckets(t *testing.T) {
	tests := []struct {
		limit    float64
		burst    int
		most     int     // 429s in 30 s, the first two included
		leastPct float64 // the pace past the first second, % of the limit
	}{
		{100, 1, 3, 84},
		{100, 3, 4, 84},
		{100, 20, 2, 94},
		{100, 50, 2, 94},
		{150, 20, 3, 88},
		{150, 100, 2, 94},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/s burst %d", tt.limit, tt.burst), func(t *testing.T) {
			p, clock := newFakePacer(Options{Rate: 200, Burst: 1})
			const d = 30 * time.Second
			limited, accepted := againstBucket(p, clock, tt.limit, tt.burst, d, time.Second)
			pace := float64(accepted) / (d - time.Second).Seconds()
			t.Logf("429s at %v; the pace past the first second %.1f/s", limited, pace)
			assert.LessOrEqual(t, len(limited), tt.most)
			assert.GreaterOrEqual(t, pace, tt.leastPct/100*tt.limit)
		})
	}
}

// A vendor that also refuses some requests at random (429 without
// Retry-After, after its bucket let them through, as the chaos simulator
// does) has them counted in what a stretch accepted: counted out, one in
// ten measured the limit 10% low and the pace settled there (81.5/s).
// (One in eight would also cut at once: 2 of the first 9 answers are
// 429s, a share that says limit.)
func TestPacerCountsStray429sInAStretch(t *testing.T) {
	p, clock := newFakePacer(Options{Rate: 200, Burst: 1})
	const d = 20 * time.Second
	limited, accepted := againstBucket(p, clock, 100, 10, d, time.Second, 10)
	pace := float64(accepted) / (d - time.Second).Seconds()
	t.Logf("429s with Retry-After at %v; the pace past the first second %.1f/s", limited, pace)
	assert.Len(t, limited, 2)
	assert.GreaterOrEqual(t, pace, 90.0)
}
