package scim

import (
	_ "embed"
	"fmt"
	"slices"

	"github.com/onboard/onboard/providers/vendorfile"
)

// Schema URNs (RFC 7643 §8.7.1, §4.3; RFC 7644 §3.5.2, §3.4.2, §3.12).
const (
	urnUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	urnPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	urnList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	urnSPC        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

//go:embed vendor.yaml
var vendorFile []byte

// vendor is the compiled vendor.yaml, the built-in "scim".
var vendor = compile()

// Schema is the row contract of a SCIM User (vendor.yaml). Only userName
// is required: it is the one attribute RFC 7643 requires (§4.1.1). Field
// names are the SCIM attribute names, flattened; where each goes in the
// User resource is userResource's business.
var Schema = vendor.Schema

// compile registers the protocol scim2, then compiles the built-in file.
func compile() *vendorfile.Vendor {
	vendorfile.RegisterProtocol(Protocol, vendorfile.Protocol{
		New:       clientOf,
		Simulator: newSimulator,
		Modes:     Modes,
		Fields:    attributes,
		Check:     checkFile,
	})
	return vendorfile.MustParse("providers/scim/vendor.yaml", vendorFile)
}

// attributes are the fields the wire can send, in the User's order.
var attributes = []string{"userName", "givenName", "familyName", "displayName", "email", "phone", "title",
	"externalId", "active", "employeeNumber", "department", "manager"}

// checkFile is what scim2 needs of a file beyond its fields: the lookup
// and the duplicate answer are about userName, and the token is a bearer
// token from one declared credential.
func checkFile(v *vendorfile.Vendor) []string {
	var out []string
	if !slices.Equal(v.Schema.Key, []string{"userName"}) {
		out = append(out, fmt.Sprintf("key must be [userName] (the lookup filters on userName eq …), not %v", v.Schema.Key))
	}
	if f := v.Schema.Field("userName"); f == nil || !f.Required {
		out = append(out, "the field userName must be defined and required: true (RFC 7643 §4.1.1)")
	}
	if v.BearerEnv() == "" {
		out = append(out, `want auth: {type: bearer, token: "${env.NAME}"} with NAME declared under credentials:`)
	}
	return out
}
