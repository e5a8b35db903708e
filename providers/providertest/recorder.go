package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Answer is one scripted answer of a Recorder.
type Answer struct {
	Status int
	// Header is set on the answer; Content-Type defaults to
	// application/json; charset=utf-8.
	Header map[string]string
	Body   string
}

// Request is one request a Recorder saw, for wire-format checks.
type Request struct {
	Method, Path, RawQuery string
	URI                    string // path and query as sent
	Query                  url.Values
	Header                 http.Header
	Raw                    string // the body as sent
	// Body is Raw decoded as a JSON object with numbers as json.Number, so
	// that 33 and "33" stay apart; nil when Raw is not a JSON object.
	Body map[string]any
}

// Recorder is a loopback server standing in for a vendor: it records every
// request and answers them with its answers in turn, the last one
// repeating.
type Recorder struct {
	URL     string
	answers []Answer

	mu   sync.Mutex
	reqs []Request
}

// NewRecorder starts a Recorder that answers with answers (at least one);
// it is closed when the test ends.
func NewRecorder(t *testing.T, answers ...Answer) *Recorder {
	t.Helper()
	require.NotEmpty(t, answers, "a Recorder needs an answer")
	rec := &Recorder{answers: answers}
	ts := httptest.NewServer(http.HandlerFunc(rec.serve))
	t.Cleanup(ts.Close)
	rec.URL = ts.URL
	return rec
}

func (rec *Recorder) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, URI: r.URL.RequestURI(), Query: r.URL.Query(),
		Header: r.Header.Clone(), Raw: string(b)}
	if len(b) > 0 {
		d := json.NewDecoder(strings.NewReader(req.Raw))
		d.UseNumber()
		if d.Decode(&req.Body) != nil {
			req.Body = nil
		}
	}
	rec.mu.Lock()
	a := rec.answers[min(len(rec.reqs), len(rec.answers)-1)]
	rec.reqs = append(rec.reqs, req)
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// Requests returns the requests seen so far, in order.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Only returns the one request seen; any other count fails the test.
func (rec *Recorder) Only(t *testing.T) Request {
	t.Helper()
	reqs := rec.Requests()
	require.Len(t, reqs, 1, "exactly one request")
	return reqs[0]
}
