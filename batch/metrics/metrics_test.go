package metrics

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

func TestHandlerServesTheCounters(t *testing.T) {
	m := New()
	o := m.Observer("acme")
	o.Request("create", nil)
	o.Request("create", nil)
	o.Request("lookup", &providers.Error{Code: providers.RateLimited})
	o.TokenWait(1500 * time.Millisecond)
	m.People("acme", map[string]int{"created": 2, "failed": 0})
	m.LeaseTakeover("acme")
	m.Job("done")

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, line := range []string{
		`onboard_requests_total{call="create",code="OK",tenant="acme"} 2`,
		`onboard_requests_total{call="lookup",code="RATE_LIMITED",tenant="acme"} 1`,
		`onboard_token_wait_seconds_total{tenant="acme"} 1.5`,
		`onboard_people_total{status="created",tenant="acme"} 2`,
		`onboard_lease_takeovers_total{tenant="acme"} 1`,
		`onboard_jobs_total{outcome="done"} 1`,
		`go_goroutines`,
	} {
		assert.Contains(t, body, line)
	}
	assert.NotContains(t, body, `status="failed"`, "a zero count adds no series")
}

func TestNilMetricsCostNothing(t *testing.T) {
	var m *Metrics
	assert.Nil(t, m.Observer("acme"))
	m.People("acme", map[string]int{"created": 1})
	m.LeaseTakeover("acme")
	m.Job("done")
}
