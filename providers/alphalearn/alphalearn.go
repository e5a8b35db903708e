// Package alphalearn is the AlphaLearn LMS vendor: POST /user/create with a
// bearer JWT (vendor doc 002_c4333e8f9294071a.txt). It brings the schema,
// the client, the mapping of the vendor's 10xx codes and a simulator
// together and registers them as "alphalearn".
//
// Every answer comes in one envelope,
// {"success", "data": {"response": {"acknowledgement", "data", "error":
// {"code", "internal_message", "moreInfo"}}}}; a failure may come with
// HTTP 200 and success false, so the client judges the envelope, never the
// status alone.
package alphalearn

import "github.com/onboard/onboard/providers"

// ID is the provider id (the -p value).
const ID = "alphalearn"

// DefaultBaseURL is the API host and version. The v3 docs give
// https://api.alphalearn.com/v3; which version the /newapi/ pages belong to
// is not stated, so v2 is an assumption (configurable).
const DefaultBaseURL = "https://api.alphalearn.com/v2"

// EnvToken names the env var holding the bearer JWT (from POST
// /authorize/login; it lives 60 minutes).
const EnvToken = "ONBOARD_TOKEN"

func init() {
	providers.Register(&providers.Registration{
		ID:             ID,
		Title:          "AlphaLearn LMS user create",
		DocFile:        "002_c4333e8f9294071a.txt",
		DefaultBaseURL: DefaultBaseURL,
		Schema:         Schema,
		Credentials:    []string{EnvToken},
		New:            New,
		Simulator:      NewSimulator,
	})
}
