package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state/stores"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/reports/outfile"
	"github.com/onboard/onboard/schema"
)

// credentialNames lists every env var a Registration.Credentials entry
// mentions ("ONBOARD_TOKEN|ONBOARD_CLIENT_ID+ONBOARD_CLIENT_SECRET").
func credentialNames(specs []string) []string {
	var names []string
	for _, spec := range specs {
		for alt := range strings.SplitSeq(spec, "|") {
			names = append(names, strings.Split(alt, "+")...)
		}
	}
	return names
}

// knownCredentialNames are the names any vendor reads: a config file may
// hold several vendors' keys, but a name no vendor reads is a typo.
func knownCredentialNames() []string {
	names := []string{notifyEnv, vendorsEnv, stateEnv} // the webhook URL and the database's (secrets too); the vendors folder
	for _, id := range providers.Names() {
		reg, _ := providers.Lookup(id)
		for _, n := range append(credentialNames(reg.Credentials), reg.BaseURLEnv) {
			if n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

// credSources says where each credential came from, for messages that
// must name a source and never a value.
type credSources map[string]string

// of names the sources of the given credentials: "ONBOARD_TOKEN (from the
// environment)".
func (s credSources) of(names []string) string {
	var parts []string
	for _, n := range names {
		if src, ok := s[n]; ok {
			parts = append(parts, n+" (from "+src+")")
		}
	}
	return strings.Join(parts, ", ")
}

// loadCredentials reads the vendor's credentials from a KEY=VALUE file (when
// given) and the environment, which wins. Only the names the vendor declares
// are kept, so nothing else from the environment travels further. Warnings
// about the file go to warnw.
func loadCredentials(path string, specs []string, warnw io.Writer) (map[string]string, credSources, error) {
	fileVals := map[string]string{}
	if path != "" {
		var (
			err      error
			warnings []string
		)
		if fileVals, warnings, err = readConfig(path); err != nil {
			return nil, nil, err
		}
		warn(warnw, warnings)
	}
	creds, from := map[string]string{}, credSources{}
	for _, name := range credentialNames(specs) {
		if v, ok := os.LookupEnv(name); ok && v != "" {
			creds[name], from[name] = v, "the environment"
		} else if v := fileVals[name]; v != "" {
			creds[name], from[name] = v, path
		}
	}
	return creds, from, nil
}

// missingCredentials returns the names to set when no alternative of a
// spec is complete: the first alternative's unset names.
func missingCredentials(specs []string, creds map[string]string) []string {
	var missing []string
	for _, spec := range specs {
		var first []string
		complete := false
		for i, alt := range strings.Split(spec, "|") {
			var unset []string
			for _, n := range strings.Split(alt, "+") {
				if creds[n] == "" {
					unset = append(unset, n)
				}
			}
			if len(unset) == 0 {
				complete = true
				break
			}
			if i == 0 {
				first = unset
			}
		}
		if !complete {
			missing = append(missing, first...)
		}
	}
	return missing
}

// clientError is a vendor client's refusal to start, with one vendor
// prefix and, when a credential is missing, how to give it.
func clientError(reg *providers.Registration, err error, creds map[string]string, config string) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, reg.ID+":") {
		msg = reg.ID + ": " + msg
	}
	missing := missingCredentials(reg.Credentials, creds)
	if len(missing) == 0 {
		return errors.New(msg)
	}
	assign := strings.Join(missing, "=… ") + "=…"
	it := "it"
	if len(missing) > 1 {
		it = "them"
	}
	where := "put " + it + " in a --config FILE of KEY=VALUE lines"
	if config != "" {
		where = "add " + assign + " to " + config
	}
	return fmt.Errorf("%s; export %s or %s", msg, assign, where)
}

// readConfig parses KEY=VALUE lines; blank lines, # comments and an
// "export " prefix are allowed, values may be quoted. A key that no vendor
// reads is named in a warning, with the key it probably meant (a typo
// would otherwise look like a missing credential). Errors name the line,
// never a value.
func readConfig(path string) (map[string]string, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(os.Stderr, "warning: config file %s is readable by others (chmod 600 %s)\n", path, path)
	}
	known := knownCredentialNames()
	vals := map[string]string{}
	var warnings []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, nil, fmt.Errorf("config file %s: line %d: want KEY=VALUE", path, n)
		}
		k = strings.TrimSpace(k)
		if !slices.Contains(known, k) {
			hint := ""
			if c := schema.Closest(k, known); c != "" {
				hint = " (did you mean " + c + "?)"
			}
			warnings = append(warnings, fmt.Sprintf("config file %s: line %d: unknown key %s%s; it is ignored. The keys onboard reads are %s",
				path, n, k, hint, strings.Join(known, ", ")))
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vals[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return vals, warnings, nil
}

// simulatedBaseURL is the state store's base URL for a simulated vendor:
// one scope whatever port today's simulator listens on, so a re-run with
// the same state store skips the people an earlier one created.
func simulatedBaseURL(provider string) string { return "simulate://" + provider }

// simulatorFile is where `run --simulate` with a state store keeps the
// simulated vendor's people: beside the state file, one per provider
// (onboard-state.db → onboard-state.simulated-smartapp.gob).
func simulatorFile(stateFile, provider string) string {
	if stores.IsShared(stateFile) { // a database: the simulated vendor stays in the working folder
		stateFile = "onboard-state.db"
	}
	return strings.TrimSuffix(stateFile, filepath.Ext(stateFile)) + ".simulated-" + provider + ".gob"
}

// startSimulator starts reg's simulator on loopback. With file it is the
// same simulated vendor as last time: its people are loaded from file
// when it exists, and with save they are saved back to it (0600, whole or
// not at all) when stop is called.
func startSimulator(stderr io.Writer, reg *providers.Registration, file string, save bool) (cfg providers.Config, from credSources, stop func(), err error) {
	opt, err := simOptions(stderr, reg, os.Getenv(simModeEnv))
	if err != nil {
		return cfg, nil, func() {}, err
	}
	s := reg.Simulator(opt)
	kept := ""
	if file != "" {
		switch b, rerr := os.ReadFile(file); {
		case errors.Is(rerr, fs.ErrNotExist):
		case rerr != nil:
			return cfg, nil, func() {}, fmt.Errorf("simulated vendor %s: %w", file, read.OpenError(rerr))
		default:
			if err := s.Store.Load(bytes.NewReader(b)); err != nil {
				return cfg, nil, func() {}, fmt.Errorf("simulated vendor %s: not a file onboard wrote (%v): delete it to start the simulated vendor afresh", file, err)
			}
			kept = fmt.Sprintf(" with the %d people kept in %s", s.Store.Len(), file)
		}
	}
	srv := httptest.NewServer(s.Handler)
	cfg = providers.Config{BaseURL: srv.URL, Credentials: s.Credentials}
	from = credSources{}
	for k := range s.Credentials {
		from[k] = "the simulator"
	}
	stop = srv.Close
	if file != "" && save {
		stop = func() {
			srv.Close()
			if err := outfile.WriteTo(file, s.Store.Save); err != nil {
				fmt.Fprintf(stderr, "warning: simulated vendor: %v (the next --simulate run starts with the people of the last one saved)\n", err)
			}
		}
	}
	mode := ""
	if opt.Mode != "" {
		mode = " (mode " + opt.Mode + ")"
	}
	fmt.Fprintf(stderr, "simulating %s%s at %s%s\n", reg.ID, mode, srv.URL, kept)
	return cfg, from, stop, nil
}

// vendorConfig is the vendor's configuration for a command that talks to
// it: a simulator started on loopback (stop stops it), nothing at all
// offline, or the credentials from the environment or --config; from says
// where each credential came from, for an auth failure's message.
func vendorConfig(stderr io.Writer, reg *providers.Registration, simulate, offline bool, baseURL, config string) (cfg providers.Config, from credSources, stop func(), err error) {
	cfg, stop = providers.Config{BaseURL: baseURL}, func() {}
	switch {
	case simulate:
		cfg, from, stop, err = startSimulator(stderr, reg, "", false)
		return cfg, from, stop, err
	case !offline:
		names := reg.Credentials
		if reg.BaseURLEnv != "" {
			names = append(slices.Clip(names), reg.BaseURLEnv)
		}
		if cfg.Credentials, from, err = loadCredentials(config, names, stderr); err != nil {
			return cfg, from, stop, err
		}
	}
	if cfg.BaseURL == "" && reg.BaseURLEnv != "" {
		// A vendor with no one host (SCIM): the base URL is a setting,
		// read like a credential even offline (it scopes the state store).
		vals := cfg.Credentials
		if offline {
			if vals, _, err = loadCredentials(config, []string{reg.BaseURLEnv}, io.Discard); err != nil {
				return cfg, from, stop, err
			}
		}
		if cfg.BaseURL = vals[reg.BaseURLEnv]; cfg.BaseURL != "" {
			if err := providers.CheckBaseURL(cfg.BaseURL, false); err != nil {
				// Its words are about the flag: say where this URL came from.
				return cfg, from, stop, errors.New(strings.Replace(err.Error(), "--base-url ", reg.BaseURLEnv+"=", 1))
			}
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = reg.DefaultBaseURL
	}
	return cfg, from, stop, nil
}

// simModeEnv picks a simulator's mode for --simulate and demo (the SCIM
// simulator's ways of answering a duplicate or a bad token).
const simModeEnv = "ONBOARD_SIM_MODE"

// simOptions are the simulator options for mode: one of reg.SimModes, or
// "" for the documented behaviour. A vendor whose simulator has one
// behaviour ignores a mode, saying so.
func simOptions(stderr io.Writer, reg *providers.Registration, mode string) (sim.Options, error) {
	mode = strings.TrimSpace(mode)
	switch {
	case mode == "":
	case len(reg.SimModes) == 0:
		fmt.Fprintf(stderr, "note: simulator mode %q ignored: the %s simulator has one behaviour\n", mode, reg.ID)
		mode = ""
	case !slices.Contains(reg.SimModes, mode):
		return sim.Options{}, fmt.Errorf("simulator mode %q: the %s simulator's modes are %s", mode, reg.ID, strings.Join(reg.SimModes, ", "))
	}
	return sim.Options{Mode: mode}, nil
}
