package state

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHexIs: a stored digest's bytes match the hex digits that spell them
// and nothing else: a digit changed anywhere, upper case, one too few or
// too many.
func TestHexIs(t *testing.T) {
	for _, b := range []string{"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b", "\xff\xfe\x10\x9a\xab\xbc\xcd\xde\xef\xf0\x0f\x80",
		strings.Repeat("\x00", digestBytes), strings.Repeat("\xff", digestBytes)} {
		h := hex.EncodeToString([]byte(b))
		assert.True(t, hexIs(h, b), h)
		assert.False(t, hexIs(h[:len(h)-1], b))
		assert.False(t, hexIs(h+"0", b))
		assert.False(t, hexIs(h, b[:len(b)-1]))
		if up := strings.ToUpper(h); up != h {
			assert.False(t, hexIs(up, b), up)
		}
		for i := range h {
			for _, c := range "0123456789abcdef" {
				if byte(c) != h[i] {
					assert.False(t, hexIs(h[:i]+string(c)+h[i+1:], b), "%d %c", i, c)
				}
			}
		}
	}
}
