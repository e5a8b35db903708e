package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state/pgtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// With the state on PostgreSQL (ONBOARD_STATE), Start queues the run as
// `run --queue` does instead of running it in the server; a double click
// queues it once; the Run step shows the queued job's state, and, once an
// `onboard worker` has run it, its counts and its results downloaded
// from the job's stored files.
func TestServeQueuesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	db := pgtest.Start(t).CreateDB(t, "servequeue")
	t.Setenv(stateEnv, db)
	s := startServe(t, serveFlagsForTest(t))
	require.NotNil(t, s.srv.queue, "ONBOARD_STATE names PostgreSQL: the server queues")
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	plan := body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}}))
	require.Contains(t, plan, `id="start"`, plan)

	for range 2 { // a double click: one job
		res := s.post("/jobs/"+id+"/run", nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
		res.Body.Close()
	}
	m := s.job(id)
	require.NotZero(t, m.QueueID)
	assert.Equal(t, jobQueued, m.Status)
	assert.Equal(t, 1, m.Runs)
	page := body(t, s.get("/jobs/"+id+"/run"))
	assert.Regexp(t, `id="queue">Queued run \d+ \(onboard jobs get \d+\): available`, page)
	assert.NotContains(t, page, `id="dl-results"`)
	res := s.post("/jobs/"+id+"/cell?line=7&col=0", url.Values{"value": {"Dr"}})
	assert.Equal(t, http.StatusConflict, res.StatusCode, "the queued run's cells wait for it")
	res.Body.Close()

	// A worker on "another machine" (its own ledger file) takes it.
	ctx, cancel := context.WithCancel(context.Background())
	var werr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"worker", "--state", filepath.Join(t.TempDir(), "worker.db")}, io.Discard, &werr)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Errorf("the worker did not stop: %s", werr.String())
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		page = body(t, s.get("/jobs/"+id+"/run"))
		if regexp.MustCompile(`id="dl-results"`).MatchString(page) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.Contains(t, page, `id="dl-results"`, "worker: %s", werr.String())
	assert.Contains(t, page, `data-count="Created">5<`)
	assert.Contains(t, page, `data-count="Invalid">6<`)
	assert.Contains(t, page, "Finished: every row was handled.")
	assert.Contains(t, page, `id="dl-fix"`)
	res = s.get("/jobs/" + id + "/files/results.xlsx")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "PK", body(t, res)[:2], "the worker's results.xlsx, from the job's stored files")
	assert.Equal(t, http.StatusConflict, s.post("/jobs/"+id+"/run", nil).StatusCode, "run to the end: nothing more to queue")
}

// A password in serve's --state is refused (argv is readable by every
// user) in one line, exit 2, before --dir is made.
func TestServeRefusesAPasswordInState(t *testing.T) {
	t.Setenv(stateEnv, "")
	dir := filepath.Join(t.TempDir(), "serve")
	var stderr bytes.Buffer
	code := execute(context.Background(), []string{"serve", "--state", "postgres://u:secret@db.example.org/x", "--dir", dir}, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "the password is readable on the command line; put it in PGPASSWORD")
	assert.NotContains(t, stderr.String(), "secret")
	assert.Equal(t, 1, bytes.Count(stderr.Bytes(), []byte("\n")))
	assert.NoDirExists(t, dir)
}
