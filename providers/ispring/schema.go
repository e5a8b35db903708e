package ispring

import (
	_ "embed"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

//go:embed vendor.yaml
var vendorFile []byte

// vendor is the compiled vendor.yaml: the addUser contract of doc 001.
var vendor = compile()

// Schema is the addUser contract of doc 001, field names as the doc spells
// them (vendor.yaml). Profile fields (login, email, first_name, last_name,
// phone) travel inside the REST body's "fields" object; groups travels as
// "groupIds".
var Schema = vendor.Schema

var fields = Schema.Fields

// protoNew and protoSim are New and NewSimulator, set in init: the
// protocol is registered while the file compiles, before they (which read
// the schema) may be referred to.
var (
	protoNew func(providers.Config) (providers.Client, error)
	protoSim func(sim.Options) *sim.Server
)

// compile registers the Go parts the file names (the roles check, the role
// rules, the REST protocol), then compiles the file.
func compile() *vendorfile.Vendor {
	vendorfile.RegisterCheck("ispring_role_item", checkRoleItem)
	vendorfile.RegisterRule("ispring_role", func(*schema.Schema) schema.Rule { return roleRule })
	vendorfile.RegisterRule("ispring_roles", func(*schema.Schema) schema.Rule { return rolesRule })
	vendorfile.RegisterProtocol("ispring_rest", vendorfile.Protocol{
		New:       func(_ *vendorfile.Vendor, cfg providers.Config) (providers.Client, error) { return protoNew(cfg) },
		Simulator: func(_ *vendorfile.Vendor, opt sim.Options) *sim.Server { return protoSim(opt) },
	})
	return vendorfile.MustParse("providers/ispring/vendor.yaml", vendorFile)
}

// profileFields are the Schema fields that go inside the REST "fields"
// object.
var profileFields = []string{"login", "email", "first_name", "last_name", "phone"}
