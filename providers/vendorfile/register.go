package vendorfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// maxFile bounds a vendor file: the largest built-in is a few KiB.
const maxFile = 1 << 20

// Load reads and compiles the vendor file at path.
func Load(path string) (*Vendor, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("vendor file %s: %w", path, unwrapPath(err))
	}
	if st.Size() > maxFile {
		return nil, fmt.Errorf("vendor file %s: %d bytes; a vendor file is at most 1 MiB", path, st.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vendor file %s: %w", path, unwrapPath(err))
	}
	return Parse(path, b)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// MustParse compiles an embedded built-in file; a mistake in one is a
// programming error.
func MustParse(name string, data []byte) *Vendor {
	v, err := Parse(name, data)
	if err != nil {
		panic(err)
	}
	return v
}

// RegisterBuiltin registers a built-in's compiled file with its
// hand-written simulator, the reference the derived ones are tested
// against (called from the vendor package's init: the simulator reads
// the schema, so it cannot be part of the file's compilation).
func (v *Vendor) RegisterBuiltin(simulator func(sim.Options) *sim.Server) {
	reg := v.Registration()
	reg.Simulator = simulator
	providers.Register(reg)
}

// Registration is v as the registry knows a vendor: its schema, a client
// constructor and a simulator derived from the file.
func (v *Vendor) Registration() *providers.Registration {
	r := &providers.Registration{
		ID: v.ID, Title: v.Title, DocFile: v.Doc, Schema: v.Schema,
		New:       v.New,
		Simulator: v.Simulator,
		Rate:      v.RequestsPerSecond,
		Burst:     v.Burst,
	}
	if p := v.protocol; p != nil {
		r.New = func(cfg providers.Config) (providers.Client, error) { return p.New(v, cfg) }
		if p.Simulator != nil {
			r.Simulator = func(opt sim.Options) *sim.Server { return p.Simulator(v, opt) }
		}
		r.SimModes = p.Modes
	}
	if len(v.baseURL.refs("env")) == 0 {
		r.DefaultBaseURL = v.BaseURL
	}
	// A base URL that is one credential is a setting (--base-url, or that
	// name in the environment or --config), not a secret every run needs.
	r.BaseURLEnv = v.BaseURLEnv()
	if v.needs == nil {
		for _, c := range v.creds {
			if c.Env != r.BaseURLEnv {
				r.Credentials = append(r.Credentials, c.Env)
			}
		}
	} else {
		alts := make([]string, len(v.needs))
		for i, alt := range v.needs {
			alts[i] = strings.Join(alt, "+")
		}
		r.Credentials = []string{strings.Join(alts, "|")}
	}
	if len(v.tenant) > 0 && !(len(v.tenant) == 1 && v.tenant[0].kind == "base_url") {
		t := v.tenant
		r.Tenant = func(cfg providers.Config) string {
			s, _ := t.expand(vars{env: cfg.Credentials, baseURL: cfg.BaseURL})
			return s
		}
	}
	return r
}

var (
	loadMu sync.Mutex
	loaded = map[string]string{} // id → absolute path of the file that registered it
)

// register adds v, loaded from path, to the registry. The same file twice
// is fine; another vendor's id is not.
func register(v *Vendor, path string) (*providers.Registration, error) {
	abs, _ := filepath.Abs(path)
	loadMu.Lock()
	defer loadMu.Unlock()
	if prev, ok := loaded[v.ID]; ok {
		if prev == abs {
			return providers.Lookup(v.ID)
		}
		return nil, fmt.Errorf("vendor file %s: id %s is already taken by %s; give the file its own id", path, v.ID, prev)
	}
	if slices.Contains(providers.Names(), v.ID) {
		return nil, fmt.Errorf("vendor file %s: id %s is a built-in vendor; give the file its own id (e.g. %s-custom)", path, v.ID, v.ID)
	}
	reg := v.Registration()
	providers.Register(reg)
	loaded[v.ID] = abs
	return reg, nil
}

// LoadFile compiles the vendor file at path and registers it, for -p
// ./acme.yaml.
func LoadFile(path string) (*providers.Registration, error) {
	v, err := Load(path)
	if err != nil {
		return nil, err
	}
	return register(v, path)
}

// LoadDir registers every *.yaml and *.yml file in dir (a vendors folder),
// by id. Any file with a mistake stops the load with that file's problems.
func LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("vendors folder %s: %w", dir, unwrapPath(err))
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			continue
		}
		if _, err := LoadFile(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

// IsPath reports whether a -p value names a file rather than a vendor id.
func IsPath(s string) bool {
	return strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml") || strings.ContainsAny(s, `/\`)
}

func init() {
	providers.FileLoader = LoadFile
	providers.IsFile = IsPath
}
