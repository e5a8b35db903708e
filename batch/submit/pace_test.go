package submit

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
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
		{"one 429 cuts to 80%", 100, 2, map[string][]step{email(0): {answer(429, "0")}}, 80, 1},
		{"a volley of 429s cuts once", 100, 4, volley, 80, 4},
		{"unlimited becomes a limit", 0, 30, map[string][]step{email(25): {answer(429, "")}}, -1, 1},
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
			assert.InDelta(t, tt.want, stats.Limit, 1e-9)
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
	assert.InDelta(t, 1000*cutFactor, stats.Limit, 1e-9)
}

func TestPacerLimited(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		beforeCut bool // the 429 answers a request sent before the last cut
		want      float64
	}{
		{"cut to 80%", 100, false, 80},
		{"floor 1/s", 1.1, false, 1},
		{"a rate below the floor stays", 0.5, false, 0.5},
		{"an answer to a request sent before the last cut", 100, true, 80},
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

// A cut is undone by recoverAfter answers that were not 429, sent after it,
// up to the configured rate; an unlimited run gets back to unlimited.
func TestPacerRecovers(t *testing.T) {
	p := newPacer(Options{Rate: 100, Burst: 1})
	p.limited(time.Now(), 0)
	p.limited(time.Now(), 0)
	require.InDelta(t, 64, float64(p.lim.Limit()), 1e-9)
	step := func() {
		for range recoverAfter - 1 {
			p.answered()
		}
		require.Less(t, float64(p.lim.Limit()), 100.0)
		before := float64(p.lim.Limit())
		p.answered()
		require.Greater(t, float64(p.lim.Limit()), before)
	}
	step()
	assert.InDelta(t, 80, float64(p.lim.Limit()), 1e-9)
	step()
	assert.InDelta(t, 100, float64(p.lim.Limit()), 1e-9)
	for range 3 * recoverAfter {
		p.answered()
	}
	assert.InDelta(t, 100, float64(p.lim.Limit()), 1e-9, "never past the configured rate")

	u := newPacer(Options{Burst: 1})
	for range 50 {
		u.sent()
	}
	u.limited(time.Now(), 0)
	require.NotEqual(t, rate.Inf, u.lim.Limit())
	for range 10 * recoverAfter {
		u.answered()
	}
	assert.Equal(t, rate.Inf, u.lim.Limit(), "unlimited again")
	assert.Zero(t, u.space.rate)
}
