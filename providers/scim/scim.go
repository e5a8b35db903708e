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
// The contract (the fields, their aliases, the key, the credentials and
// the base URL's setting) is vendor.yaml, which names this package's wire
// as the protocol scim2. A file copied from it under another id (one SCIM
// platform, its own credential names and required fields) gets the same
// client and simulator with no Go: -p ./slack-scim.yaml.
//
// A SCIM service has no one production host: the base URL (ending before
// /Users) comes from --base-url or ONBOARD_SCIM_URL, the bearer token from
// ONBOARD_SCIM_TOKEN. The token has its own name, so that another vendor's
// ONBOARD_TOKEN left in the environment never travels to a SCIM host.
package scim

import "github.com/onboard/onboard/providers"

// Credential env var names of the built-in file.
const (
	// EnvToken is the bearer token.
	EnvToken = "ONBOARD_SCIM_TOKEN"
	// EnvBaseURL is the SCIM base URL, for runs without --base-url.
	EnvBaseURL = "ONBOARD_SCIM_URL"
)

// ID is the -p value.
const ID = "scim"

// Protocol is the name a vendor file gives this package's wire.
const Protocol = "scim2"

func init() {
	providers.Register(vendor.Registration())
}
