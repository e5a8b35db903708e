package smarterproctoring

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// testTimeout bounds every request: loopback servers answer at once.
const testTimeout = 5 * time.Second

const (
	testToken   = "test-token-5f1c"
	testInstall = "AI0123456789abcdef0123456789abcdef"
)

// captured is one request a scripted server saw.
type captured struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   map[string]any
}

// scripted is a server that records requests and answers each with a fixed
// status, headers and body.
type scripted struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []captured
}

func newScripted(t *testing.T, status int, header map[string]string, body string) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := captured{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone()}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.UseNumber() // keep the wire form: 33 vs "33"
			_ = d.Decode(&c.Body)
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, c)
		s.mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

// only returns the single request the server saw.
func (s *scripted) only(t *testing.T) captured {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.reqs, 1, "exactly one request")
	return s.reqs[0]
}

func testConfig(base string, creds map[string]string) providers.Config {
	return providers.Config{BaseURL: base, Credentials: creds, HTTP: &http.Client{Timeout: testTimeout}}
}

func testClient(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(testConfig(base, map[string]string{envToken: testToken, envInstallSID: testInstall}))
	require.NoError(t, err)
	return c.(*Client)
}

// simEnv is a simulator on loopback and a client with its credentials.
type simEnv struct {
	srv *sim.Server
	url string
	c   *Client
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	srv := NewSimulator(sim.Options{})
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	c, err := New(testConfig(ts.URL, srv.Credentials))
	require.NoError(t, err)
	return &simEnv{srv: srv, url: ts.URL, c: c.(*Client)}
}

// do sends a raw request to the simulator and decodes the JSON answer.
func (e *simEnv) do(t *testing.T, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, e.url+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: testTimeout}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return c
}
