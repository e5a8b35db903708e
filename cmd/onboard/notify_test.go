package main

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
)

// The webhook is posted through the vendor clients' HTTP client: a
// redirect to another host or port, or from https to plain http, is not
// followed (the report and the secret URL go nowhere else) and is not
// retried; a redirect on the same origin still is.
func TestNotifierFollowsNoRedirectOffTheHost(t *testing.T) {
	old := notifyBackoff
	notifyBackoff = []time.Duration{time.Millisecond, time.Millisecond}
	t.Cleanup(func() { notifyBackoff = old })

	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()

	hook := func(tlsOn bool, to func(self string) string) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
		var calls, landed atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/landed" {
				landed.Add(1)
				return
			}
			calls.Add(1)
			w.Header().Set("Location", to("https://"+r.Host))
			w.WriteHeader(http.StatusTemporaryRedirect)
		})
		if tlsOn {
			return httptest.NewTLSServer(h), &calls, &landed
		}
		return httptest.NewServer(h), &calls, &landed
	}
	tests := []struct {
		name      string
		tls       bool
		to        func(self string) string
		delivered bool
	}{
		{"another port on loopback", false, func(string) string { return other.URL + "/x" }, false},
		{"https to plain http", true, func(string) string { return other.URL + "/x" }, false},
		{"https to http on the same host and port", true, func(self string) string { return "http" + self[len("https"):] + "/landed" }, false},
		{"same origin", true, func(self string) string { return self + "/landed" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			elsewhere.Store(0)
			srv, calls, landed := hook(tt.tls, tt.to)
			defer srv.Close()
			hc := providers.NewHTTPClient(providers.HTTPOptions{Timeout: 5 * time.Second, Conns: 1})
			if tt.tls {
				// Trust the test server's certificate only; everything
				// else is the client newNotifier makes.
				hc.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
			}
			var stderr syncBuffer
			n := startNotifier(srv.URL+"/hook/s3cr3t", hc, &stderr)
			n.send(&reports.Report{File: "r.csv", Status: "done"})
			n.close(10 * time.Second)

			assert.Zero(t, elsewhere.Load(), "nothing reached another host")
			assert.Equal(t, int64(1), calls.Load(), "one call: %s", stderr.String())
			assert.NotContains(t, stderr.String(), "s3cr3t")
			if tt.delivered {
				assert.Equal(t, int64(1), landed.Load())
				assert.Empty(t, stderr.String())
				return
			}
			assert.Zero(t, landed.Load())
			require.Contains(t, stderr.String(), "not delivered")
			assert.Contains(t, stderr.String(), "redirect")
			assert.NotContains(t, stderr.String(), "retrying", "a refused redirect is not retried")
		})
	}
}

// The webhook URL must be https, or http only to this machine: the same
// loopback rule as --base-url (0.0.0.0 and :: are this host there too).
func TestNotifyURLScheme(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://hooks.example.com/x": true, "http://127.0.0.1:9/x": true, "http://localhost:9/x": true,
		"http://[::1]:9/x": true, "http://hooks.example.com/x": false, "ftp://hooks.example.com/x": false,
		"http://0.0.0.0:9/x": true, "http://[::]:9/x": true, "http://10.0.0.1:9/x": false,
	} {
		_, err := notifyURL(u, "")
		assert.Equal(t, ok, err == nil, "%s: %v", u, err)
	}
}
