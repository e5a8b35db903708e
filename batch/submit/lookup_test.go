package submit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// scriptFinder answers lookups from a script per email (errors first),
// then from known; it records when each request came.
type scriptFinder struct {
	mu     sync.Mutex
	known  map[string]string
	script map[string][]error
	at     []time.Time
}

func (f *scriptFinder) Find(_ context.Context, rec schema.Record) (string, bool, error) {
	email, _ := rec["email"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = append(f.at, time.Now())
	if s := f.script[email]; len(s) > 0 {
		f.script[email] = s[1:]
		return "", false, s[0]
	}
	id, ok := f.known[email]
	return id, ok, nil
}

func lookupAll(t *testing.T, f providers.Finder, opt Options, n int) (map[int]Found, Stats, error) {
	t.Helper()
	in := make(chan Job)
	out := make(chan Found, n)
	go func() {
		defer close(in)
		for i := range n {
			in <- Job{Seq: i, Record: schema.Record{"email": email(i)}}
		}
	}()
	stats, err := Lookup(context.Background(), f, opt, in, out)
	close(out)
	got := map[int]Found{}
	for r := range out {
		got[r.Job.Seq] = r
	}
	require.Len(t, got, n, "one answer per job")
	return got, stats, err
}

func TestLookupAnswersAndRetries(t *testing.T) {
	f := &scriptFinder{known: map[string]string{email(1): "V1"}, script: map[string][]error{
		email(2): {&providers.Error{Code: providers.VendorError, Status: 503}},
		email(3): {&providers.Error{Code: providers.VendorRejected, Status: 400, Message: "bad query"}},
		email(4): {&providers.Error{Code: providers.RateLimited, Status: 429}, &providers.Error{Code: providers.RateLimited, Status: 429},
			&providers.Error{Code: providers.RateLimited, Status: 429}},
	}}
	opt := fast
	opt.Retries = 2
	got, stats, err := lookupAll(t, f, opt, 5)
	require.NoError(t, err)
	assert.False(t, got[0].Found)
	assert.Nil(t, got[0].Err)
	assert.True(t, got[1].Found)
	assert.Equal(t, "V1", got[1].ID)
	assert.False(t, got[2].Found, "a 5xx is retried, then answered")
	assert.Nil(t, got[2].Err)
	assert.Equal(t, 2, got[2].Lookups)
	require.NotNil(t, got[3].Err, "a refusal is not retried")
	assert.Equal(t, 1, got[3].Lookups)
	require.NotNil(t, got[4].Err)
	assert.Equal(t, providers.RateLimited, got[4].Err.Code)
	assert.Equal(t, 3, got[4].Lookups, "429 until the retries run out")
	assert.Equal(t, int64(3), stats.RateLimited)
	assert.Equal(t, int64(1+1+2+1+3), stats.Lookups)
	assert.Zero(t, stats.Requests, "nothing created")
}

func TestLookupIsPacedLikeCreates(t *testing.T) {
	f := &scriptFinder{}
	_, _, err := lookupAll(t, f, Options{Workers: 4, Rate: 40, Burst: 1}, 6)
	require.NoError(t, err)
	require.Len(t, f.at, 6)
	// Five gaps at 40/s are 125ms; allow for the clock and scheduling.
	span := f.at[len(f.at)-1].Sub(f.at[0])
	assert.GreaterOrEqual(t, span, 100*time.Millisecond, "6 lookups at 40/s took %v", span)
	for i := 1; i < len(f.at); i++ {
		gap := f.at[i].Sub(f.at[i-1])
		assert.GreaterOrEqual(t, gap, 10*time.Millisecond, "lookup %d came %v after the one before: not paced", i, gap)
	}
}

func TestLookupStopsOnAuthFailure(t *testing.T) {
	script := map[string][]error{}
	for i := range 20 {
		script[email(i)] = []error{&providers.Error{Code: providers.AuthFailed, Status: 401}}
	}
	f := &scriptFinder{script: script}
	got, _, err := lookupAll(t, f, Options{Workers: 1, Rate: 0}, 20)
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, providers.AuthFailed, pe.Code)
	sent := 0
	for _, r := range got {
		sent += r.Lookups
	}
	assert.Equal(t, 1, sent, "nothing more is asked after AUTH_FAILED")
	assert.Equal(t, providers.Interrupted, got[19].Err.Code, fmt.Sprint(got[19].Err))
}
