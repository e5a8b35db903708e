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
		42, 3.5, true, nil, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), []string{"a", "b"}, map[string]any{"k": 1},
		map[string]any{}, map[string]any{"b": "2", "a": "1", "B": "3", "a b": ""}, map[string]any{"k": "a<b"}, map[string]any{"k<": "v"}, map[string]any{"k": []any{"x"}}} {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := digestJSON([]byte("junk"), v)
		require.NoError(t, err)
		assert.Equal(t, "junk"+string(want), string(got), "%#v", v)
	}
}
