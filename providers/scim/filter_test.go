package scim

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFilterEscaping: the lookup's compValue is a JSON string (RFC 7644
// §3.4.2.2), so a quote or backslash in a userName is escaped, and the
// whole filter is URL-encoded with spaces as %20.
func TestFilterEscaping(t *testing.T) {
	for _, tc := range []struct {
		name, userName, filter, query string
	}{
		{"plain", "ann.lee@example.com", `userName eq "ann.lee@example.com"`,
			"userName%20eq%20%22ann.lee%40example.com%22"},
		{"quote", `o"brien`, `userName eq "o\"brien"`,
			"userName%20eq%20%22o%5C%22brien%22"},
		{"backslash", `dom\ann`, `userName eq "dom\\ann"`,
			"userName%20eq%20%22dom%5C%5Cann%22"},
		{"backslash before quote", `a\"b`, `userName eq "a\\\"b"`,
			"userName%20eq%20%22a%5C%5C%5C%22b%22"},
		{"space and plus", "ann lee+1", `userName eq "ann lee+1"`,
			"userName%20eq%20%22ann%20lee%2B1%22"},
		{"ampersand and equals", "a&b=c", `userName eq "a&b=c"`,
			"userName%20eq%20%22a%26b%3Dc%22"},
		{"html characters stay", "<ann>", `userName eq "<ann>"`,
			"userName%20eq%20%22%3Cann%3E%22"},
		{"control characters", "a\tb\nc\x01", `userName eq "a\tb\nc\u0001"`,
			"userName%20eq%20%22a%5Ctb%5Cnc%5Cu0001%22"},
		{"non-ASCII", "zoë", `userName eq "zoë"`,
			"userName%20eq%20%22zo%C3%AB%22"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := userNameFilter(tc.userName)
			assert.Equal(t, tc.filter, f)
			q := queryValue(f)
			assert.Equal(t, tc.query, q)
			back, err := url.QueryUnescape(q)
			assert.NoError(t, err)
			assert.Equal(t, f, back, "a server decodes the filter we built")
		})
	}
}
