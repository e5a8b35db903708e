package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
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

// loadCredentials reads the vendor's credentials from a KEY=VALUE file (when
// given) and the environment, which wins. Only the names the vendor declares
// are kept, so nothing else from the environment travels further.
func loadCredentials(path string, specs []string) (map[string]string, error) {
	fileVals := map[string]string{}
	if path != "" {
		var err error
		if fileVals, err = readConfig(path); err != nil {
			return nil, err
		}
	}
	creds := map[string]string{}
	for _, name := range credentialNames(specs) {
		if v, ok := os.LookupEnv(name); ok && v != "" {
			creds[name] = v
		} else if v := fileVals[name]; v != "" {
			creds[name] = v
		}
	}
	return creds, nil
}

// readConfig parses KEY=VALUE lines; blank lines, # comments and an
// "export " prefix are allowed, values may be quoted. Errors name the line,
// never a value.
func readConfig(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(os.Stderr, "warning: config file %s is readable by others (chmod 600 %s)\n", path, path)
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, fmt.Errorf("config file %s: line %d: want KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vals[strings.TrimSpace(k)] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return vals, nil
}
