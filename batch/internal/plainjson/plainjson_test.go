package plainjson

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every string Is accepts is written as json.Marshal writes it; among
// printable ASCII it accepts exactly what json.Marshal leaves as it is
// (others go through json.Marshal: slower, the same bytes).
func TestIsMatchesMarshal(t *testing.T) {
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "b"
		want, err := json.Marshal(s)
		require.NoError(t, err)
		plain := string(want) == `"`+s+`"`
		if Is(s) {
			assert.Equal(t, string(want), string(Append(nil, s)), "byte %#x", c)
		}
		if c >= 0x20 && c < 0x7f {
			assert.Equal(t, plain, Is(s), "byte %#x", c)
		}
	}
	assert.True(t, Is(""))
	assert.True(t, Is("ann@example.org"))
}
