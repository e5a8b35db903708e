package bksb

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// testTimeout bounds every request: loopback servers answer at once.
const testTimeout = 5 * time.Second

const (
	testKeyID  = "AKID-test-7"
	testSecret = "secret-test-0b5e"
)

// seen is one request a scripted server received.
type seen struct {
	method, path, query string
	header              http.Header
	body                map[string]any // numbers as json.Number
}

// scriptedServer answers every request with status and body and sends what
// it received on the returned channel (buffered; tests make one request).
func scriptedServer(t *testing.T, status int, header map[string]string, body string) (string, <-chan seen) {
	t.Helper()
	got := make(chan seen, 4)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone()}
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		_ = d.Decode(&s.body)
		got <- s
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, got
}

func received(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(testTimeout):
		require.FailNow(t, "no request arrived")
		return seen{}
	}
}

func config(base string, creds map[string]string) providers.Config {
	return providers.Config{BaseURL: base, Credentials: creds, HTTP: &http.Client{Timeout: testTimeout}}
}

func client(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(config(base, map[string]string{envKeyID: testKeyID, envSecret: testSecret}))
	require.NoError(t, err)
	return c.(*Client)
}

// simulated is a simulator on loopback and a client with its credentials.
func simulated(t *testing.T) (*sim.Server, string, *Client) {
	t.Helper()
	srv := NewSimulator(sim.Options{})
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	c, err := New(config(ts.URL, srv.Credentials))
	require.NoError(t, err)
	return srv, ts.URL, c.(*Client)
}

// call sends a raw request and decodes the JSON answer into out.
func call(t *testing.T, method, url, keyID, secret, contentType, body string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if keyID != "" {
		req.SetBasicAuth(keyID, secret)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Timeout: testTimeout}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return c
}
