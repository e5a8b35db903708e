package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/metrics"
	"github.com/onboard/onboard/batch/submit"
)

// serveMetrics listens on --metrics as `onboard worker` does: Prometheus'
// scraper has no browser session for the page's token cookie, htpasswd or
// proxy login, and one scrape configuration then fits both commands. The
// metrics hold counts by tenant and code, never a roster's cells; a bare
// port listens on loopback only.
func serveMetrics(addr string, m *metrics.Metrics, stderr io.Writer) (net.Addr, func(), error) {
	ln, err := net.Listen("tcp", metricsAddr(addr))
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	fmt.Fprintf(stderr, "onboard serve: metrics at http://%s/metrics\n", ln.Addr())
	return ln.Addr(), func() { _ = srv.Close() }, nil
}

// observeRun hooks a page run's requests and people into the metrics, as
// the worker's runs are.
func (s *server) observeRun(rf *runFlags) func(*batch.Summary) {
	tenant := ""
	rf.observe = func(t string) submit.Observer {
		tenant = t
		return s.metrics.Observer(t)
	}
	return func(sum *batch.Summary) {
		if sum == nil || tenant == "" {
			return
		}
		by := map[string]int{}
		for st, n := range sum.ByStatus {
			by[string(st)] = n
		}
		s.metrics.People(tenant, by)
	}
}
