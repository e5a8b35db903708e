package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collector is a host that must never hear from us.
type collector struct {
	mu   sync.Mutex
	reqs []string
	srv  *httptest.Server
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.reqs = append(c.reqs, r.Method+" "+r.URL.String()+" token="+r.Header.Get("Token")+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		c.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

func TestRedirectOffTheHostIsNotFollowed(t *testing.T) {
	evil := newCollector(t)
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range []string{
			evil.srv.URL + "/v1/users",                                 // another port
			strings.Replace(evil.srv.URL, "127.0.0.1", "localhost", 1), // another host name
			"https://" + strings.TrimPrefix(evil.srv.URL, "http://"),   // another scheme
		} {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				http.Redirect(w, r, target+"?token=s3cret", status)
			}))
			hdr := http.Header{"Token": {"tok-SECRET"}, "Authorization": {"Bearer tok-SECRET"}}
			for _, hc := range []*http.Client{nil, NewHTTPClient(HTTPOptions{}), srv.Client()} {
				_, err := Do(t.Context(), hc, http.MethodPost, srv.URL+"/v1/users", hdr, map[string]string{"password": "pw-SECRET"})
				var pe *Error
				require.True(t, errors.As(err, &pe), "%d to %s: %v", status, target, err)
				assert.Equal(t, VendorRejected, pe.Code)
				assert.Equal(t, status, pe.Status)
				assert.False(t, pe.Sent, "a redirect answer created nobody")
				assert.Contains(t, pe.Message, "redirect to ")
				assert.NotContains(t, pe.Message, "s3cret", "the location's query is not repeated")
			}
			srv.Close()
			assert.EqualValues(t, 3, hits.Load())
		}
	}
	assert.Empty(t, evil.seen(), "the other host never got a request, a token or a body")
}

func TestRedirectOnTheSameHostIsFollowed(t *testing.T) {
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("Token")+" "+string(b))
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := Do(t.Context(), nil, http.MethodPost, srv.URL+"/old", http.Header{"Token": {"t"}}, map[string]string{"a": "b"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.Status)
	assert.Equal(t, []string{`t {"a":"b"}`}, got)
}

func TestTLSIsAlwaysVerified(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	defer srv.Close()
	for _, hc := range []*http.Client{nil, NewHTTPClient(HTTPOptions{})} {
		_, err := Do(t.Context(), hc, http.MethodGet, srv.URL, nil, nil)
		require.Error(t, err, "a self-signed certificate is refused")
		assert.Contains(t, err.Error(), "certificate")
	}
}

func TestEveryCallHasADeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a vendor that never answers
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := NewHTTPClient(HTTPOptions{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := Do(context.Background(), hc, http.MethodPost, srv.URL, nil, map[string]string{})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	var pe *Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, NetworkError, pe.Code)
	assert.True(t, pe.Sent, "the request was written: the outcome is unknown")

	tr := hc.Transport.(*http.Transport)
	assert.Equal(t, 300*time.Millisecond, tr.ResponseHeaderTimeout)
	assert.Equal(t, 300*time.Millisecond, hc.Timeout)
	assert.Equal(t, 300*time.Millisecond, tr.TLSHandshakeTimeout)
	assert.True(t, tr.TLSClientConfig == nil || !tr.TLSClientConfig.InsecureSkipVerify, "no InsecureSkipVerify anywhere")
	d := NewHTTPClient(HTTPOptions{})
	assert.Equal(t, DefaultTimeout, d.Timeout)
	assert.Equal(t, 10*time.Second, d.Transport.(*http.Transport).TLSHandshakeTimeout)
}

func TestDefaultHTTPClientIsShared(t *testing.T) {
	assert.Same(t, DefaultHTTPClient(), DefaultHTTPClient(), "one pooled client, never one per request")
	assert.Same(t, DefaultHTTPClient(), Config{}.HTTPClient())
}

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		in       string
		insecure bool
		err      string // "" for accepted
	}{
		{"https://api.vendor.com", false, ""},
		{"https://api.vendor.com:8443/base/", false, ""},
		{"http://127.0.0.1:8080", false, ""},
		{"http://127.9.9.9", false, ""},
		{"http://localhost:3000", false, ""},
		{"http://LOCALHOST", false, ""},
		{"http://[::1]:9", false, ""},
		{"http://api.vendor.com", false, "plain http://"},
		{"http://10.0.0.5", false, "plain http://"},
		{"http://api.vendor.com", true, ""},
		{"api.vendor.com", false, "no scheme"},
		{"//api.vendor.com", false, "no scheme"},
		{"ftp://api.vendor.com", false, "not supported"},
		{"https://", false, "no host"},
		{"https:///path", false, "no host"},
		{"https://user:pw@api.vendor.com", false, "user name or password"},
		{"https://exa mple.com", false, "is not a URL: write it as https://HOST"},
		// Go's words ("first path segment in URL cannot contain colon")
		// become onboard's.
		{"127.0.0.1:8080", false, `"127.0.0.1:8080": no scheme; write https://127.0.0.1:8080`},
		{"http://a:b:c", false, "is not a URL: write it as https://HOST, https://HOST:PORT"},
	}
	for _, tt := range tests {
		err := CheckBaseURL(tt.in, tt.insecure)
		if tt.err == "" {
			assert.NoError(t, err, tt.in)
			continue
		}
		if assert.Error(t, err, tt.in) {
			assert.Contains(t, err.Error(), tt.err, tt.in)
			assert.NotContains(t, err.Error(), ":pw@", "no password echoed")
			assert.NotContains(t, err.Error(), "first path segment", tt.in)
		}
	}
}
