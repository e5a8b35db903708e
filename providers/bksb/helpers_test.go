package bksb

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
)

const (
	testKeyID  = "AKID-test-7"
	testSecret = "secret-test-0b5e"
)

// ctx bounds a test's requests.
var ctx = providertest.Context

// Client is what the vendor file's client offers for bksb.
type Client interface {
	providers.Client
	providers.Finder
}

func client(t *testing.T, base string) Client {
	t.Helper()
	return providertest.NewClient[Client](t, New, base, map[string]string{envKeyID: testKeyID, envSecret: testSecret})
}

// simulated is a simulator on loopback and a client with its credentials.
func simulated(t *testing.T) (*sim.Server, string, Client) {
	t.Helper()
	srv := NewSimulator(sim.Options{})
	url := providertest.Serve(t, srv.Handler)
	return srv, url, providertest.NewClient[Client](t, New, url, srv.Credentials)
}

// call sends a raw request and decodes the JSON answer into out.
func call(t *testing.T, method, url, keyID, secret, contentType, body string, out any) int {
	t.Helper()
	h := http.Header{}
	if keyID != "" {
		h = providers.Basic(keyID, secret)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	status, _, b := providertest.Send(t, method, url, h, body)
	_ = json.Unmarshal(b, out)
	return status
}
