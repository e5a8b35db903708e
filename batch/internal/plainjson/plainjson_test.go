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

// AppendObject writes json.Marshal's bytes for plain maps of either value
// type, and refuses (dst untouched) anything else.
func TestAppendObject(t *testing.T) {
	plain := map[string]string{"b": "2", "a": "1", "B": "3", "a b": ""}
	want, err := json.Marshal(plain)
	require.NoError(t, err)
	got, ok := AppendObject([]byte("x"), plain)
	require.True(t, ok)
	assert.Equal(t, "x"+string(want), string(got))
	anyMap := map[string]any{"k": "v", "j": "w"}
	want, err = json.Marshal(anyMap)
	require.NoError(t, err)
	got, ok = AppendObject(nil, anyMap)
	require.True(t, ok)
	assert.Equal(t, string(want), string(got))
	empty, ok := AppendObject(nil, map[string]string{})
	require.True(t, ok)
	assert.Equal(t, "{}", string(empty))
	for _, m := range []map[string]any{{"k": 1}, {"k": "a<b"}, {"k<": "v"}, {"k": []any{"x"}}} {
		got, ok := AppendObject([]byte("x"), m)
		assert.False(t, ok, "%v", m)
		assert.Equal(t, "x", string(got))
	}
}
