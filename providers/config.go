package providers

import (
	"fmt"
	"net/http"
)

// Need is a credential a client cannot do without: its env var and what
// to set it to, for the error when it is missing.
type Need struct {
	Env  string // "ONBOARD_TOKEN"
	What string // "the API token from your account manager"
}

// Require returns the values of needs from c.Credentials, in order. The
// first one unset or empty is an error that names its env var and says
// what it is, never showing a value: "bksb: ONBOARD_SECRET is not set
// (the Secret Access Key of that API access key)".
func (c Config) Require(vendor string, needs ...Need) ([]string, error) {
	values := make([]string, len(needs))
	for i, n := range needs {
		values[i] = c.Credentials[n.Env]
		if values[i] == "" {
			return nil, fmt.Errorf("%s: %s is not set (%s)", vendor, n.Env, n.What)
		}
	}
	return values, nil
}

// HTTPClient returns c.HTTP, or DefaultHTTPClient when it is nil, for a
// client that keeps one for all its requests.
func (c Config) HTTPClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return DefaultHTTPClient()
}

// BaseURLOr returns c.BaseURL, or def (the vendor's production host) when
// it is empty.
func (c Config) BaseURLOr(def string) string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return def
}
