package batch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// slowClient holds each create for a while before the vendor sees it.
type slowClient struct {
	providers.Client
	d time.Duration
}

func (s slowClient) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	time.Sleep(s.d)
	return s.Client.Create(ctx, rec)
}

// A re-run whose first row goes to a slow vendor and whose thousands of
// rows after it are skipped: the skipped rows' outcomes, handed to the
// sheet a chunk at a time, wait for the first row's answer beyond the
// window between reader and sheet without a deadlock, and every row is
// written once, in roster order.
func TestRerunSkipsPastTheWindowBehindASlowRow(t *testing.T) {
	const n = 9000            // more than twice the window
	f := newFullDiskRun(t, n) // the file of the first run: p0000..p8999
	st, err := state.Open(filepath.Join(t.TempDir(), "s.db"), state.Options{})
	require.NoError(t, err)
	defer st.Close()
	sc := state.Scope{Provider: "smartapp", BaseURL: "http://x"}
	run1, err := st.BeginRun("r.csv", "h", sc)
	require.NoError(t, err)
	opt := batch.RunOptions{Submit: submit.Options{Workers: 8}, State: st, Scope: sc, RunID: run1}
	first := &memSink{}
	require.NoError(t, f.runBounded(t, first, opt))
	require.Equal(t, n, f.sim.Store.Len())

	// Day two: a new person first, then everyone of day one.
	var b strings.Builder
	b.WriteString("firstName,lastName,email,companyName,companyLocationName\n")
	b.WriteString("N,E,new@smartapp.com,smartapp.com,headquarters\n")
	for i := range n {
		fmt.Fprintf(&b, "A,B,p%04d@smartapp.com,smartapp.com,headquarters\n", i)
	}
	p := filepath.Join(t.TempDir(), "r2.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	f.r, f.c = r, slowClient{Client: f.c, d: 300 * time.Millisecond}
	run2, err := st.BeginRun("r2.csv", "h2", sc)
	require.NoError(t, err)
	opt.RunID = run2
	sink := &memSink{}
	require.NoError(t, f.runBounded(t, sink, opt))
	require.Len(t, sink.out, n+1)
	for i, o := range sink.out {
		require.Equal(t, i+2, o.Line, "roster order")
		if i == 0 {
			assert.Equal(t, batch.Created, o.Status)
			continue
		}
		require.Equal(t, batch.Skipped, o.Status, "row %d", o.Line)
		require.Equal(t, batch.AlreadyOnboarded, o.Problems[0].Code)
	}
}
