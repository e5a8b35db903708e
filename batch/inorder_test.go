package batch

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		come []int
	}{
		{"in order", []int{0, 1, 2, 3, 4}},
		{"reversed", []int{4, 3, 2, 1, 0}},
		{"shuffled", rand.New(rand.NewPCG(1, 2)).Perm(50)},
		{"none", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := make(chan int, len(tc.come))
			for _, n := range tc.come {
				in <- n
			}
			close(in)
			var got []int
			require.NoError(t, inOrder(in, func(n int) int { return n }, func(n int) error {
				got = append(got, n)
				return nil
			}))
			require.Len(t, got, len(tc.come), "every chunk once")
			for i, n := range got {
				assert.Equal(t, i, n)
			}
		})
	}

	t.Run("stops at the first error", func(t *testing.T) {
		in := make(chan int, 4)
		for _, n := range []int{1, 0, 3, 2} {
			in <- n
		}
		close(in)
		stop := errors.New("stop")
		var got []int
		err := inOrder(in, func(n int) int { return n }, func(n int) error {
			got = append(got, n)
			if n == 1 {
				return stop
			}
			return nil
		})
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, []int{0, 1}, got, "nothing after the chunk that failed")
	})
}
