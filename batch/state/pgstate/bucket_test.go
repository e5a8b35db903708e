package pgstate

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgtest"
)

// mostInASecond is the most times within any one second.
func mostInASecond(at []time.Time) int {
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// TestBucketSharedAcrossStoresAndFairAcrossTenants: four stores (four
// processes) taking from one tenant's bucket together stay within rate +
// burst in every second, and a slow tenant does not hold up a fast one.
func TestBucketSharedAcrossStoresAndFairAcrossTenants(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "bucket")
	ctx := context.Background()
	fast := state.Scope{Provider: "p", BaseURL: "https://fast.example.com"}
	slow := state.Scope{Provider: "p", BaseURL: "https://slow.example.com"}
	var mu sync.Mutex
	var fastAt, slowAt []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range 4 {
		s, err := Open(ctx, url, Options{})
		require.NoError(t, err)
		defer s.Close()
		fb, sb := s.Bucket(fast, 50, 5), s.Bucket(slow, 2, 1)
		for range 2 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for range 25 {
					if !assert.NoError(t, fb.Take(ctx)) {
						return
					}
					mu.Lock()
					fastAt = append(fastAt, time.Now())
					mu.Unlock()
				}
			}()
			go func() {
				defer wg.Done()
				c, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				for sb.Take(c) == nil {
					mu.Lock()
					slowAt = append(slowAt, time.Now())
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	took := time.Since(start)
	t.Logf("200 fast tokens in %s; most in a second: fast %d, slow %d", took, mostInASecond(fastAt), mostInASecond(slowAt))
	assert.Len(t, fastAt, 200)
	assert.LessOrEqual(t, mostInASecond(fastAt), 55)
	assert.LessOrEqual(t, mostInASecond(slowAt), 3)
	assert.Less(t, took, 6*time.Second, "the fast tenant runs at its rate while the slow one waits: (200-5)/50 = 3.9s")
	assert.Greater(t, took, 3500*time.Millisecond, "never faster than the rate")
}

// TestBucket429SlowsEveryWorker: a 429 told by one store holds the other
// store's next token until its Retry-After.
func TestBucket429SlowsEveryWorker(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "bucket429")
	ctx := context.Background()
	sc := state.Scope{Provider: "p", BaseURL: "https://v.example.com"}
	a, err := Open(ctx, url, Options{})
	require.NoError(t, err)
	defer a.Close()
	b, err := Open(ctx, url, Options{})
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.Bucket(sc, 100, 10).Take(ctx))
	a.Bucket(sc, 100, 10).Limited(time.Second)
	start := time.Now()
	require.NoError(t, b.Bucket(sc, 100, 10).Take(ctx))
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
}
