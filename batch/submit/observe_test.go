package submit

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

// countingObserver counts what the pool tells it.
type countingObserver struct {
	mu       sync.Mutex
	requests map[string]int // "call code"
	waits    int
	waited   time.Duration
}

func (o *countingObserver) Request(call string, err *providers.Error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests[call+" "+Code(err)]++
}

func (o *countingObserver) TokenWait(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits++
	o.waited += d
}

// TestObserverHearsEveryRequest: the observer hears each create and lookup
// with its normalized code, as many as the vendor saw, and each wait for a
// token.
func TestObserverHearsEveryRequest(t *testing.T) {
	noLeaks(t)
	// e0: a 429 then created; e1: already exists (seeded), looked up and
	// adopted; the rest created at once.
	v := newVendor(t, map[string][]step{email(0): {answer(429, "0")}}, email(1))
	c := findingClient{newClient(t, v.srv.URL)}
	o := &countingObserver{requests: map[string]int{}}
	opt := fast
	opt.Rate, opt.Burst = 200, 1
	opt.Observer = o
	_, stats, err := runJobs(t, t.Context(), c, opt, makeJobs(4))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"create OK": 3, "create RATE_LIMITED": 1, "create ALREADY_EXISTS": 1, "lookup OK": 1}, o.requests)
	assert.Equal(t, int64(len(v.seen())), stats.Requests, "creates the vendor saw")
	assert.Equal(t, int(stats.Requests+stats.Lookups), o.waits, "one wait per request")
	assert.Positive(t, o.waited, "at 200/s with burst 1 someone waited")
}
