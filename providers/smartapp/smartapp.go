// Package smartapp onboards users into Smartapp.com with POST /user/create
// (vendor doc 004). Its quirks: 401 means "Insufficient user licences"
// (LICENSE_EXHAUSTED), 402 means the email exists (ALREADY_EXISTS), and the
// doc shows no auth scheme, so a bearer token and 403 for a bad one are
// assumptions.
package smartapp

import "github.com/onboard/onboard/providers"

// DefaultBaseURL is assumed: the doc does not name the API host.
const DefaultBaseURL = "https://api.smartapp.com"

func init() {
	providers.Register(&providers.Registration{
		ID:             "smartapp",
		Title:          "Smartapp.com user create",
		DocFile:        "004_b1908acbe7b28364.txt",
		DefaultBaseURL: DefaultBaseURL,
		Schema:         Schema,
		Credentials:    []string{TokenEnv},
		New:            New,
		Simulator:      NewSimulator,
	})
}
