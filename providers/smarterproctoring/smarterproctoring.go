// Package smarterproctoring is the SmarterProctoring vendor: POST
// /v1/installs/{installSid}/users with a token header (vendor doc
// 000_8bae19fd786bf9d1.txt). Its contract is the vendor file vendor.yaml,
// compiled by providers/vendorfile; this package keeps the password rule
// (a Go check the file names, smarterproctoring_password) and the
// hand-written simulator, the reference the file is tested against.
package smarterproctoring

import (
	_ "embed"

	"github.com/onboard/onboard/providers"
)

// Credential env var names.
const (
	envToken      = "ONBOARD_TOKEN"
	envInstallSID = "ONBOARD_INSTALL_SID"
)

//go:embed vendor.yaml
var vendorFile []byte

var vendor = compile()

// Schema is SmarterProctoring's create-user body (Model26), from
// vendor.yaml, including the misspelt "exernalId".
var Schema = vendor.Schema

// New builds a client from ONBOARD_TOKEN and ONBOARD_INSTALL_SID.
func New(cfg providers.Config) (providers.Client, error) { return vendor.New(cfg) }

// The hand-written simulator is the reference the derived ones are tested against.
func init() { vendor.RegisterBuiltin(NewSimulator) }
