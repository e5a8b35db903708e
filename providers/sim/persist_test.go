package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Save and Load give a later simulator the same people: IDs, every unique
// key (a renamed one too), and fields with their types.
func TestStoreSaveLoad(t *testing.T) {
	s := NewStore()
	id := func(seq int) string { return "U" + Hex(seq, 4) }
	born := time.Date(1990, 4, 1, 0, 0, 0, 0, time.UTC)
	a, _ := s.Create(id, map[string]any{"login": "ann", "roleId": int64(3), "groups": []string{"x", "y"}, "birth": born,
		"meta": map[string]any{"Cost Centre": "CC1"}}, "ann", "ann@x.org")
	s.Create(id, map[string]any{"login": "bob"}, "bob", "bob@x.org")
	found, clash := s.Update(a.ID, map[string]any{"email": "ann.lee@x.org"}, "ann.lee")
	require.True(t, found)
	require.False(t, clash)

	var buf bytes.Buffer
	require.NoError(t, s.Save(&buf))
	l := NewStore()
	require.NoError(t, l.Load(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, 2, l.Len())
	for _, k := range []string{"ANN.LEE", "ann@x.org", "bob", "bob@x.org"} {
		_, ok := l.Find(k)
		assert.True(t, ok, k)
	}
	_, ok := l.Find("ann")
	assert.False(t, ok, "the key renamed away is free")
	u, ok := l.ByID(a.ID)
	require.True(t, ok)
	assert.Equal(t, int64(3), u.Fields["roleId"])
	assert.Equal(t, []string{"x", "y"}, u.Fields["groups"])
	assert.Equal(t, born, u.Fields["birth"])
	assert.Equal(t, map[string]any{"Cost Centre": "CC1"}, u.Fields["meta"])
	assert.Empty(t, l.Creates(), "loaded people were created by another process")

	c, existed := l.Create(id, map[string]any{}, "cy")
	assert.False(t, existed)
	assert.Equal(t, "U0003", c.ID, "IDs go on from the saved sequence")
	_, existed = l.Create(id, map[string]any{}, "bob@X.org")
	assert.True(t, existed, "a loaded person is a duplicate")

	assert.Error(t, NewStore().Load(bytes.NewReader([]byte("not gob"))))
}
