package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/batch/state/pgtest"
)

func openDB(t *testing.T) (string, *jobs.Store) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	url := pgtest.Start(t).CreateDB(t, "jobs")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	st, err := jobs.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return url, st
}

// TestOpenAtOnceMigratesOnce: workers starting together on an empty
// database all come up (River's migrations and onboard_job_files run once,
// under the advisory lock).
func TestOpenAtOnceMigratesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	url := pgtest.Start(t).CreateDB(t, "jobs")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			st, err := jobs.Open(t.Context(), url)
			if err == nil {
				st.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}

// TestEnqueueGetListCancel: a job is stored with its input files in one
// transaction, listed newest first, and cancelled before any worker takes
// it; the files go with it.
func TestEnqueueGetListCancel(t *testing.T) {
	_, st := openDB(t)
	ctx := t.Context()
	in := []jobs.File{{Name: "staff.csv", Data: []byte("a,b\n1,2\n")}, {Name: "mapping-map.yaml", Data: []byte("columns: {}\n")}}
	args := jobs.Args{File: "staff.csv", Mapping: "mapping-map.yaml", Vendor: "smartapp", Output: "results.xlsx", Who: "ann@hr",
		Options: jobs.Options{Rate: 5, Workers: 4, Retries: 3}}
	id1, err := st.Enqueue(ctx, args, in, 3)
	require.NoError(t, err)
	args.File = "other.csv"
	id2, err := st.Enqueue(ctx, args, in[:1], 1)
	require.NoError(t, err)

	list, err := st.List(ctx, 10)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []int64{id2, id1}, []int64{list[0].ID, list[1].ID}, "newest first")
	assert.Equal(t, "available", list[1].State)
	assert.Equal(t, "staff.csv", list[1].Args.File)
	assert.Equal(t, "ann@hr", list[1].Args.Who)
	assert.Equal(t, 5.0, list[1].Args.Options.Rate)

	got, err := st.Files(ctx, id1, "in")
	require.NoError(t, err)
	assert.ElementsMatch(t, in, got)
	out, err := st.Files(ctx, id1, "out")
	require.NoError(t, err)
	assert.Empty(t, out, "no results before a worker ran it")

	j, err := st.Cancel(ctx, id1)
	require.NoError(t, err)
	assert.Equal(t, "cancelled", j.State)
	got, err = st.Files(ctx, id1, "in")
	require.NoError(t, err)
	assert.Empty(t, got, "a job cancelled before it ran drops its roster")
	got, err = st.Files(ctx, id2, "in")
	require.NoError(t, err)
	assert.Len(t, got, 1, "the other job keeps its own")
	_, err = st.Get(ctx, 987654)
	assert.True(t, errors.Is(err, jobs.ErrNoJob), "%v", err)
	_, err = st.Cancel(ctx, 987654)
	assert.True(t, errors.Is(err, jobs.ErrNoJob), "%v", err)
}
