package batch_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
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

var planSchema = &schema.Schema{Provider: "test", Key: []string{"email"}, Fields: []schema.Field{
	{Name: "email", Type: schema.String, Required: true, Check: schema.CheckEmail},
	{Name: "name", Type: schema.String},
}}

// mapFinder knows some people and fails for others.
type mapFinder struct {
	known map[string]string
	fail  map[string]*providers.Error
	calls atomic.Int64
}

func (f *mapFinder) Find(_ context.Context, rec schema.Record) (string, bool, error) {
	f.calls.Add(1)
	e, _ := rec["email"].(string)
	if err := f.fail[e]; err != nil {
		return "", false, err
	}
	id, ok := f.known[e]
	return id, ok, nil
}

func planFile(t *testing.T, body string, f providers.Finder, st *state.Store, sc state.Scope) ([]batch.Outcome, *batch.Summary, batch.PlanEstimate, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(planSchema, r.Header(), nil)
	require.NoError(t, err)
	sink := &memSink{}
	sum := batch.NewSummary("plan", "test", p)
	opt := batch.PlanOptions{State: st, Scope: sc, Submit: submit.Options{Workers: 2, Rate: 0, Retries: -1}}
	if f != nil {
		opt.Finder = f
	}
	est, err := batch.Plan(context.Background(), r, planSchema, m, sink, sum, opt)
	return sink.out, sum, est, err
}

func statuses(outs []batch.Outcome) []batch.Status {
	s := make([]batch.Status, len(outs))
	for i, o := range outs {
		s[i] = o.Status
	}
	return s
}

func TestPlanDecisions(t *testing.T) {
	st, err := state.Open(filepath.Join(t.TempDir(), "s.db"), state.Options{})
	require.NoError(t, err)
	defer st.Close()
	sc := state.Scope{Provider: "test", BaseURL: "http://127.0.0.1:1"}
	run, err := st.BeginRun("r.csv", "h", sc)
	require.NoError(t, err)
	require.NoError(t, st.MarkInFlight(sc, run, []string{"email:old@x.org", "email:bob@x.org"}))
	require.NoError(t, st.Record(sc, run, []state.Outcome{{Key: "email:old@x.org", Status: state.StatusCreated, VendorID: "V-OLD"},
		{Key: "email:bob@x.org", Status: state.StatusCreated, VendorID: "V-BOB"}}))

	f := &mapFinder{known: map[string]string{"there@x.org": "V-THERE"},
		fail: map[string]*providers.Error{"down@x.org": {Code: providers.VendorError, Status: 503}}}
	body := "email,name\nnew@x.org,New\nold@x.org,Old\nthere@x.org,There\nbad,Bad\ndown@x.org,Down\nbob@x.org,Bob\nnew@x.org,Twice\n"
	outs, sum, est, err := planFile(t, body, f, st, sc)
	require.NoError(t, err)
	assert.Equal(t, []batch.Status{batch.PlanCreate, batch.PlanAlreadyOnboarded, batch.PlanExistsAtVendor, batch.Invalid,
		batch.PlanCreate, batch.PlanAlreadyOnboarded, batch.Invalid}, statuses(outs))
	assert.Equal(t, "V-OLD", outs[1].ID)
	assert.Equal(t, "V-THERE", outs[2].ID)
	assert.Equal(t, "VENDOR_ERROR", outs[4].Problems[0].Code, "a failed lookup says so")
	assert.Equal(t, "DUPLICATE_IN_FILE", outs[6].Problems[0].Code)
	assert.Equal(t, int64(3), f.calls.Load(), "only the people the state store does not know are looked up")
	assert.Equal(t, 2, sum.ByStatus[batch.PlanCreate])
	assert.Equal(t, 2+2, est.Calls, "a create each, and a create plus the adopting lookup for the one the vendor has")
	assert.Equal(t, 3, est.Lookups)
	assert.Equal(t, 1, est.LookupFailures)

	p, err := st.Get(sc, []string{"email:new@x.org", "email:there@x.org"})
	require.NoError(t, err)
	assert.Empty(t, p, "plan writes nothing to the state store")
}

