package main

import (
	"io"
	"net/http/httptest"
	"os"
	"sync"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// liveSims gives each vendor one simulator for the life of a serve
// process: a job's plan, run, Resume and corrections meet the same
// simulated vendor, and the state store's scope (which holds its address)
// stays put, as with a real vendor. The commands start a simulator per run.
type liveSims struct {
	mu       sync.Mutex
	byVendor map[string]*liveSim
}

type liveSim struct {
	srv *httptest.Server
	s   *sim.Server
}

func newLiveSims() *liveSims { return &liveSims{byVendor: map[string]*liveSim{}} }

// vendorConfig is the command's vendorConfig, except that a simulated
// vendor is this process's simulator for it (started on first use). A nil
// ls (run, plan, watch) is vendorConfig itself.
func (ls *liveSims) vendorConfig(stderr io.Writer, reg *providers.Registration, simulate, offline bool, baseURL, config string) (providers.Config, credSources, func(), error) {
	if ls == nil || !simulate || reg.Simulator == nil {
		return vendorConfig(stderr, reg, simulate, offline, baseURL, config)
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	v := ls.byVendor[reg.ID]
	if v == nil {
		opt, err := simOptions(stderr, reg, os.Getenv(simModeEnv))
		if err != nil {
			return providers.Config{}, nil, func() {}, err
		}
		s := reg.Simulator(opt)
		v = &liveSim{srv: httptest.NewServer(s.Handler), s: s}
		ls.byVendor[reg.ID] = v
	}
	from := credSources{}
	for k := range v.s.Credentials {
		from[k] = "the simulator"
	}
	return providers.Config{BaseURL: v.srv.URL, Credentials: v.s.Credentials}, from, func() {}, nil
}

func (ls *liveSims) close() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, v := range ls.byVendor {
		v.srv.Close()
	}
	ls.byVendor = map[string]*liveSim{}
}
