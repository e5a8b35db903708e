package all_test

import (
	"encoding/csv"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// validRecord is the first sample row of vendor id that maps cleanly.
func validRecord(t testing.TB, id string) schema.Record {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	f, err := os.Open(providertest.SamplePath(id, "roster.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	mp, err := schema.NewMapper(reg.Schema, rows[0], nil)
	require.NoError(t, err)
	for _, row := range rows[1:] {
		if rec, errs := mp.Map(row); len(errs) == 0 {
			return rec
		}
	}
	t.Fatalf("%s: no valid sample row", id)
	return nil
}

// Every vendor client reuses pooled connections: 200 calls from 4
// goroutines open about 4 connections, not one per call (smarterproctoring
// and bksb used to build a Transport per request).
func TestEveryVendorReusesConnections(t *testing.T) {
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			reg, err := providers.Lookup(id)
			require.NoError(t, err)
			rec := validRecord(t, id)
			s := reg.Simulator(sim.Options{})
			var opened atomic.Int32
			srv := httptest.NewUnstartedServer(s.Handler)
			srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				if st == http.StateNew {
					opened.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()
			for _, hc := range []*http.Client{nil, providers.NewHTTPClient(providers.HTTPOptions{Conns: 4})} {
				opened.Store(0)
				c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials, HTTP: hc})
				require.NoError(t, err)
				var wg sync.WaitGroup
				var calls atomic.Int32
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range 50 {
							_, _ = c.Create(providertest.Context(t), rec) // created once, then ALREADY_EXISTS
							calls.Add(1)
						}
					}()
				}
				wg.Wait()
				assert.EqualValues(t, 200, calls.Load())
				// About 4; a busy machine can dial a few more while a finished
				// connection is still on its way back to the idle pool. One per
				// call (the defect) would be 200.
				assert.LessOrEqual(t, opened.Load(), int32(24), "connections for 200 calls from 4 workers (one per request before)")
			}
		})
	}
}

// No vendor call follows a redirect to another host: the token, the
// credentials and the person's data never reach it.
func TestNoVendorCallFollowsARedirectOffTheHost(t *testing.T) {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	defer evil.Close()
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			reg, err := providers.Lookup(id)
			require.NoError(t, err)
			rec := validRecord(t, id)
			s := reg.Simulator(sim.Options{})
			for _, status := range []int{302, 307, 308} {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, evil.URL+r.URL.RequestURI(), status)
				}))
				for _, hc := range []*http.Client{nil, providers.NewHTTPClient(providers.HTTPOptions{}), srv.Client()} {
					c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials, HTTP: hc})
					require.NoError(t, err)
					_, err = c.Create(providertest.Context(t), rec)
					require.Error(t, err, "%d", status)
					assert.Contains(t, err.Error(), "redirect to "+evil.URL, "the failed call names the location")
					if f, ok := c.(providers.Finder); ok {
						_, _, err = f.Find(providertest.Context(t), rec)
						require.Error(t, err)
					}
				}
				srv.Close()
			}
			assert.Zero(t, evilHits.Load(), "the other host got nothing")
		})
	}
}
