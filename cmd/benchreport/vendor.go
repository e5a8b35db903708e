package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all" // the vendors
	"github.com/onboard/onboard/providers/sim"
)

// vendor is a fresh simulator of provider on loopback that stamps every
// create (POST) as it arrives, before any simulated latency, so rates can be
// judged from the vendor's side. Each figure gets its own: the simulator
// keeps its users, and a second create of the same person is a duplicate.
type vendor struct {
	reg *providers.Registration
	sim *sim.Server
	srv *httptest.Server
	hc  *http.Client

	mu    sync.Mutex
	posts []time.Time
}

func newVendor(opt sim.Options) (*vendor, error) {
	reg, err := providers.Lookup(provider)
	if err != nil {
		return nil, err
	}
	if reg.Simulator == nil {
		return nil, fmt.Errorf("%s has no simulator", provider)
	}
	v := &vendor{reg: reg, sim: reg.Simulator(opt), hc: providers.DefaultHTTPClient()}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			now := time.Now()
			v.mu.Lock()
			v.posts = append(v.posts, now)
			v.mu.Unlock()
		}
		v.sim.Handler.ServeHTTP(w, r)
	}))
	return v, nil
}

// Close stops the server and drops the client's idle connections.
func (v *vendor) Close() {
	v.hc.CloseIdleConnections()
	v.srv.Close()
}

// client returns the vendor's real client for this simulator, with
// transport wrapping the shared HTTP transport when not nil.
func (v *vendor) client(wrap func(http.RoundTripper) http.RoundTripper) (providers.Client, error) {
	hc := v.hc
	if wrap != nil {
		hc = &http.Client{Timeout: v.hc.Timeout, Transport: wrap(v.hc.Transport)}
	}
	return v.reg.New(providers.Config{BaseURL: v.srv.URL, Credentials: v.sim.Credentials, HTTP: hc})
}

// env is the simulator's credentials as environment variables, for a
// child process.
func (v *vendor) env() []string {
	var env []string
	for k, val := range v.sim.Credentials {
		env = append(env, k+"="+val)
	}
	return env
}

// times returns when each create arrived.
func (v *vendor) times() []time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.posts)
}

// creates returns how many creates arrived so far.
func (v *vendor) creates() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.posts)
}

// rate is the create rate the vendor saw: the gaps between arrivals over
// the time they span, leaving out the first skip arrivals. Each worker's
// first request opens its connection, which delays its arrival and not the
// ones paced after it: counted in, that shortens the span, and a pool
// pacing at exactly the rate reads a hair above it.
func (v *vendor) rate(skip int) float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	posts := slices.SortedFunc(slices.Values(v.posts), time.Time.Compare)
	if len(posts) < skip+2 {
		return 0
	}
	posts = posts[skip:]
	return float64(len(posts)-1) / posts[len(posts)-1].Sub(posts[0]).Seconds()
}

// rateAfter is the rate of creates the vendor saw from skip after the
// first one to the last.
func (v *vendor) rateAfter(skip time.Duration) float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	posts := slices.SortedFunc(slices.Values(v.posts), time.Time.Compare)
	if len(posts) < 2 {
		return 0
	}
	from := posts[0].Add(skip)
	i, _ := slices.BinarySearchFunc(posts, from, time.Time.Compare)
	posts = posts[i:]
	if len(posts) < 2 {
		return 0
	}
	return float64(len(posts)-1) / posts[len(posts)-1].Sub(posts[0]).Seconds()
}
