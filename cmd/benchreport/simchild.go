package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// simulateArg makes benchreport a vendor simulator in a process of its own:
// `benchreport -simulate OPTIONS` serves provider's simulator with the
// sim.Options OPTIONS (JSON) on loopback, writes one JSON line (simHello)
// and then answers each line on its stdin with one JSON line of simStats.
// It exits when its stdin closes. In its own process the simulator's CPU
// is not counted as the client's, and the two do not share one scheduler.
const simulateArg = "-simulate"

// simHello is what a simulator child says once it serves.
type simHello struct {
	URL         string            `json:"url"`
	Credentials map[string]string `json:"credentials"`
}

// simStats is what a simulator child has seen so far, and its own CPU.
type simStats struct {
	Users    int           `json:"users"`
	Requests int64         `json:"requests"`
	Dups     int           `json:"duplicates"`
	CPU      time.Duration `json:"cpu"`
}

// simulate is the child's side.
func simulate(opts string) error {
	var so sim.Options
	if err := json.Unmarshal([]byte(opts), &so); err != nil {
		return fmt.Errorf("%s: options: %w", simulateArg, err)
	}
	reg, err := providers.Lookup(provider)
	if err != nil {
		return err
	}
	if reg.Simulator == nil {
		return fmt.Errorf("%s has no simulator", provider)
	}
	s := reg.Simulator(so)
	srv := httptest.NewServer(s.Handler)
	defer srv.Close()
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(simHello{URL: srv.URL, Credentials: s.Credentials}); err != nil {
		return err
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		st := simStats{Users: s.Store.Len(), Requests: s.Stats.Requests.Load(), Dups: len(s.Store.Duplicates()), CPU: processCPU()}
		if err := out.Encode(st); err != nil {
			return err
		}
	}
	return in.Err()
}

// simProc is a simulator child and an HTTP client of its own for it.
type simProc struct {
	reg  *providers.Registration
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *json.Decoder
	hc   *http.Client
	url  string
	cred map[string]string
}

// startSim starts a simulator child with so.
func startSim(ctx context.Context, so sim.Options) (*simProc, error) {
	reg, err := providers.Lookup(provider)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	opts, err := json.Marshal(so)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, simulateArg, string(opts))
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the simulator: %w", err)
	}
	p := &simProc{reg: reg, cmd: cmd, in: in, out: json.NewDecoder(stdout), hc: providers.NewHTTPClient(providers.HTTPOptions{})}
	var hello simHello
	if err := p.out.Decode(&hello); err != nil {
		return nil, errors.Join(fmt.Errorf("the simulator did not start: %w", err), p.Close())
	}
	p.url, p.cred = hello.URL, hello.Credentials
	return p, nil
}

// stats asks the child what it has seen.
func (p *simProc) stats() (simStats, error) {
	var st simStats
	if _, err := io.WriteString(p.in, "stats\n"); err != nil {
		return st, fmt.Errorf("simulator stats: %w", err)
	}
	if err := p.out.Decode(&st); err != nil {
		return st, fmt.Errorf("simulator stats: %w", err)
	}
	return st, nil
}

// client returns the vendor's real client for the child, with transport
// wrapping the client's transport when not nil.
func (p *simProc) client(wrap func(http.RoundTripper) http.RoundTripper) (providers.Client, error) {
	hc := p.hc
	if wrap != nil {
		hc = &http.Client{Timeout: p.hc.Timeout, CheckRedirect: p.hc.CheckRedirect, Transport: wrap(p.hc.Transport)}
	}
	return p.reg.New(providers.Config{BaseURL: p.url, Credentials: p.cred, HTTP: hc})
}

// Close drops the client's connections and ends the child (closing its
// stdin), waiting for it.
func (p *simProc) Close() error {
	p.hc.CloseIdleConnections()
	err := p.in.Close()
	if werr := p.cmd.Wait(); werr != nil {
		err = errors.Join(err, fmt.Errorf("simulator: %w", werr))
	}
	return err
}
