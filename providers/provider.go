// Package providers holds the vendor registry: each vendor package brings its
// schema, its client, its error mapping and its simulator together and
// registers them under one id (the -p value).
//
// How to add a vendor:
//  1. Make one folder providers/<id> with schema.go (the schema.Schema from the
//     vendor's doc), client.go (a Client that speaks the documented wire
//     format), errors.go (the vendor's answers → Code) and sim.go (an
//     http.Handler that behaves as the doc says, wrapped in sim.Middleware).
//  2. Call Register from init with a Registration.
//  3. Blank-import the package in providers/all.
//  4. Add samples/<id>/ rosters and a mapping file.
package providers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// Client creates users at one vendor. Create is called concurrently by the
// worker pool and must be safe for concurrent use. It makes exactly one
// create request (no retries: the pool decides) and returns a *Error on
// any failure, including transport errors.
type Client interface {
	Create(ctx context.Context, rec schema.Record) (Created, error)
}

// Finder is implemented by clients whose vendor can look a person up. The
// pool uses it to resolve unknown outcomes (an answer lost after the request
// was sent, a row left in flight by a crash) without creating twice.
type Finder interface {
	// Find returns the vendor ID of the person with rec's unique key.
	Find(ctx context.Context, rec schema.Record) (id string, found bool, err error)
}

// Updater is implemented by clients whose vendor documents a call that
// changes an existing person (onboard run --update). The pool discovers it
// by type assertion, like Finder; a vendor without one refuses --update.
type Updater interface {
	// Updatable reports whether the update call accepts field.
	Updatable(field string) bool
	// Update sends the fields named in changed (each Updatable, each set
	// in rec) to the person with vendor ID id. rec is the whole row, for
	// a call that needs more than the changes (iSpring's fields need the
	// login and email). Like Create, it makes exactly one request and
	// returns a *Error on any failure.
	Update(ctx context.Context, id string, changed []string, rec schema.Record) error
}

// UpdateChecker is implemented by an Updater whose vendor may have its
// update call switched off (a SCIM service provider's
// ServiceProviderConfig): a run with --update asks it before the first
// row, so the refusal comes up front rather than on every changed row.
type UpdateChecker interface {
	CheckUpdate(ctx context.Context) error
}

// RowUpdateChecker is an Updater whose call needs more of the row than its
// changes: CannotUpdate says, before anything is sent, why rec cannot be
// updated ("" when it can), so such a row is reported up front and never
// refused by the vendor (a run of refusals would trip the breaker).
type RowUpdateChecker interface {
	CannotUpdate(rec schema.Record) string
}

// Created is a successful create.
type Created struct {
	ID string // the vendor's created ID, as a string
	// Extra holds other IDs worth keeping (smartapp's globalUserID).
	Extra map[string]string
}

// Config is what a client is built from. Credentials come from the
// environment or a config file, read in cmd; nothing below cmd reads the
// environment.
type Config struct {
	BaseURL     string            // vendor host; the client adds the documented path
	Credentials map[string]string // env var name → value, e.g. ONBOARD_TOKEN
	HTTP        *http.Client      // nil means a client with a sane timeout
}

// Registration ties a vendor together.
type Registration struct {
	ID      string // -p value
	Title   string // "SmarterProctoring create user"
	DocFile string // which shared vendor doc it implements
	// DefaultBaseURL is the production host.
	DefaultBaseURL string
	Schema         *schema.Schema
	// Credentials lists the env vars a client needs; alternatives are
	// separated by "|" ("ONBOARD_TOKEN|ONBOARD_CLIENT_ID+ONBOARD_CLIENT_SECRET").
	Credentials []string
	// Tenant returns the tenant part of the state-store scope (the install
	// SID for smarterproctoring); nil means the base URL alone.
	Tenant func(cfg Config) string
	New    func(cfg Config) (Client, error)
	// Simulator returns a new faithful simulator of this vendor.
	Simulator func(opt sim.Options) *sim.Server
	// SimModes are the simulator's named deviations (sim.Options.Mode),
	// each a way real servers of this kind answer, first the default.
	// Empty: the simulator has one behaviour.
	SimModes []string
	// BaseURLEnv, for a vendor with no one production host (SCIM), names
	// the credential that holds the base URL when --base-url is not given
	// (DefaultBaseURL is then ""). It is read like the credentials, from
	// the environment or the config file, but is not one of them.
	BaseURLEnv string
	// Rate and Burst are the vendor's documented request rate (a vendor
	// file's limits); 0 means none, and run's --rate applies.
	Rate  float64
	Burst int
}

var (
	mu       sync.RWMutex
	registry = map[string]*Registration{}
)

// Register makes a vendor available by id. It panics on nil, an empty id or
// a duplicate, like database/sql.Register.
func Register(r *Registration) {
	mu.Lock()
	defer mu.Unlock()
	if r == nil || r.ID == "" || r.New == nil || r.Schema == nil {
		panic("providers: Register with incomplete registration")
	}
	if _, dup := registry[r.ID]; dup {
		panic("providers: Register called twice for " + r.ID)
	}
	registry[r.ID] = r
}

// FileLoader compiles and registers a vendor file given where a vendor id
// goes (-p ./acme.yaml); IsFile tells such a value from an id. Both are set
// by providers/vendorfile, which imports this package.
var (
	FileLoader func(path string) (*Registration, error)
	IsFile     func(s string) bool
)

// Lookup returns the vendor registered as id, ignoring case; a vendor
// file's path loads and registers that file. An unknown id is an error
// with the closest known id and the list of them.
func Lookup(id string) (*Registration, error) {
	if FileLoader != nil && IsFile(id) {
		return FileLoader(id)
	}
	mu.RLock()
	defer mu.RUnlock()
	if r, ok := registry[id]; ok {
		return r, nil
	}
	for n, r := range registry {
		if strings.EqualFold(n, strings.TrimSpace(id)) {
			return r, nil
		}
	}
	names := namesLocked()
	hint := "."
	if c := schema.Closest(id, names); c != "" {
		hint = ": did you mean " + c + "?"
	}
	return nil, fmt.Errorf("unknown provider %q%s Known providers: %s", id, hint, strings.Join(names, ", "))
}

// Names returns the registered ids, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
