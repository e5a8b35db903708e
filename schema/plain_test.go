package schema

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPlainPattern checks that the plain matcher is used exactly for the
// simple patterns and agrees with the regexp on every probe.
func TestPlainPattern(t *testing.T) {
	probes := []string{"", "A", "AB", "ABC", "ABCD", "abc", "AbC", "ÀBC", "AB1", "USD", "usd", " USD", "USD ",
		"AI0123456789abcdef0123456789abcdef", "AI0123456789abcdef0123456789abcdeF", "AI0123456789abcdef0123456789abcde",
		"TZ0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", "TZ0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", "TZ", "XZ0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
		"+1", "+91", "+1234", "+12345", "+", "1234", "123456", "123456789012345", "1234567890123456", "12345a",
		"Passw0rd", "short1", "abc-def", "5600 01", "-5600", "a", "ab", "abcdefghij", "abcdefghijk", "en", "en-US", "eng-GB",
		"x\x00y", "\xff\xfe", "日本語"}
	for _, tc := range []struct {
		re    string
		plain bool
	}{
		{`^[A-Z]{3}$`, true},
		{`^AI[a-f0-9]{32}$`, true},
		{`^TZ[a-f0-9]{32}$`, true},
		{`^\+[0-9]{1,4}$`, true},
		{`^[0-9]{6,15}$`, true},
		{`^[A-Za-z0-9]{8,}$`, true},
		{`^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$`, true},
		{`^[a-z]+$`, true},
		{`^[a-z]*$`, true},
		{`^[a-zA-Z]{2,3}(-[a-zA-Z]{2})?$`, false}, // a group
		{`^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2})$`, false},
		{`^[a-z]+x$`, false},   // varying part before the end
		{`^(?i)usd$`, false},   // case folding
		{`^[^a-z]{3}$`, false}, // a negated class reaches past ASCII
		{`[A-Z]{3}`, false},    // unanchored
		{`^.{3}$`, false},
	} {
		re := regexp.MustCompile(tc.re)
		p := newPlainPattern(re)
		if !assert.Equal(t, tc.plain, p != nil, "%s: plain", tc.re) || p == nil {
			continue
		}
		for _, s := range probes {
			assert.Equal(t, re.MatchString(s), p.match(s), "%s on %q", tc.re, s)
		}
	}
}
