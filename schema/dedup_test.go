package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHashIndex: every key found again with its first row, across growth
// from a short estimate, hash 0 included.
func TestHashIndex(t *testing.T) {
	var x hashIndex
	x.init(10)
	for i := range 5000 {
		h := uint64(i) * 0x9E3779B97F4A7C15
		_, dup := x.insert(h, int32(i))
		assert.False(t, dup, "key %d is new", i)
	}
	for i := range 5000 {
		h := uint64(i) * 0x9E3779B97F4A7C15
		first, dup := x.insert(h, -1)
		assert.True(t, dup)
		assert.Equal(t, int32(i), first)
	}
	assert.Equal(t, 5000, x.n)
	assert.GreaterOrEqual(t, len(x.slots)*7, x.n*8, "never over 7/8 full")
}
