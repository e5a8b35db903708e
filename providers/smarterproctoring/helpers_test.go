package smarterproctoring

import (
	"encoding/json"
	"github.com/onboard/onboard/providers"
	"net/http"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
)

const (
	testToken   = "test-token-5f1c"
	testInstall = "AI0123456789abcdef0123456789abcdef"
)

// ctx bounds a test's requests.
var ctx = providertest.Context

// Client is what the vendor file's client offers for SmarterProctoring.
type Client interface {
	providers.Client
	providers.Finder
	providers.Updater
}

func testClient(t *testing.T, base string) Client {
	t.Helper()
	return providertest.NewClient[Client](t, New, base, map[string]string{envToken: testToken, envInstallSID: testInstall})
}

// simEnv is a simulator on loopback and a client with its credentials.
type simEnv struct {
	srv *sim.Server
	url string
	c   Client
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	srv := NewSimulator(sim.Options{})
	url := providertest.Serve(t, srv.Handler)
	return &simEnv{srv: srv, url: url, c: providertest.NewClient[Client](t, New, url, srv.Credentials)}
}

// do sends a raw request to the simulator and decodes the JSON answer.
func (e *simEnv) do(t *testing.T, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("token", token)
	}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	status, header, b := providertest.Send(t, method, e.url+path, h, body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return status, header, out
}
