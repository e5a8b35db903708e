// Package bksb is the bksb Live 2 vendor (bksb Ltd's functional-skills
// platform): POST api/users/createUser, an ASP.NET Web API with HTTP Basic
// auth from an API access key (vendor doc 003_239d885ff25c9776.txt). Its
// contract is the vendor file vendor.yaml, compiled by
// providers/vendorfile; this package keeps the Go parts the file names
// (the date object, the birth-date warning, the ModelState reader) and the
// hand-written simulator, the reference the file is tested against.
package bksb

import (
	_ "embed"

	"github.com/onboard/onboard/providers"
)

// Credential env var names: the "API Access Key ID" and "Secret Access Key"
// an organisation admin creates under Admin Options → API Access Keys.
const (
	envKeyID  = "ONBOARD_KEY_ID"
	envSecret = "ONBOARD_SECRET"
)

//go:embed vendor.yaml
var vendorFile []byte

var vendor = compile()

// Schema is bksb's AddUserRequest, PascalCase as documented (vendor.yaml).
var Schema = vendor.Schema

// New builds a client from ONBOARD_KEY_ID and ONBOARD_SECRET.
func New(cfg providers.Config) (providers.Client, error) { return vendor.New(cfg) }

// The hand-written simulator is the reference the derived ones are tested against.
func init() { vendor.RegisterBuiltin(NewSimulator) }
