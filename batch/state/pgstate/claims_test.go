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

var acme = state.Scope{Provider: "alphalearn", BaseURL: "https://a.example.com", Tenant: "acme"}

// die stops s as a killed process would: no renewal, no release.
func die(s *Store) {
	s.stop()
	<-s.done
	s.pool.Close()
}

func TestClaimsLeaseFenceAndTakeover(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "claims")
	ctx := context.Background()
	lease := 600 * time.Millisecond
	a, err := Open(ctx, url, Options{Lease: lease})
	require.NoError(t, err)
	var mu sync.Mutex
	takeovers := map[string]int{}
	b, err := Open(ctx, url, Options{Lease: lease, Takeover: func(sc state.Scope, n int) {
		mu.Lock()
		takeovers[sc.Tenant] += n
		mu.Unlock()
	}})
	require.NoError(t, err)
	defer b.Close()

	ra, err := a.BeginRun("f.csv", "h", acme)
	require.NoError(t, err)
	rb, err := b.BeginRun("f.csv", "h", acme)
	require.NoError(t, err)
	marks := []state.Mark{{Key: "email:ann@x.org"}, {Key: "email:bob@x.org"}}
	ca, err := a.Claim(acme, ra, marks)
	require.NoError(t, err)
	assert.Empty(t, ca.Held)
	assert.Empty(t, ca.MaybeSent)

	// A live run's people are held from another run, across renewals.
	time.Sleep(lease + lease/2)
	cb, err := b.Claim(acme, rb, marks)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"email:ann@x.org", "email:bob@x.org"}, cb.Held)
	assert.Positive(t, cb.HeldFor)
	mu.Lock()
	assert.Empty(t, takeovers, "held from a live run: nothing taken over")
	mu.Unlock()

	// a records bob, then dies holding ann (maybe sent).
	require.NoError(t, a.Record(acme, ra, []state.Outcome{{Key: "email:bob@x.org", Status: state.StatusCreated, VendorID: "v-b"}}))
	stale := a.fences[claimKey{a.scopes[acme.Normalized()], "email:ann@x.org"}]
	require.NotZero(t, stale)
	die(a)
	time.Sleep(lease + 100*time.Millisecond)

	cb, err = b.Claim(acme, rb, marks)
	require.NoError(t, err)
	assert.Equal(t, []string{"email:bob@x.org"}, cb.Held, "created by the dead run: held (skipped by the caller's Get)")
	assert.Equal(t, []string{"email:ann@x.org"}, cb.MaybeSent, "taken over while maybe sent: look up before creating")
	mu.Lock()
	assert.Equal(t, map[string]int{acme.Tenant: 1}, takeovers, "the hook hears the one person taken over")
	mu.Unlock()

	// The dead run's late write (a process that was only stalled) is refused.
	late, err := Open(ctx, url, Options{Lease: lease})
	require.NoError(t, err)
	defer late.Close()
	late.fences[claimKey{a.scopes[acme.Normalized()], "email:ann@x.org"}] = stale
	require.NoError(t, late.Record(acme, ra, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-stale"}}))
	assert.Equal(t, 1, late.Fenced())
	got, err := b.Get(acme, []string{"email:ann@x.org"})
	require.NoError(t, err)
	assert.Equal(t, state.StatusInFlight, got["email:ann@x.org"].Status)

	require.NoError(t, b.Record(acme, rb, []state.Outcome{{Key: "email:ann@x.org", Status: state.StatusCreated, VendorID: "v-a"}}))
	assert.Equal(t, 0, b.Fenced())
	got, err = b.Get(acme, []string{"email:ann@x.org", "email:bob@x.org"})
	require.NoError(t, err)
	assert.Equal(t, "v-a", got["email:ann@x.org"].VendorID)
	assert.Equal(t, "v-b", got["email:bob@x.org"].VendorID)

	// History tells the dead run from the live one before anybody marks
	// it: its lease lapsed, b's is renewed.
	runs, err := b.History(0)
	require.NoError(t, err)
	status := map[int64]string{}
	for _, r := range runs {
		status[r.ID] = r.Status
	}
	assert.Equal(t, state.RunCrashed, status[ra], "a run whose lease lapsed is crashed in history")
	assert.Equal(t, state.RunRunning, status[rb], "a live run is running")

	// The dead run is found crashed by the next run to begin.
	_, err = b.BeginRun("g.csv", "h", acme)
	require.NoError(t, err)
	assert.Contains(t, b.CrashedRuns(), ra)
}

func TestClaimForgetMaybeSentIsTheNegativeControl(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "forget")
	ctx := context.Background()
	a, err := Open(ctx, url, Options{Lease: 300 * time.Millisecond})
	require.NoError(t, err)
	ra, _ := a.BeginRun("f.csv", "h", acme)
	_, err = a.Claim(acme, ra, []state.Mark{{Key: "email:ann@x.org"}})
	require.NoError(t, err)
	die(a)
	time.Sleep(400 * time.Millisecond)
	for _, forget := range []bool{true, false} {
		b, err := Open(ctx, url, Options{Lease: 300 * time.Millisecond, ForgetMaybeSent: forget})
		require.NoError(t, err)
		rb, _ := b.BeginRun("f.csv", "h", acme)
		c, err := b.Claim(acme, rb, []state.Mark{{Key: "email:ann@x.org"}})
		require.NoError(t, err)
		if forget {
			assert.Empty(t, c.MaybeSent)
			require.NoError(t, b.EndRun(rb, state.Counts{}, state.RunInterrupted)) // leaves it in flight, lapsed
		} else {
			assert.Equal(t, []string{"email:ann@x.org"}, c.MaybeSent)
		}
		require.NoError(t, b.Close())
	}
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "migrate")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), url, Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	s, err := Open(context.Background(), url, Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	var v string
	require.NoError(t, s.pool.QueryRow(context.Background(), `SELECT value FROM onboard_meta WHERE key = 'schema_version'`).Scan(&v))
	assert.Equal(t, "1", v)
	_, err = s.BeginRun("f", "h", acme)
	assert.ErrorIs(t, err, state.ErrReadOnly)
}
