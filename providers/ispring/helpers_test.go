package ispring

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
)

// testTimeout bounds every request: loopback servers answer at once.
const testTimeout = 5 * time.Second

const (
	testToken = "test-token-9c2e"
	testDept  = "8a4f1c2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"
	testDept2 = "9b5a2d3f-6c7e-4f8a-8b1c-2d3e4f5a6b7c"
	testGroup = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	testRole  = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	testRole2 = "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"
	testUser  = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
)

// captured is one request a scripted server saw.
type captured struct {
	Method, Path string
	Query        map[string][]string
	Header       http.Header
	Raw          string
	Body         map[string]any
}

// reply is one scripted answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// scripted is a server that records requests and answers them with replies
// in turn (the last one repeats).
type scripted struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []captured
	replies []reply
}

func newScripted(t *testing.T, replies ...reply) *scripted {
	t.Helper()
	require.NotEmpty(t, replies)
	s := &scripted{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := captured{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Raw: string(b)}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.UseNumber()
			_ = d.Decode(&c.Body)
		}
		s.mu.Lock()
		rp := s.replies[min(len(s.reqs), len(s.replies)-1)]
		s.reqs = append(s.reqs, c)
		s.mu.Unlock()
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// requests returns what the server saw.
func (s *scripted) requests() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.reqs...)
}

func testConfig(base string, creds map[string]string) providers.Config {
	return providers.Config{BaseURL: base, Credentials: creds, HTTP: &http.Client{Timeout: testTimeout}}
}

// tokenClient is a client with a ready token.
func tokenClient(t *testing.T, base string) *Client {
	t.Helper()
	c, err := New(testConfig(base, map[string]string{EnvToken: testToken}))
	require.NoError(t, err)
	return c.(*Client)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return c
}
