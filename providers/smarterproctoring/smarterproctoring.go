// Package smarterproctoring is the SmarterProctoring (SmarterServices)
// vendor: POST /v1/installs/{installSid}/users with a `token` header
// (vendor doc 000_8bae19fd786bf9d1.txt, Swagger body Model26). It brings the
// schema, the client, the error mapping and a simulator together and
// registers them as "smarterproctoring".
package smarterproctoring

import "github.com/onboard/onboard/providers"

// Credential env var names.
const (
	envToken      = "ONBOARD_TOKEN"
	envInstallSID = "ONBOARD_INSTALL_SID"
)

func init() {
	providers.Register(&providers.Registration{
		ID:             "smarterproctoring",
		Title:          "SmarterProctoring create user",
		DocFile:        "000_8bae19fd786bf9d1.txt",
		DefaultBaseURL: "https://api.smarterproctoring.com",
		Schema:         Schema,
		Credentials:    []string{envToken, envInstallSID},
		// Users live per install: the same email in two installs is two people.
		Tenant:    func(cfg providers.Config) string { return cfg.Credentials[envInstallSID] },
		New:       New,
		Simulator: NewSimulator,
	})
}
