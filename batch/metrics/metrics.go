// Package metrics holds onboard's Prometheus metrics: one registry that
// `onboard worker` serves on --metrics and `onboard serve` can mount. It
// listens to the pipeline through submit.Observer, so batch/submit does not
// import Prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
)

// Metrics is one process's metrics and the registry that serves them.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	tokenWait *prometheus.CounterVec
	takeovers *prometheus.CounterVec
	people    *prometheus.CounterVec
	jobs      *prometheus.CounterVec
}

// New makes the metrics on a registry of their own (plus the Go and process
// collectors), so two in one test process never collide.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_requests_total",
			Help: "Vendor requests answered or lost, by tenant, call (create, lookup, update) and normalized code (OK, RATE_LIMITED, VENDOR_ERROR, …).",
		}, []string{"tenant", "call", "code"}),
		tokenWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_token_wait_seconds_total",
			Help: "Seconds requests waited for leave to go (rate, Retry-After gate, spacing), by tenant.",
		}, []string{"tenant"}),
		takeovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_lease_takeovers_total",
			Help: "People or jobs taken over from a worker whose lease ran out, by tenant.",
		}, []string{"tenant"}),
		people: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_people_total",
			Help: "Roster rows finished, by tenant and status (created, adopted, skipped, failed, invalid, …).",
		}, []string{"tenant", "status"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_jobs_total",
			Help: "Queued jobs this worker ended, by outcome (done, failed, retry, cancelled).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.tokenWait, m.takeovers, m.people, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where a caller (onboard serve) registers more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Observer is the submit hook for one tenant's run; a nil *Metrics gives
// a nil Observer (no cost).
func (m *Metrics) Observer(tenant string) submit.Observer {
	if m == nil {
		return nil
	}
	return observer{m: m, tenant: tenant}
}

// People counts a run's finished rows by status.
func (m *Metrics) People(tenant string, byStatus map[string]int) {
	if m == nil {
		return
	}
	for st, n := range byStatus {
		if n > 0 {
			m.people.WithLabelValues(tenant, st).Add(float64(n))
		}
	}
}

// LeaseTakeover counts one lease taken over from a dead worker.
func (m *Metrics) LeaseTakeover(tenant string) {
	if m != nil {
		m.takeovers.WithLabelValues(tenant).Inc()
	}
}

// Job counts one job ended with outcome.
func (m *Metrics) Job(outcome string) {
	if m != nil {
		m.jobs.WithLabelValues(outcome).Inc()
	}
}

type observer struct {
	m      *Metrics
	tenant string
}

func (o observer) Request(call string, err *providers.Error) {
	o.m.requests.WithLabelValues(o.tenant, call, submit.Code(err)).Inc()
}

func (o observer) TokenWait(d time.Duration) {
	o.m.tokenWait.WithLabelValues(o.tenant).Add(d.Seconds())
}
