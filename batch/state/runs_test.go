package state

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistory(t *testing.T) {
	s, _ := openTemp(t)
	ends := []struct {
		sc     Scope
		counts Counts
		status string
	}{
		{scopeA, Counts{Rows: 10, Created: 7, Invalid: 2, Failed: 1}, RunDone},
		{scopeB, Counts{Rows: 10, Created: 1, Skipped: 7, NotAttempted: 2}, RunInterrupted},
		{scopeA, Counts{Rows: 3, Skipped: 1, Recovered: 2, Created: 2}, RunDone},
	}
	var ids []int64
	for _, e := range ends {
		id := beginRun(t, s, e.sc)
		require.NoError(t, s.EndRun(id, e.counts, e.status))
		ids = append(ids, id)
	}
	running := beginRun(t, s, scopeB)

	h, err := s.History(0)
	require.NoError(t, err)
	require.Len(t, h, 4)
	assert.Equal(t, running, h[0].ID, "newest first")
	assert.Equal(t, RunRunning, h[0].Status)
	assert.True(t, h[0].Ended.IsZero())
	for i, e := range ends {
		r := h[3-i]
		assert.Equal(t, ids[i], r.ID)
		assert.Equal(t, e.counts, r.Counts)
		assert.Equal(t, e.status, r.Status)
		assert.Equal(t, e.sc, r.Scope)
		assert.Equal(t, "smartapp", r.Provider)
		assert.Equal(t, "roster.csv", r.File)
		assert.Equal(t, "0123abcd", r.FileHash)
		assert.True(t, r.Ended.After(r.Started), "ended %v after started %v", r.Ended, r.Started)
	}
	// tickClock: Open's lock took second 1; BeginRun and EndRun one each.
	assert.Equal(t, t0.Add(2*time.Second), h[3].Started)
	assert.Equal(t, t0.Add(3*time.Second), h[3].Ended)

	two, err := s.History(2)
	require.NoError(t, err)
	assert.Equal(t, h[:2], two)
}

func TestEndRunErrors(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	tests := []struct {
		name   string
		run    int64
		status string
		want   string
	}{
		{"bad status", run, RunCrashed, `status "crashed" is not "done" or an early stop`},
		{"unknown run", run + 100, RunDone, "no such running run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, s.EndRun(tt.run, Counts{}, tt.status), tt.want)
		})
	}
	require.NoError(t, s.EndRun(run, Counts{Rows: 1}, RunDone))
	assert.ErrorContains(t, s.EndRun(run, Counts{}, RunDone), "no such running run", "a run ends once")
}

func TestCrashedRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	done := beginRun(t, s, scopeA)
	require.NoError(t, s.EndRun(done, Counts{Rows: 1, Created: 1}, RunDone))
	died := beginRun(t, s, scopeA)
	assert.Empty(t, s.CrashedRuns())
	require.NoError(t, s.Close()) // without EndRun: as if the process died

	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []int64{died}, s.CrashedRuns())
	h, err := s.History(0)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, RunCrashed, h[0].Status)
	assert.True(t, h[0].Ended.IsZero(), "a crashed run has no known end")
	assert.Equal(t, RunDone, h[1].Status)
	assert.ErrorContains(t, s.EndRun(died, Counts{}, RunDone), "no such running run")
}

func TestEarlyStopsAreStatuses(t *testing.T) {
	s, _ := openTemp(t)
	stops := []string{RunDone, RunInterrupted, RunAuthFailed, RunLicences, RunBreaker, RunAborted}
	for _, st := range stops {
		id := beginRun(t, s, scopeA)
		require.NoError(t, s.SetOutputs(id, "results-"+st+".xlsx", "fix.csv"))
		require.NoError(t, s.EndRun(id, Counts{Rows: 1}, st))
	}
	h, err := s.History(0)
	require.NoError(t, err)
	require.Len(t, h, len(stops))
	for i, st := range stops {
		r := h[len(stops)-1-i]
		assert.Equal(t, st, r.Status)
		assert.Equal(t, "results-"+st+".xlsx", r.Results)
		assert.Equal(t, "fix.csv", r.FixFile)
	}
	last, ok, err := s.LastDone(scopeA)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, h[len(stops)-1].ID, last.ID, "the one done run")
	_, ok, err = s.LastDone(scopeB)
	require.NoError(t, err)
	assert.False(t, ok, "no run in scope B")
}

func TestCheckpointSurvivesACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "onboard-state.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	id := beginRun(t, s, scopeA)
	require.NoError(t, s.Checkpoint(id, Counts{Rows: 40, Created: 30, Invalid: 10}))
	require.NoError(t, s.Close()) // killed before EndRun

	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	h, err := s.History(0)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, RunCrashed, h[0].Status)
	assert.Equal(t, Counts{Rows: 40, Created: 30, Invalid: 10}, h[0].Counts, "counts so far, not 0")
	require.NoError(t, s.Checkpoint(id, Counts{Rows: 99}), "a crashed run's counts stay")
	h, _ = s.History(0)
	assert.Equal(t, 40, h[0].Counts.Rows)
}

func TestInvalidSince(t *testing.T) {
	s, _ := openTemp(t)
	d := func(x string) []byte { return []byte(x) }
	first := beginRun(t, s, scopeA)
	require.NoError(t, s.RecordInvalid(first, [][]byte{d("a"), d("b"), d("b")}))
	fresh, still, prev, err := s.InvalidSince(first)
	require.NoError(t, err)
	assert.Equal(t, []any{2, 0, int64(0)}, []any{fresh, still, prev}, "no previous run: all new")
	require.NoError(t, s.EndRun(first, Counts{}, RunDone))

	other := beginRun(t, s, scopeB) // another scope never counts
	require.NoError(t, s.RecordInvalid(other, [][]byte{d("c")}))
	require.NoError(t, s.EndRun(other, Counts{}, RunDone))

	second := beginRun(t, s, scopeA)
	require.NoError(t, s.RecordInvalid(second, [][]byte{d("b"), d("c"), d("e")}))
	fresh, still, prev, err = s.InvalidSince(second)
	require.NoError(t, err)
	assert.Equal(t, []any{2, 1, first}, []any{fresh, still, prev})
}

// A reader's history tells a live run from a dead one: the file says
// "running" for both until the next run opens it.
func TestHistoryReadOnlyTellsDeadRunsFromLive(t *testing.T) {
	s, path := openTemp(t)
	id := beginRun(t, s, scopeA)

	ro, err := OpenReadOnly(path)
	require.NoError(t, err)
	h, err := ro.History(0)
	require.NoError(t, err)
	require.NoError(t, ro.Close())
	require.Len(t, h, 1)
	assert.Equal(t, RunRunning, h[0].Status, "its process holds the run lock")

	// The process goes away without ending its run (the kernel drops a
	// killed process's flock the same way).
	require.NoError(t, s.Close())
	ro, err = OpenReadOnly(path)
	require.NoError(t, err)
	defer ro.Close()
	h, err = ro.History(0)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, id, h[0].ID)
	assert.Equal(t, RunCrashed, h[0].Status, "nobody holds the run lock: the run died")

	// The reader's shared lock is gone once History returns: a run opens.
	w, err := Open(path, Options{LockWait: time.Second})
	require.NoError(t, err)
	assert.Equal(t, []int64{id}, w.CrashedRuns())
	require.NoError(t, w.Close())
}
