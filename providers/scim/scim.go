// Package scim is the SCIM 2.0 profile (RFC 7643 core User and enterprise
// extension, RFC 7644 protocol): one client for every SCIM service
// provider (Slack, Zoom, GitHub EMU, Atlassian, Salesforce, …), registered
// as "scim".
//
// What it sends and reads:
//   - create: POST {base}/Users, Content-Type application/scim+json, the
//     User resource built from the row; the created ID is the answer's "id".
//   - lookup: GET {base}/Users?filter=userName eq "…" (the value escaped as
//     a JSON string, RFC 7644 §3.4.2.2), then the ListResponse's Resources
//     compared on userName ignoring case (caseExact is false, RFC 7643
//     §4.1.1): the filter alone is not trusted.
//   - "already exists": 409 (RFC 7644 §3.3), or 400 with scimType
//     "uniqueness" as several servers answer; the pool confirms it with the
//     lookup before adopting.
//   - update: PATCH {base}/Users/{id} with a PatchOp of replace operations
//     (RFC 7644 §3.5.2), when /ServiceProviderConfig does not say patch is
//     unsupported.
//
// A SCIM service has no one production host: the base URL (ending before
// /Users) comes from --base-url or ONBOARD_SCIM_URL, the bearer token from
// ONBOARD_SCIM_TOKEN. The token has its own name, so that another vendor's
// ONBOARD_TOKEN left in the environment never travels to a SCIM host.
package scim

import "github.com/onboard/onboard/providers"

// Credential env var names.
const (
	// EnvToken is the bearer token.
	EnvToken = "ONBOARD_SCIM_TOKEN"
	// EnvBaseURL is the SCIM base URL, for runs without --base-url.
	EnvBaseURL = "ONBOARD_SCIM_URL"
)

// ID is the -p value.
const ID = "scim"

func init() {
	providers.Register(Registration())
}

// Registration returns a new registration of the SCIM profile, for the
// registry and for a vendor file that names the profile under another id.
func Registration() *providers.Registration {
	return &providers.Registration{
		ID:          ID,
		Title:       "SCIM 2.0 service provider",
		DocFile:     "RFC 7643, RFC 7644",
		BaseURLEnv:  EnvBaseURL,
		Schema:      Schema,
		Credentials: []string{EnvToken},
		New:         New,
		Simulator:   NewSimulator,
		SimModes:    Modes,
	}
}
