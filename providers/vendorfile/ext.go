package vendorfile

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// The Go extensions a vendor file may name: wire quirks that data cannot
// say. Vendor packages register theirs in init; a file naming anything
// else is refused by the checker.
var (
	extMu   sync.RWMutex
	checks  = map[string]func(string) string{}
	warns   = map[string]func(string) string{}
	readers = map[string]ErrorReader{}
	encs    = map[string]func(any) any{}
	rules   = map[string]func(*schema.Schema) schema.Rule{}
	flows   = map[string]AuthFlow{}
	protos  = map[string]Protocol{}
)

// AuthFlow makes the headers of every request from the credentials: a
// token exchange, say. It is built once per client.
type AuthFlow func(cfg providers.Config, baseURL string) (func(ctx context.Context) (http.Header, error), error)

// RegisterCheck names a value check for fields' check: key (a look-ahead
// password rule RE2 cannot say). It returns a message naming the expected
// form, "" when the value is fine.
func RegisterCheck(name string, f func(string) string) { reg(checks, name, f) }

// RegisterWarn names a plausibility check for fields' warn: key: a value
// it flags is valid and sent, with a warning on the row.
func RegisterWarn(name string, f func(string) string) { reg(warns, name, f) }

// ErrorReader reads a vendor's error body that pointers cannot (ASP.NET's
// ModelState): the message for the results sheet and the field it names
// ("" for none).
type ErrorReader func(body []byte, s *schema.Schema) (message, field string)

// RegisterErrorReader names an error reader for errors: {go: NAME}.
func RegisterErrorReader(name string, f ErrorReader) { reg(readers, name, f) }

// RegisterEncoder names a wire encoder for fields' encode: key (bksb's
// date object): it turns the Record's typed value into the body's value.
func RegisterEncoder(name string, f func(any) any) { reg(encs, name, f) }

// RegisterRule names a rule across fields for rules' go: key.
func RegisterRule(name string, f func(*schema.Schema) schema.Rule) { reg(rules, name, f) }

// RegisterAuth names an auth flow for auth: {type: go, flow: NAME}.
func RegisterAuth(name string, f AuthFlow) { reg(flows, name, f) }

func reg[T any](m map[string]T, name string, f T) {
	extMu.Lock()
	defer extMu.Unlock()
	if _, dup := m[name]; dup {
		panic("vendorfile: extension registered twice: " + name)
	}
	m[name] = f
}

func lookupExt[T any](m map[string]T, name string) (T, bool, []string) {
	extMu.RLock()
	defer extMu.RUnlock()
	f, ok := m[name]
	var names []string
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return f, ok, names
}

// Protocol is a wire protocol compiled into onboard that a file can name
// (protocol: scim2): the file gives the schema, credentials and base URL,
// the protocol speaks the wire (a SCIM client, say) and may bring its own
// simulator (nil: the one derived from the file).
type Protocol struct {
	New       func(v *Vendor, cfg providers.Config) (providers.Client, error)
	Simulator func(v *Vendor, opt sim.Options) *sim.Server
	// Modes are the simulator's named deviations (sim.Options.Mode), the
	// default first.
	Modes []string
	// Fields are the only field names the wire can send (nil: any): a
	// file's other field is refused where it is defined.
	Fields []string
	// Check reports what else the protocol needs of a file (its key, its
	// auth), each problem at the protocol: key; nil for none.
	Check func(v *Vendor) []string
}

// RegisterProtocol names a protocol for the protocol: key.
func RegisterProtocol(name string, p Protocol) { reg(protos, name, p) }
