// Package bksb is the bksb Live 2 vendor (bksb Ltd's functional-skills
// platform): POST api/users/createUser, an ASP.NET Web API with HTTP Basic
// auth from an API access key (vendor doc 003_239d885ff25c9776.txt). It
// brings the schema, the client, the error mapping and a simulator together
// and registers them as "bksb".
package bksb

import "github.com/onboard/onboard/providers"

// Credential env var names: the "API Access Key ID" and "Secret Access Key"
// an organisation admin creates under Admin Options → API Access Keys.
const (
	envKeyID  = "ONBOARD_KEY_ID"
	envSecret = "ONBOARD_SECRET"
)

func init() {
	providers.Register(&providers.Registration{
		ID:             "bksb",
		Title:          "bksb Live 2 create user",
		DocFile:        "003_239d885ff25c9776.txt",
		DefaultBaseURL: "https://live2api.bksblive2.co.uk",
		Schema:         Schema,
		Credentials:    []string{envKeyID, envSecret},
		New:            New,
		Simulator:      NewSimulator,
	})
}
