package batch_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/samples"
	"github.com/onboard/onboard/schema"
)

// memSink keeps outcomes for assertions.
type memSink struct {
	mu  sync.Mutex
	out []batch.Outcome
}

func (m *memSink) Write(o batch.Outcome) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.out = append(m.out, o)
	return nil
}
func (m *memSink) Close(*batch.Summary) error { return nil }

// sampleRecords maps a vendor's embedded sample roster and returns its valid
// records, as a real run would build them.
func sampleRecords(t *testing.T, id string) []schema.Record {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	b, err := samples.FS.ReadFile(id + "/roster.csv")
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	var recs []schema.Record
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		if rec, errs := m.Map(row.Cells); len(errs) == 0 {
			recs = append(recs, rec)
		}
	}
	require.NotEmpty(t, recs)
	return recs
}

// TestRecoverUnknownOutcome covers every vendor: a person created by a
// request whose answer was lost (or by a run that crashed while the row was
// in flight) is found at the vendor, not created a second time.
func TestRecoverUnknownOutcome(t *testing.T) {
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			reg, _ := providers.Lookup(id)
			s := reg.Simulator(sim.Options{})
			srv := httptest.NewServer(s.Handler)
			defer srv.Close()
			c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials})
			require.NoError(t, err)
			_, isFinder := c.(providers.Finder)
			require.True(t, isFinder, "every vendor can look a person up")

			rec := sampleRecords(t, id)[0]
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			created, err := c.Create(ctx, rec) // the answer the crashed run never saw
			require.NoError(t, err)

			in := make(chan submit.Job, 1)
			out := make(chan submit.Result, 1)
			in <- submit.Job{Seq: 0, Line: 2, Key: reg.Schema.KeyOf(rec), Record: rec, Recover: true}
			close(in)
			_, err = submit.Run(ctx, c, submit.Options{Workers: 1}, in, out)
			require.NoError(t, err)
			res := <-out
			require.Nil(t, res.Err)
			assert.True(t, res.Recovered)
			assert.Equal(t, created.ID, res.Created.ID)
			assert.Zero(t, res.Attempts, "no second create request")
			assert.Equal(t, 1, s.Store.Len())
		})
	}
}

// TestRunSoftStop cancels a run mid-way: requests in flight finish, nothing
// new is sent, and every row still gets a status, in roster order.
func TestRunSoftStop(t *testing.T) {
	reg, _ := providers.Lookup("smartapp")
	s := reg.Simulator(sim.Options{Latency: 20 * time.Millisecond})
	srv := httptest.NewServer(s.Handler)
	defer srv.Close()
	c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials})
	require.NoError(t, err)

	var b strings.Builder
	b.WriteString("firstName,lastName,email,companyName,companyLocationName\n")
	const n = 200
	for i := range n {
		if i == 5 {
			b.WriteString("Bad,Row,not-an-email,smartapp.com,headquarters\n")
			continue
		}
		b.WriteString("A,B,p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "_" + itoa(i) + "@smartapp.com,smartapp.com,headquarters\n")
	}
	p := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	sink := &memSink{}
	sum := batch.NewSummary("run", "smartapp", p)
	opt := batch.RunOptions{Submit: submit.Options{Workers: 4}, Progress: func(s *batch.Summary) {
		if s.ByStatus[batch.Created] == 10 {
			cancel()
		}
	}}
	require.NoError(t, batch.Run(ctx, r, reg.Schema, m, c, sink, sum, opt))

	require.Len(t, sink.out, n)
	for i, o := range sink.out {
		assert.Equal(t, i+2, o.Line, "roster order")
	}
	assert.Equal(t, batch.Invalid, sink.out[5].Status)
	created := sum.ByStatus[batch.Created]
	assert.GreaterOrEqual(t, created, 10)
	assert.Less(t, created, 30, "stopped soon after the cancel")
	assert.Equal(t, created, s.Store.Len(), "every request in flight finished and was recorded")
	assert.Equal(t, n-1-created, sum.ByStatus[batch.NotAttempted])
	last := sink.out[n-1]
	assert.Equal(t, batch.NotAttempted, last.Status)
	assert.Equal(t, string(providers.Interrupted), last.Problems[0].Code)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}
