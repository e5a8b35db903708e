package providertest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

// Context is the test's context, bounded by Timeout.
func Context(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// Config is a client config for a vendor at base with creds, its requests
// bounded by Timeout.
func Config(base string, creds map[string]string) providers.Config {
	return providers.Config{BaseURL: base, Credentials: creds, HTTP: &http.Client{Timeout: Timeout}}
}

// NewClient builds a vendor's client with newClient (the vendor's New) for
// base and creds and returns it as the vendor's own type C, failing the
// test when New fails.
func NewClient[C providers.Client](t *testing.T, newClient func(providers.Config) (providers.Client, error), base string, creds map[string]string) C {
	t.Helper()
	c, err := newClient(Config(base, creds))
	require.NoError(t, err, "New")
	cc, ok := c.(C)
	require.True(t, ok, "New returned a %T", c)
	return cc
}

// CheckNew builds a client with newClient (the vendor's New) from creds.
// With wantErr "" New must succeed; otherwise its error must contain
// wantErr (the env var to set) and none of the credential values.
func CheckNew(t *testing.T, newClient func(providers.Config) (providers.Client, error), creds map[string]string, wantErr string) {
	t.Helper()
	c, err := newClient(Config("http://127.0.0.1:1", creds))
	if wantErr == "" {
		require.NoError(t, err)
		assert.NotNil(t, c)
		return
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), wantErr)
	for k, v := range creds {
		if v != "" {
			assert.NotContains(t, err.Error(), v, "the error must not show %s", k)
		}
	}
}

// Serve serves h over loopback until the test ends and returns its URL.
func Serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// Send sends one raw request (to drive a simulator as a client would not)
// and returns the answer's status, header and body.
func Send(t *testing.T, method, url string, header http.Header, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(Context(t), method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Timeout: Timeout}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

// VendorError asserts that err is a *providers.Error with code and returns
// it for further checks.
func VendorError(t *testing.T, err error, code providers.Code) *providers.Error {
	t.Helper()
	require.Error(t, err, "want %s", code)
	var pe *providers.Error
	require.ErrorAs(t, err, &pe, "errors must be *providers.Error")
	assert.Equal(t, code, pe.Code, "error: %v", err)
	return pe
}
