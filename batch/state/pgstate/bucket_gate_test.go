package pgstate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgtest"
)

// TestBucketRetryAfterReleasesNoVolley: 24 workers wait on a tenant's
// bucket while a 429 holds every worker for its Retry-After; when it ends
// they go at the rate, not all at once.
func TestBucketRetryAfterReleasesNoVolley(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "bucketgate")
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	require.NoError(t, err)
	defer s.Close()
	sc := state.Scope{Provider: "p", BaseURL: "https://gate.example.com"}
	b := s.Bucket(sc, 50, 5)
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	stop, cancel := context.WithTimeout(ctx, 3500*time.Millisecond)
	defer cancel()
	for range 24 {
		wg.Go(func() {
			for b.Take(stop) == nil {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	b.Limited(time.Second)
	wg.Wait()
	t.Logf("%d sends, most in a second %d", len(at), mostInASecond(at))
	assert.LessOrEqual(t, mostInASecond(at), 55)
}
