package submit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingRate is a SharedRate that counts what the pool asks of it.
type countingRate struct {
	mu      sync.Mutex
	takes   int
	limited []time.Duration
}

func (c *countingRate) Take(ctx context.Context) error {
	c.mu.Lock()
	c.takes++
	c.mu.Unlock()
	return ctx.Err()
}

func (c *countingRate) Limited(d time.Duration) {
	c.mu.Lock()
	c.limited = append(c.limited, d)
	c.mu.Unlock()
}

func TestSharedRateTakesATokenPerRequestAndHearsEvery429(t *testing.T) {
	v := newVendor(t, map[string][]step{email(1): {answer(429, "1")}})
	shared := &countingRate{}
	opt := fast
	opt.Shared = shared
	jobs := makeJobs(4, 2) // row 2 is recovered: a lookup before its create
	c := findingClient{newClient(t, v.srv.URL)}
	res, stats, err := runJobs(t, context.Background(), c, opt, jobs)
	require.NoError(t, err)
	require.Len(t, res, 4)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	// Every request the vendor saw, lookups included, took a shared token.
	assert.Equal(t, int(stats.Requests+stats.Lookups), shared.takes)
	assert.Equal(t, len(v.seen())+int(stats.Lookups), shared.takes, "creates the vendor saw, and lookups")
	assert.Equal(t, int64(1), stats.Lookups)
	assert.Equal(t, []time.Duration{time.Second}, shared.limited)
}
