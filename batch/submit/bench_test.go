package submit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// loopVendor is a loopback vendor with a trivial create behind the
// simulator's fault middleware. It stamps every create as it arrives.
type loopVendor struct {
	srv   *httptest.Server
	times []time.Time
	n     atomic.Int64
}

func newLoopVendor(b *testing.B, opt sim.Options, capacity int) *loopVendor {
	v := &loopVendor{times: make([]time.Time, capacity)}
	create := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := v.n.Add(1) - 1; int(i) < len(v.times) {
			v.times[i] = time.Now()
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"1"}`))
	})
	v.srv = httptest.NewServer(sim.Middleware(opt, nil, create))
	b.Cleanup(v.srv.Close)
	return v
}

// reset forgets the arrivals, between benchmark iterations.
func (v *loopVendor) reset() { v.n.Store(0) }

// arrived returns the stamps of the creates seen since the last reset.
func (v *loopVendor) arrived() []time.Time {
	return v.times[:min(int(v.n.Load()), len(v.times))]
}

// serverRate is the rate the vendor saw: gaps between the first and the last
// arrival over the time they span.
func serverRate(ts []time.Time) float64 {
	if len(ts) < 2 {
		return 0
	}
	first, last := ts[0], ts[0]
	for _, t := range ts {
		first, last = minTime(first, t), maxTime(last, t)
	}
	return float64(len(ts)-1) / last.Sub(first).Seconds()
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func benchRecord(i int) schema.Record { return schema.Record{"email": email(i)} }

// measure runs n creates through the pool once and checks they all worked.
func measure(b *testing.B, v *loopVendor, c *fakeClient, opt Options, n int) Measurement {
	v.reset()
	m, err := Measure(context.Background(), c, opt, n, benchRecord)
	require.NoError(b, err)
	require.Zero(b, m.Failed)
	require.Equal(b, int64(n), m.Stats.Requests)
	return m
}

// BenchmarkRate: the achieved rate at a configured ceiling, judged from
// the vendor's side. Target: within 3% below the rate, never above.
func BenchmarkRate(b *testing.B) {
	const n = 2000
	for _, r := range []float64{200, 1000} {
		b.Run(fmt.Sprintf("rate=%v", r), func(b *testing.B) {
			v := newLoopVendor(b, sim.Options{}, n)
			c := newClient(b, v.srv.URL)
			opt := Options{Workers: 8, Rate: r}
			var server, client, window float64
			iters := 0
			for b.Loop() {
				m := measure(b, v, c, opt, n)
				server += serverRate(v.arrived())
				client += m.PerSecond()
				window = max(window, float64(maxInWindow(v.arrived(), 100*time.Millisecond)))
				iters++
			}
			b.ReportMetric(server/float64(iters), "server-req/s")
			b.ReportMetric(client/float64(iters), "client-req/s")
			b.ReportMetric(100*server/float64(iters)/r, "%-of-rate")
			b.ReportMetric(window, "max-per-100ms")
		})
	}
}

// BenchmarkLatency: creates/s at Rate 500 against a vendor that takes 50 ms
// to answer. Target: 32 workers reach 95% of the rate.
func BenchmarkLatency(b *testing.B) {
	const n, r = 1000, 500
	for _, workers := range []int{8, 16, 32, 64} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			v := newLoopVendor(b, sim.Options{Latency: 50 * time.Millisecond}, n)
			c := newClient(b, v.srv.URL)
			opt := Options{Workers: workers, Rate: r}
			var rate float64
			iters := 0
			for b.Loop() {
				m := measure(b, v, c, opt, n)
				rate += float64(n) / m.Elapsed.Seconds()
				iters++
			}
			b.ReportMetric(rate/float64(iters), "creates/s")
			b.ReportMetric(100*rate/float64(iters)/r, "%-of-rate")
		})
	}
}

// BenchmarkUnlimited: the pool with no rate limit against the bare loopback
// ceiling measured in the same run: the same number of POSTs, the same
// http.Client and worker count, no pool. Target: at least 70%.
func BenchmarkUnlimited(b *testing.B) {
	const n = 10000
	for _, workers := range []int{4, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			v := newLoopVendor(b, sim.Options{}, n)
			c := newClient(b, v.srv.URL)
			opt := Options{Workers: workers}
			var pool, bare float64
			iters := 0
			for b.Loop() {
				bare += float64(n) / barePosts(b, c, workers, n).Seconds()
				m := measure(b, v, c, opt, n)
				pool += float64(n) / m.Elapsed.Seconds()
				iters++
			}
			b.ReportMetric(pool/float64(iters), "pool-req/s")
			b.ReportMetric(bare/float64(iters), "bare-req/s")
			b.ReportMetric(100*pool/bare, "%-of-bare")
		})
	}
}

// barePosts sends n POSTs from workers goroutines with c's http.Client and
// nothing else: the loopback ceiling.
func barePosts(b *testing.B, c *fakeClient, workers, n int) time.Duration {
	body := []byte(`{"email":"p000@x.org"}`)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := c.hc.Post(c.base+"/users", "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Store(true)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	require.False(b, failed.Load(), "bare POSTs failed")
	return d
}
