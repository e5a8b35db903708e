package state

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AnyCreated is whether Count is more than 0: nobody in a scope never
// seen, nor in one whose people are only in flight or failed.
func TestAnyCreatedIsCountAboveZero(t *testing.T) {
	s, path := openTemp(t)
	check := func(sc Scope, want bool) {
		t.Helper()
		n, err := s.Count(sc)
		require.NoError(t, err)
		got, err := s.AnyCreated(sc)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, n > 0, got)
	}
	check(scopeA, false)
	run, err := s.BeginRun("r.csv", "h", scopeA)
	require.NoError(t, err)
	require.NoError(t, s.MarkInFlight(scopeA, run, []string{"email:a@x.org", "email:b@x.org"}))
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:a@x.org", Status: StatusFailed}}))
	check(scopeA, false)
	require.NoError(t, s.Record(scopeA, run, []Outcome{{Key: "email:b@x.org", Status: StatusCreated, VendorID: "V1"}}))
	check(scopeA, true)
	check(scopeB, false)

	require.NoError(t, s.Close())
	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	got, err := ro.AnyCreated(scopeA)
	require.NoError(t, err)
	assert.True(t, got)
}

// A read-only store answers several goroutines at once, each on its own
// connection, with what one connection answers.
func TestReadOnlyStoreReadsSideBySide(t *testing.T) {
	s, path := openTemp(t)
	var keys []string
	for i := range 400 {
		keys = append(keys, "email:p"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@x.org")
	}
	run, err := s.BeginRun("r.csv", "h", scopeA)
	require.NoError(t, err)
	require.NoError(t, s.MarkInFlight(scopeA, run, keys))
	outs := make([]Outcome, len(keys))
	for i, k := range keys {
		outs[i] = Outcome{Key: k, Status: StatusCreated, VendorID: "V" + k}
	}
	require.NoError(t, s.Record(scopeA, run, outs))
	require.NoError(t, s.Close())

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	require.GreaterOrEqual(t, ro.db.Stats().MaxOpenConnections, 2)
	want, err := ro.Get(scopeA, keys)
	require.NoError(t, err)
	require.Len(t, want, len(keys))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				part := keys[(g*20+i)%300 : (g*20+i)%300+100]
				got, err := ro.Get(scopeA, part)
				if !assert.NoError(t, err) {
					return
				}
				for _, k := range part {
					assert.Equal(t, want[k], got[k])
				}
			}
		}()
	}
	wg.Wait()
}
