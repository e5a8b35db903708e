package alphalearn

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// testTimeout bounds every request: loopback servers answer at once.
const testTimeout = 5 * time.Second

const testToken = "test-jwt-4e1a"

// captured is one request a scripted server saw.
type captured struct {
	Method, Path string
	Query        map[string][]string
	Header       http.Header
	Raw          string
}

// reply is one scripted answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// scripted records requests and answers them with replies in turn (the
// last one repeats).
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
		s.mu.Lock()
		rp := s.replies[min(len(s.reqs), len(s.replies)-1)]
		s.reqs = append(s.reqs, captured{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Raw: string(b)})
		s.mu.Unlock()
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) requests() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.reqs...)
}

func testConfig(base string, creds map[string]string) providers.Config {
	return providers.Config{BaseURL: base, Credentials: creds, HTTP: &http.Client{Timeout: testTimeout}}
}

func testClient(t *testing.T, base string) *Client {
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

// failure is the failure envelope the simulator (and, presumably, the
// vendor) answers.
func failure(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"success": false, "data": map[string]any{"response": map[string]any{
		"acknowledgement": "Failure", "data": map[string]any{},
		"error": map[string]any{"code": code, "internal_message": msg, "moreInfo": []any{}}}}})
	return string(b)
}

// good is a valid record.
func good() schema.Record {
	return schema.Record{"title": "Ms", "firstName": "Ananya", "lastName": "Rao", "email": "ananya.rao@example.com",
		"userCanChoosePassword": int64(0), "roleId": int64(3)}
}
