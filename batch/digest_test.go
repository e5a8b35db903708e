package batch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Digests hash json.Marshal's bytes of each value (earlier runs stored
// them so): the direct path for plain strings writes the same bytes.
func TestDigestJSONIsMarshal(t *testing.T) {
	for _, v := range []any{"", "ann@example.org", "O'Brien", "a<b", "x&y", `q"t`, `b\s`, "tab\t", "José", "\u2028", "\x7f", "\xff",
		"Zoë", "Chloé Okafor", "日本語", "a\u2029b", "é\xff", "\xe2\x80", "\uFFFD", "\U0001F600", "ok\u00a0ok", "é<", "é\n",
		[]string(nil), []string{}, []string{"guest"}, []string{"a", "Zoë", ""}, []string{"a", "b<"}, []string{"\u2028"},
		42, 3.5, true, nil, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), []string{"a", "b"}, map[string]any{"k": 1},
		map[string]any{}, map[string]any{"b": "2", "a": "1", "B": "3", "a b": ""}, map[string]any{"k": "a<b"}, map[string]any{"k<": "v"}, map[string]any{"k": []any{"x"}}} {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := digestJSON([]byte("junk"), v)
		require.NoError(t, err)
		assert.Equal(t, "junk"+string(want), string(got), "%#v", v)
	}
}

// plainUTF8 accepts only strings json.Marshal writes as they are: every
// one- and two-byte string, and every three-byte one with a lead byte of a
// three-byte sequence (U+2028 and U+2029 among them).
func TestPlainUTF8IsMarshal(t *testing.T) {
	check := func(s string) {
		if !plainUTF8(s) {
			return
		}
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, `"`+s+`"`, string(want), "%q", s)
	}
	accepted := 0
	for a := range 256 {
		check(string([]byte{byte(a)}))
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
			if a >= 0xe0 && a <= 0xef && b >= 0x80 && b <= 0xbf {
				for c := 0x80; c <= 0xbf; c++ {
					s := string([]byte{byte(a), byte(b), byte(c)})
					check(s)
					if plainUTF8(s) {
						accepted++
					}
				}
			}
		}
	}
	assert.Greater(t, accepted, 60000, "most three-byte characters are written as they are")
	assert.False(t, plainUTF8("\u2028"))
	assert.True(t, plainUTF8("Zoë"))
}
