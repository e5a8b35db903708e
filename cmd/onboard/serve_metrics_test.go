package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve's --metrics: a page run's requests and people show in Prometheus'
// format on their own listener (loopback for a bare port), as the worker's
// do; the page's login is not asked of the scraper, and no cell is there.
func TestServeMetrics(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	var log bytes.Buffer
	addr, stop, err := serveMetrics("0", s.srv.metrics, &log)
	require.NoError(t, err)
	defer stop()
	assert.Contains(t, addr.String(), "127.0.0.1:", "a bare port listens on loopback")
	assert.Contains(t, log.String(), "metrics at http://"+addr.String()+"/metrics")

	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	res := s.post("/jobs/"+id+"/run", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	s.waitRun(id)

	c := &http.Client{Timeout: 10 * time.Second}
	r, err := c.Get("http://" + addr.String() + "/metrics")
	require.NoError(t, err)
	defer r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)
	b, _ := io.ReadAll(r.Body)
	text := string(b)
	assert.Contains(t, text, `onboard_requests_total{call="create",code="OK",tenant="alphalearn"} 5`)
	assert.Contains(t, text, `onboard_people_total{status="created",tenant="alphalearn"} 5`)
	assert.Contains(t, text, `onboard_people_total{status="invalid",tenant="alphalearn"} 6`)
	assert.Contains(t, text, "onboard_token_wait_seconds_total")
	assert.NotContains(t, text, "acmelearning", "no roster cell")

	_, _, err = serveMetrics(addr.String(), s.srv.metrics, io.Discard)
	assert.ErrorContains(t, err, "--metrics "+addr.String(), "a taken address is one line")
}
