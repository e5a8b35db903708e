package providertest

import (
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// WrongValue returns a credential value of the same shape as v but
// different: a leading run of capitals (a SID prefix such as "AI") is kept,
// and every other letter or digit moves to the next one of its own class
// (hex letters stay hex letters), so a pattern check still passes and only
// the vendor's own lookup can reject it.
func WrongValue(v string) string {
	b := []byte(v)
	i := 0
	for i < len(b) && 'A' <= b[i] && b[i] <= 'Z' {
		i++
	}
	if i == len(b) {
		i = 0 // all capitals: nothing to keep
	}
	for ; i < len(b); i++ {
		b[i] = rotate(b[i])
	}
	return string(b)
}

// rotate moves c to the next character of its class, wrapping around.
func rotate(c byte) byte {
	for _, r := range [][2]byte{{'0', '9'}, {'a', 'f'}, {'g', 'z'}, {'A', 'F'}, {'G', 'Z'}} {
		if r[0] <= c && c <= r[1] {
			if c == r[1] {
				return r[0]
			}
			return c + 1
		}
	}
	return c
}

// satisfied reports whether creds meet want, the Registration.Credentials
// form: every entry must hold, an entry holds when one of its "|"
// alternatives has all of its "+" parts set.
func satisfied(want []string, creds map[string]string) bool {
	for _, entry := range want {
		ok := false
		for _, alt := range strings.Split(entry, "|") {
			all := true
			for _, name := range strings.Split(alt, "+") {
				if creds[strings.TrimSpace(name)] == "" {
					all = false
				}
			}
			ok = ok || all
		}
		if !ok {
			return false
		}
	}
	return true
}

// credentialNames lists every env var named in want.
func credentialNames(want []string) map[string]bool {
	names := map[string]bool{}
	for _, entry := range want {
		for _, alt := range strings.Split(entry, "|") {
			for _, name := range strings.Split(alt, "+") {
				names[strings.TrimSpace(name)] = true
			}
		}
	}
	return names
}

func checkMissingCredential(t *testing.T, reg *providers.Registration) {
	e := start(t, reg, sim.Options{})
	for name := range e.srv.Credentials {
		for _, how := range []string{"unset", "empty"} {
			creds := maps.Clone(e.srv.Credentials)
			delete(creds, name)
			if satisfied(reg.Credentials, creds) {
				continue // an alternative credential still serves
			}
			if how == "empty" {
				creds[name] = ""
			}
			_, err := reg.New(e.config(creds))
			if !assert.Error(t, err, "New with %s %s must fail", name, how) {
				continue
			}
			assert.Contains(t, err.Error(), name, "the error names the env var")
			for k, v := range e.srv.Credentials {
				assert.NotContains(t, err.Error(), v, "the error must not show %s", k)
			}
		}
	}
}
