package submit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

// every scripts steps for each of the first n people.
func every(n int, steps ...step) map[string][]step {
	m := make(map[string][]step, n)
	for i := range n {
		m[email(i)] = append([]step(nil), steps...)
	}
	return m
}

// rejectWith answers 400 with msg.
func rejectWith(msg string) step {
	return func(_ *fakeVendor, w http.ResponseWriter, _ *http.Request, _ string) {
		http.Error(w, msg, http.StatusBadRequest)
	}
}

func TestBreaker(t *testing.T) {
	const n = 40
	tests := []struct {
		name   string
		url    string // "" means the fake vendor
		script map[string][]step
		reason string
	}{
		{"5xx", "", every(n, answer(503, ""), answer(503, "")), "a vendor server error (last: HTTP 503"},
		{"429 after every retry", "", every(n, answer(429, "0"), answer(429, "0")), "RATE_LIMITED after every retry"},
		{"the same vendor rejection", "", every(n, rejectWith("companyName unknown")), "the same vendor answer: VENDOR_REJECTED (HTTP 400): companyName unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			v := newVendor(t, tt.script)
			url := tt.url
			if url == "" {
				url = v.srv.URL
			}
			opt := fast
			opt.Retries = 1
			got, _, err := runJobs(t, t.Context(), newClient(t, url), opt, makeJobs(n))
			var h *Halt
			require.ErrorAs(t, err, &h)
			assert.Equal(t, HaltBreaker, h.Kind)
			assert.Contains(t, h.Reason, "10 rows in a row ended with "+tt.reason)
			assert.NotEmpty(t, h.Check, "says what to check")
			var ended, notSent int
			for seq, r := range got {
				require.NotNil(t, r.Err, "job %d", seq)
				if r.Err.Code == providers.Interrupted && r.Attempts == 0 {
					notSent++
					assert.Contains(t, r.Err.Message, "10 rows in a row", "job %d says why", seq)
					continue
				}
				ended++
			}
			assert.GreaterOrEqual(t, ended, 10)
			assert.LessOrEqual(t, ended, 10+opt.Workers, "stops sending at once")
			assert.Equal(t, n-ended, notSent)
		})
	}
}

// A vendor that accepts and never answers (or a host that is down) is given
// up after Options.Breaker calls in a row without an answer, lookups
// included, not after that many rows of retries and lookups at the timeout
// each: 200 rows stop after about 10 calls, the rest not sent.
func TestBreakerGivesUpADeadVendor(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // connection refused from now on

	for _, tt := range []struct {
		name string
		dead bool // accepts and never answers; else refused
	}{{"accepts, never answers", true}, {"connection refused", false}} {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			const n = 200
			var calls atomic.Int64
			release := make(chan struct{})
			silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer silent.Close()
			defer close(release)
			url := downURL
			if tt.dead {
				url = silent.URL
			}
			c := newClient(t, url)
			hc := *c.hc
			hc.Timeout = 50 * time.Millisecond // each call waits this long for nothing
			c.hc = &hc
			opt := fast
			opt.Workers = 4
			got, stats, err := runJobs(t, t.Context(), findingClient{c}, opt, makeJobs(n))
			var h *Halt
			require.ErrorAs(t, err, &h)
			assert.Equal(t, HaltBreaker, h.Kind)
			assert.Contains(t, h.Reason, "10 calls in a row to the vendor got no answer")
			assert.Contains(t, h.Check, "check the network, --base-url")
			sent := stats.Requests + stats.Lookups
			assert.GreaterOrEqual(t, sent, int64(10))
			assert.LessOrEqual(t, sent, int64(10+opt.Workers), "stops sending at once")
			if tt.dead {
				assert.Equal(t, sent, calls.Load(), "every call reached the vendor")
			}
			var notSent int
			for _, r := range got {
				require.NotNil(t, r.Err)
				if r.Err.Code == providers.Interrupted && r.Attempts == 0 {
					notSent++
					assert.Contains(t, r.Err.Message, "calls in a row")
				}
			}
			assert.GreaterOrEqual(t, notSent, n-10-opt.Workers)
		})
	}
}

