package batch_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	"github.com/onboard/onboard/samples"
	"github.com/onboard/onboard/schema"
)

// vendorRun is one vendor's simulator and what a run against it needs.
type vendorRun struct {
	reg    *providers.Registration
	sim    *sim.Server
	client providers.Client
	roster string
	scope  state.Scope
}

func newVendorRun(t *testing.T, id string, opt sim.Options) *vendorRun {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	s := reg.Simulator(opt)
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	cfg := providers.Config{BaseURL: srv.URL, Credentials: s.Credentials}
	c, err := reg.New(cfg)
	require.NoError(t, err)
	b, err := samples.FS.ReadFile(id + "/roster.csv")
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	sc := state.Scope{Provider: id, BaseURL: srv.URL}
	if reg.Tenant != nil {
		sc.Tenant = reg.Tenant(cfg)
	}
	return &vendorRun{reg: reg, sim: s, client: c, roster: p, scope: sc}
}

// run runs path through batch.Run with opt and st (nil: no state store).
func (v *vendorRun) run(t *testing.T, path string, opt submit.Options, st *state.Store) ([]batch.Outcome, *batch.Summary, error) {
	t.Helper()
	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(v.reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	ro := batch.RunOptions{Submit: opt, State: st, Scope: v.scope}
	if st != nil {
		ro.RunID, err = st.BeginRun(path, "hash", v.scope)
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sink := &memSink{}
	sum := batch.NewSummary("run", v.reg.ID, path)
	err = batch.Run(ctx, r, v.reg.Schema, m, v.client, sink, sum, ro)
	if st != nil {
		require.NoError(t, st.EndRun(ro.RunID, state.Counts{}, state.RunDone))
	}
	return sink.out, sum, err
}

func openState(t *testing.T) *state.Store {
	t.Helper()
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// TestExistingPeople covers every vendor: people the vendor already has
// (created by a run whose state file is lost) are adopted with the
// vendor's IDs and skipped by later runs, skipped with ALREADY_EXISTS, or
// failed, as --existing says, and nobody is created twice.
func TestExistingPeople(t *testing.T) {
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			v := newVendorRun(t, id, sim.Options{})
			opt := submit.Options{Workers: 2}
			first, _, err := v.run(t, v.roster, opt, nil)
			require.NoError(t, err)
			ids := map[int]string{}
			for _, o := range first {
				if o.Status == batch.Created {
					ids[o.Line] = o.ID
				}
			}
			require.NotEmpty(t, ids)
			users := v.sim.Store.Len()

			check := func(t *testing.T, out []batch.Outcome, status batch.Status, code string, wantID bool) {
				t.Helper()
				for _, o := range out {
					id, ok := ids[o.Line]
					if !ok {
						assert.NotEqual(t, batch.Created, o.Status, "row %d", o.Line)
						continue
					}
					assert.Equal(t, status, o.Status, "row %d", o.Line)
					if code == "" {
						assert.Empty(t, o.Problems, "row %d", o.Line)
					} else if assert.NotEmpty(t, o.Problems, "row %d", o.Line) {
						assert.Equal(t, code, o.Problems[0].Code, "row %d", o.Line)
					}
					if wantID {
						assert.Equal(t, id, o.ID, "row %d: the vendor's ID", o.Line)
					}
				}
			}
			t.Run("fail", func(t *testing.T) {
				opt := opt
				opt.Existing = submit.ExistingFail
				out, _, err := v.run(t, v.roster, opt, openState(t))
				require.NoError(t, err)
				check(t, out, batch.Failed, string(providers.AlreadyExists), false)
			})
			t.Run("skip", func(t *testing.T) {
				opt := opt
				opt.Existing = submit.ExistingSkip
				st := openState(t)
				out, _, err := v.run(t, v.roster, opt, st)
				require.NoError(t, err)
				check(t, out, batch.Skipped, string(providers.AlreadyExists), false)
				// Not ours, so not recorded: the next run asks the vendor again.
				out, _, err = v.run(t, v.roster, opt, st)
				require.NoError(t, err)
				check(t, out, batch.Skipped, string(providers.AlreadyExists), false)
			})
			t.Run("adopt", func(t *testing.T) {
				st := openState(t)
				out, sum, err := v.run(t, v.roster, opt, st)
				require.NoError(t, err)
				check(t, out, batch.Adopted, "", true)
				assert.Equal(t, len(ids), sum.ByStatus[batch.Adopted])
				out, _, err = v.run(t, v.roster, opt, st)
				require.NoError(t, err)
				check(t, out, batch.Skipped, batch.AlreadyOnboarded, true)
			})
			assert.Equal(t, users, v.sim.Store.Len(), "nobody created twice")
		})
	}
}