func TestPlanOfflineAndAuthFailure(t *testing.T) {
	outs, _, est, err := planFile(t, "email\na@x.org\nb@x.org\n", nil, nil, state.Scope{})
	require.NoError(t, err)
	assert.Equal(t, []batch.Status{batch.PlanCreate, batch.PlanCreate}, statuses(outs))
	assert.Equal(t, "the vendor was not asked", outs[0].Note)
	assert.Equal(t, 2, est.Calls)
	assert.Zero(t, est.Lookups)

	f := &mapFinder{fail: map[string]*providers.Error{"a@x.org": {Code: providers.AuthFailed, Status: 401}, "b@x.org": {Code: providers.AuthFailed, Status: 401}}}
	_, _, _, err = planFile(t, "email\na@x.org\nb@x.org\n", f, nil, state.Scope{})
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, providers.AuthFailed, pe.Code)
}

func TestPlanEstimate(t *testing.T) {
	tests := []struct {
		calls   int
		rate    float64
		workers int
		latency time.Duration
		want    time.Duration
	}{
		{0, 5, 4, 0, 0},
		{11, 5, 4, 0, 2 * time.Second},                                 // ten gaps at 5/s
		{11, 5, 4, time.Second, 3 * time.Second},                       // slower answers than the rate
		{100, 0, 4, 200 * time.Millisecond, 5 * time.Second},           // unlimited: answer time over the workers
		{1000, 100, 8, 10 * time.Millisecond, 9990 * time.Millisecond}, // the rate decides
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, batch.PlanDuration(tt.calls, tt.rate, tt.workers, tt.latency), "%+v", tt)
	}
}

// The run's --existing decides what a person the vendor has costs.
func TestPlanExistingCalls(t *testing.T) {
	body := "email\nthere@x.org\nnew@x.org\n"
	for _, tt := range []struct {
		existing submit.Existing
		calls    int
		words    string
	}{{submit.ExistingAdopt, 3, "a run adopts them"}, {submit.ExistingSkip, 2, "skip"}, {submit.ExistingFail, 2, "fail"}} {
		p := filepath.Join(t.TempDir(), "r.csv")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		r, err := read.Open(p, read.Options{})
		require.NoError(t, err)
		m, err := schema.NewMapper(planSchema, r.Header(), nil)
		require.NoError(t, err)
		sink := &memSink{}
		est, err := batch.Plan(context.Background(), r, planSchema, m, sink, batch.NewSummary("plan", "test", p), batch.PlanOptions{
			Finder: &mapFinder{known: map[string]string{"there@x.org": "V1"}},
			Submit: submit.Options{Existing: tt.existing}})
		r.Close()
		require.NoError(t, err)
		assert.Equal(t, tt.calls, est.Calls)
		assert.Contains(t, sink.out[0].Problems[0].Message, tt.words)
	}
}

// conflict and changed come from the state store's identities and change
// digests, as a run decides them: Bob's email changed (IDENTITY_CHANGED),
// Ann's surname changed, Cy is new.
func TestPlanIdentityAndChanges(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	mp := &schema.Mapping{Identity: "Employee ID"}
	day1 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "555-0102"), mp, false)
	require.Equal(t, 2, day1.sum.ByStatus[batch.Created], "%+v", day1.out)

	p := filepath.Join(t.TempDir(), "day2.csv")
	require.NoError(t, os.WriteFile(p, []byte(smartappHead+
		smartappRow("E1", "Ann", "Leigh", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102")+
		smartappRow("E3", "Cy", "Young", "cy@acme.test", "555-0103")), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(v.reg.Schema, r.Header(), mp)
	require.NoError(t, err)
	sink := &memSink{}
	sum := batch.NewSummary("plan", v.reg.ID, p)
	finder, _ := v.client.(providers.Finder)
	est, err := batch.Plan(context.Background(), r, v.reg.Schema, m, sink, sum, batch.PlanOptions{
		State: st, Scope: v.scope, Finder: finder, Submit: submit.Options{Workers: 2}, Update: true})
	require.NoError(t, err)
	assert.Equal(t, []batch.Status{batch.PlanChanged, batch.PlanConflict, batch.PlanCreate}, statuses(sink.out))
	assert.Equal(t, []string{"lastName"}, sink.out[0].Changed)
	assert.Contains(t, sink.out[0].Problems[0].Message, "changed since run 1: lastName")
	assert.Equal(t, batch.IdentityChanged, sink.out[1].Problems[0].Code)
	assert.Contains(t, sink.out[1].Problems[0].Message, "email:bob@acme.test")
	assert.Equal(t, 1+1, est.Calls, "Cy's create and Ann's update")
	assert.Equal(t, 2, v.sim.Store.Len(), "plan creates nobody")
}
