// Package alphalearn is the AlphaLearn LMS vendor: POST /user/create with a
// bearer JWT (vendor doc 002_c4333e8f9294071a.txt). Its contract (schema,
// request, the 10xx error table, the lookup) is the vendor file
// vendor.yaml, compiled by providers/vendorfile; this package keeps the
// hand-written simulator, the reference the file is tested against.
//
// Every answer comes in one envelope,
// {"success", "data": {"response": {"acknowledgement", "data", "error":
// {"code", "internal_message", "moreInfo"}}}}; a failure may come with
// HTTP 200 and success false, so the file judges the envelope, never the
// status alone.
package alphalearn

import (
	_ "embed"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
)

// ID is the provider id (the -p value).
const ID = "alphalearn"

// DefaultBaseURL is the API host and version (vendor.yaml's base_url).
const DefaultBaseURL = "https://api.alphalearn.com/v2"

// EnvToken names the env var holding the bearer JWT (from POST
// /authorize/login; it lives 60 minutes).
const EnvToken = "ONBOARD_TOKEN"

//go:embed vendor.yaml
var vendorFile []byte

// vendor is the compiled vendor file.
var vendor = vendorfile.MustParse("providers/alphalearn/vendor.yaml", vendorFile)

// Schema is the user-create contract of doc 002, from vendor.yaml.
var Schema = vendor.Schema

// New builds a client from cfg; ONBOARD_TOKEN is the bearer JWT.
func New(cfg providers.Config) (providers.Client, error) { return vendor.New(cfg) }

// pageSize is user-list's maximum count (the simulator's limit).
const pageSize = 50

// The hand-written simulator is the reference the derived ones are tested against.
func init() { vendor.RegisterBuiltin(NewSimulator) }
