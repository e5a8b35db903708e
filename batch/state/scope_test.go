package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeBaseURL(t *testing.T) {
	same := [][]string{
		{"http://localhost", "http://127.0.0.1", "http://127.0.0.1:80", "http://[::1]", "http://[::1]:80/", "HTTP://LOCALHOST/", "http://localhost.:80", "http://user:pw@127.0.0.1/?token=x#f"},
		{"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080"},
		{"https://api.vendor.com", "https://API.Vendor.COM:443", "https://api.vendor.com/", "https://api.vendor.com//", "https://api.vendor.com?x=1"},
		{"https://api.vendor.com/v2", "https://api.vendor.com:443/v2/"},
	}
	same = append(same, scopeSpellings...)
	for _, group := range same {
		want := normalizeBaseURL(group[0])
		for _, u := range group[1:] {
			assert.Equal(t, want, normalizeBaseURL(u), "%s ~ %s", u, group[0])
		}
	}
	different := []string{"http://localhost", "https://localhost", "http://localhost:8080", "https://api.vendor.com",
		"https://api.vendor.com:8443", "https://api.vendor.com/v2", "https://eu.vendor.com",
		"http://127.0.0.2:8080", "http://10.0.0.1:8080", "http://[::2]:8080", "https://api.vendor.com/v2/x",
		"https://api.vendor.com/a//b", "https://api.vendor.com/a/b", "http://localhost:0", "https://api.vendor.com:80"}
	seen := map[string]string{}
	for _, u := range different {
		n := normalizeBaseURL(u)
		if o, dup := seen[n]; dup {
			t.Errorf("%s and %s normalize alike (%s)", u, o, n)
		}
		seen[n] = u
	}
	assert.NotContains(t, normalizeBaseURL("https://me:s3cret@api.vendor.com/?token=abc"), "s3cret")
	assert.NotContains(t, normalizeBaseURL("https://api.vendor.com/?token=abc"), "abc")
}

// scopeSpellings are groups of base URLs that reach one tenant (issue 17):
// a zero-padded port, an IPv4-mapped or long-form IPv6 address, the
// unspecified address (this host, as a destination), and dot segments.
var scopeSpellings = [][]string{
	{"https://api.vendor.com", "https://api.vendor.com:0443", "https://api.vendor.com:00443/", "https://api.vendor.com/.",
		"https://api.vendor.com/./", "https://api.vendor.com/a/..", "https://api.vendor.com/a/../", "https://api.vendor.com/..",
		"https://api.vendor.com/%2e/", "https://api.vendor.com/a/b/../../"},
	{"http://localhost:8080", "http://127.0.0.1:08080", "http://[::ffff:127.0.0.1]:8080", "http://[::FFFF:7f00:1]:8080/",
		"http://0.0.0.0:8080", "http://[::]:8080", "http://[0:0:0:0:0:0:0:1]:8080", "http://[::ffff:0.0.0.0]:8080",
		"http://localhost:8080/.", "http://127.0.0.1:8080/x/../"},
	{"http://localhost", "http://0.0.0.0:080", "http://[::ffff:127.0.0.1]:80/."},
	{"https://api.vendor.com/v2", "https://api.vendor.com/v2/.", "https://api.vendor.com/v2/x/..", "https://api.vendor.com/./v2/",
		"https://api.vendor.com:0443/v2/./"},
	{"http://[2001:db8::1]:8080", "http://[2001:DB8:0:0:0:0:0:1]:08080/"},
	{"http://10.0.0.5:8080", "http://[::ffff:10.0.0.5]:8080"},
}

// One person, one scope: a run at http://127.0.0.1:80 (or localhost)
// finds the people a run at http://127.0.0.1 recorded.
func TestScopeSpellingsShareTheirPeople(t *testing.T) {
	s, _ := openTemp(t)
	first := Scope{Provider: "smartapp", BaseURL: "http://127.0.0.1"}
	run := beginRun(t, s, first)
	require.NoError(t, s.MarkInFlight(first, run, []string{"ann@x.org"}))
	require.NoError(t, s.Record(first, run, []Outcome{{Key: "ann@x.org", Status: StatusCreated, VendorID: "7"}}))
	for _, u := range []string{"http://127.0.0.1:80", "http://localhost", "http://[::1]/", "HTTP://LOCALHOST:80/",
		"http://127.0.0.1:080", "http://[::ffff:127.0.0.1]", "http://0.0.0.0/.", "http://localhost/a/../"} {
		p, ok := get(t, s, Scope{Provider: "smartapp", BaseURL: u}, "ann@x.org")
		require.True(t, ok, u)
		assert.Equal(t, "7", p.VendorID, u)
	}
}

// A state file written before this normalization keeps the base URL as it
// was typed: its people still match, and the row takes the new spelling.
func TestOlderScopeSpellingStillMatches(t *testing.T) {
	s, path := openTemp(t)
	_, err := s.db.Exec(`INSERT INTO scopes (provider, base_url, tenant) VALUES ('smartapp', 'http://127.0.0.1:80', '')`)
	require.NoError(t, err)
	var sid int64
	require.NoError(t, s.db.QueryRow(`SELECT id FROM scopes WHERE base_url = 'http://127.0.0.1:80'`).Scan(&sid))
	_, err = s.db.Exec(`INSERT INTO people (scope_id, key, status, vendor_id, first_seen, last_seen)
		VALUES (?, 'bob@x.org', 'created', '9', 1767225600000, 1767225600000)`, sid)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s2, err := Open(path, Options{})
	require.NoError(t, err)
	defer s2.Close()
	p, ok := get(t, s2, Scope{Provider: "smartapp", BaseURL: "http://localhost"}, "bob@x.org")
	require.True(t, ok, "the older row is found")
	assert.Equal(t, "9", p.VendorID)
	var n int
	require.NoError(t, s2.db.QueryRow(`SELECT count(*) FROM scopes`).Scan(&n))
	assert.Equal(t, 1, n, "no second scope row")
}

func TestNormalizeBaseURLCanonicalForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.vendor.com:0443", "https://api.vendor.com"},
		{"https://api.vendor.com:08443/", "https://api.vendor.com:8443"},
		{"http://[::ffff:127.0.0.1]:8080", "http://localhost:8080"},
		{"http://0.0.0.0:8080/a/../", "http://localhost:8080"},
		{"http://[::]:9", "http://localhost:9"},
		{"http://[2001:DB8::1]:08080/./v1/", "http://[2001:db8::1]:8080/v1"},
		{"https://api.vendor.com/v2/./x/../", "https://api.vendor.com/v2"},
		{"https://api.vendor.com/a//b/", "https://api.vendor.com/a//b"},
		{"http://127.0.0.2:80", "http://127.0.0.2"},
		{"https://api.vendor.com:99999", "https://api.vendor.com:99999"}, // not a port: kept as typed
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, normalizeBaseURL(tt.in), tt.in)
	}
}
