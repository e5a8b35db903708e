package batch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

var errDiskFull = errors.New("results.csv: no space left on device")

// failingSink stands for a results file on a full disk: writes fail from
// the nth on.
type failingSink struct {
	mu sync.Mutex
	n  int
}

func (f *failingSink) Write(batch.Outcome) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n < 0 {
		return errDiskFull
	}
	return nil
}

func (f *failingSink) Close(*batch.Summary) error { return nil }

type fullDiskRun struct {
	r   read.Reader
	reg *providers.Registration
	m   *schema.Mapper
	c   providers.Client
	sim *sim.Server
}

func newFullDiskRun(t *testing.T, n int) *fullDiskRun {
	t.Helper()
	reg, _ := providers.Lookup("smartapp")
	s := reg.Simulator(sim.Options{Latency: 2 * time.Millisecond})
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials})
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("firstName,lastName,email,companyName,companyLocationName\n")
	for i := range n {
		fmt.Fprintf(&b, "A,B,p%04d@smartapp.com,smartapp.com,headquarters\n", i)
	}
	p := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	return &fullDiskRun{r: r, reg: reg, m: m, c: c, sim: s}
}

// runBounded runs and fails the test if Run does not return in time (the
// old deadlock: workers blocked on their channel forever).
func (f *fullDiskRun) runBounded(t *testing.T, sink batch.Sink, opt batch.RunOptions) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- batch.Run(context.Background(), f.r, f.reg.Schema, f.m, f.c, sink, batch.NewSummary("run", "smartapp", "r.csv"), opt)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Run hung after a write error:\n%s", buf[:runtime.Stack(buf, true)])
		return nil
	}
}

// A results write error stops the run at once: the pool takes no more
// work, the requests in flight finish and reach the state store, and Run
// returns that error.
func TestRunStopsOnAResultsWriteError(t *testing.T) {
	const n = 5000 // more than the window between reader and sink
	f := newFullDiskRun(t, n)
	st, err := state.Open(filepath.Join(t.TempDir(), "s.db"), state.Options{})
	require.NoError(t, err)
	defer st.Close()
	sc := state.Scope{Provider: "smartapp", BaseURL: "http://x"}
	runID, err := st.BeginRun("r.csv", "h", sc)
	require.NoError(t, err)
	opt := batch.RunOptions{Submit: submit.Options{Workers: 4}, State: st, Scope: sc, RunID: runID}
	err = f.runBounded(t, &failingSink{n: 20}, opt)
	require.ErrorIs(t, err, errDiskFull)
	created := f.sim.Store.Len()
	assert.Less(t, created, n/2, "the pool stopped soon after the error")
	// Everyone the vendor has is recorded (created) or still in flight
	// for the next run's recovery: nobody is lost.
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("email:p%04d@smartapp.com", i))
	}
	known, err := st.Get(sc, keys)
	require.NoError(t, err)
	for i := range n {
		k := fmt.Sprintf("p%04d@smartapp.com", i)
		if _, at := f.sim.Store.Find("email:" + k); at {
			p, ok := known["email:"+k]
			if !ok {
				for kk, pp := range known { // key forms differ by vendor: match the value
					if strings.HasSuffix(kk, k) {
						p, ok = pp, true
					}
				}
			}
			assert.True(t, ok && (p.Status == state.StatusCreated || p.Status == state.StatusInFlight), "%s is at the vendor and in the state store", k)
		}
	}
}

// A state store write error stops the run the same way, naming the file.
func TestRunStopsOnAStateWriteError(t *testing.T) {
	const n = 5000 // more than the window between reader and sink
	f := newFullDiskRun(t, n)
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := state.Open(path, state.Options{})
	require.NoError(t, err)
	sc := state.Scope{Provider: "smartapp", BaseURL: "http://x"}
	runID, err := st.BeginRun("r.csv", "h", sc)
	require.NoError(t, err)
	var once sync.Once
	opt := batch.RunOptions{Submit: submit.Options{Workers: 4}, State: st, Scope: sc, RunID: runID,
		Progress: func(s *batch.Summary) {
			if s.ByStatus[batch.Created] >= 10 {
				once.Do(func() { _ = st.Close() }) // every later state write fails
			}
		}}
	err = f.runBounded(t, &failingSink{n: n + 1}, opt)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state store "+path)
	assert.Less(t, f.sim.Store.Len(), n, "the pool stopped")
	// The lock is released with the store: the next run can open it.
	st2, err := state.Open(path, state.Options{})
	require.NoError(t, err)
	require.NoError(t, st2.Close())
}
