// Package smartapp onboards users into Smartapp.com with POST /user/create
// (vendor doc 004). Its contract is the vendor file vendor.yaml, compiled
// by providers/vendorfile; this package keeps the hand-written simulator,
// the reference the file is tested against. Its quirks: 401 means
// "Insufficient user licences" (LICENSE_EXHAUSTED), 402 means the email
// exists (ALREADY_EXISTS), and the doc shows no auth scheme, so a bearer
// token and 403 for a bad one are assumptions.
package smartapp

import (
	_ "embed"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
)

// DefaultBaseURL is assumed: the doc does not name the API host.
const DefaultBaseURL = "https://api.smartapp.com"

// TokenEnv is the env var holding the bearer token.
const TokenEnv = "ONBOARD_TOKEN"

// Licence types, as the create call spells them. The user object that get
// and list return spells them with a space ("Licenced User").
const (
	LicencedUser         = "LicencedUser"
	TransactionBasedUser = "TransactionBasedUser"
)

// Paths the simulator serves (vendor.yaml's create and find).
const (
	createPath = "/user/create"
	listPath   = "/user/list"
)

//go:embed vendor.yaml
var vendorFile []byte

var vendor = vendorfile.MustParse("providers/smartapp/vendor.yaml", vendorFile)

// Schema is the POST /user/create body, from vendor.yaml.
var Schema = vendor.Schema

// New returns a client for cfg; the token comes from ONBOARD_TOKEN.
func New(cfg providers.Config) (providers.Client, error) { return vendor.New(cfg) }

// The hand-written simulator is the reference the derived ones are tested against.
func init() { vendor.RegisterBuiltin(NewSimulator) }