// Lookups alone stop the same way.
func TestLookupGivesUpADeadVendor(t *testing.T) {
	noLeaks(t)
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer silent.Close()
	defer close(release)
	c := newClient(t, silent.URL)
	hc := *c.hc
	hc.Timeout = 50 * time.Millisecond
	c.hc = &hc
	jobs := makeJobs(100)
	in, out := make(chan Job), make(chan Found, len(jobs))
	go func() {
		defer close(in)
		for _, j := range jobs {
			in <- j
		}
	}()
	stats, err := Lookup(t.Context(), findingClient{c}, fast, in, out)
	var h *Halt
	require.ErrorAs(t, err, &h)
	assert.Contains(t, h.Reason, "10 calls in a row")
	assert.LessOrEqual(t, stats.Lookups, int64(10+fast.Workers))
	assert.Len(t, out, len(jobs), "one Found per job")
}

func TestBreakerNeedsTheSameCauseInARow(t *testing.T) {
	const n = 30
	script := map[string][]step{}
	for i := range n {
		switch {
		case i%10 == 9:
			// a success every tenth row resets the count
		case i%2 == 0:
			script[email(i)] = []step{rejectWith("companyName unknown")}
		default:
			script[email(i)] = []step{answer(500, "")}
		}
	}
	// Two different causes alternating, and a row's own problem.
	script[email(4)] = []step{rejectWith(fmt.Sprintf("email %s taken", email(4)))}
	v := newVendor(t, script)
	opt := fast
	opt.Workers, opt.Retries, opt.Breaker = 1, -1, 3
	got, _, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(n))
	require.NoError(t, err, "no three rows in a row share a cause")
	for seq, r := range got {
		if r.Err != nil {
			assert.NotEqual(t, providers.Interrupted, r.Err.Code, "job %d was sent", seq)
		}
	}
}

func TestBreakerOff(t *testing.T) {
	const n = 15
	v := newVendor(t, every(n, answer(503, "")))
	opt := fast
	opt.Retries, opt.Breaker = -1, -1
	got, _, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(n))
	require.NoError(t, err)
	for seq, r := range got {
		require.NotNil(t, r.Err)
		assert.Equal(t, providers.VendorError, r.Err.Code, "job %d was sent", seq)
	}
}

func TestMaxCreates(t *testing.T) {
	noLeaks(t)
	const n, limit = 30, 5
	// Rejected rows give their permit back: exactly limit people are made.
	v := newVendor(t, map[string][]step{email(1): {answer(400, "")}, email(3): {answer(400, "")}})
	opt := fast
	opt.Workers, opt.MaxCreates = 4, limit
	got, stats, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(n))
	var h *Halt
	require.ErrorAs(t, err, &h)
	assert.Equal(t, HaltMaxCreates, h.Kind)
	assert.Contains(t, h.Reason, "--max-creates 5")
	assert.Equal(t, limit, v.store.Len(), "exactly the limit created")
	var created, notSent int
	for _, r := range got {
		switch {
		case r.Err == nil:
			created++
		case r.Err.Code == providers.Interrupted:
			notSent++
			assert.Zero(t, r.Attempts)
		}
	}
	assert.Equal(t, limit, created)
	assert.Equal(t, int64(n-notSent), stats.Requests)
}

func TestMaxFailures(t *testing.T) {
	noLeaks(t)
	const n = 40
	v := newVendor(t, map[string][]step{
		email(2): {rejectWith("one")}, email(5): {rejectWith("two")}, email(8): {rejectWith("three")},
	})
	opt := fast
	opt.Workers, opt.MaxFailures = 1, 3
	got, _, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(n))
	var h *Halt
	require.ErrorAs(t, err, &h)
	assert.Equal(t, HaltMaxFailures, h.Kind)
	assert.Equal(t, 6, v.store.Len(), "stopped at the third failure")
	for seq := 9; seq < n; seq++ {
		require.NotNil(t, got[seq].Err, "job %d", seq)
		assert.Equal(t, providers.Interrupted, got[seq].Err.Code, "job %d", seq)
		assert.Contains(t, got[seq].Err.Message, "--max-failures 3")
	}
}
