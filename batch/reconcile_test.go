package batch

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orderSink keeps what it is given, and fails at the row failAt.
type orderSink struct {
	out    []Outcome
	failAt int
}

func (s *orderSink) Write(o Outcome) error {
	if o.Line == s.failAt {
		return errors.New("disk full")
	}
	s.out = append(s.out, o)
	return nil
}

func (s *orderSink) Close(*Summary) error { return nil }

// The reconciler writes every outcome once, in roster order, with its own
// content, whichever order they come in: in order (a re-run's skipped
// rows, written straight away), reversed, shuffled, or in runs.
func TestReconcilerWritesInRosterOrder(t *testing.T) {
	const n = 500
	orders := map[string]func() []int{
		"in order": func() []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"reversed": func() []int {
			s := make([]int, n)
			for i := range s {
				s[i] = n - 1 - i
			}
			return s
		},
		"shuffled": func() []int {
			return rand.New(rand.NewPCG(1, 2)).Perm(n)
		},
		"runs": func() []int { // blocks of 7 rows, each block reversed
			var s []int
			for b := 0; b < n; b += 7 {
				for i := min(b+7, n) - 1; i >= b; i-- {
					s = append(s, i)
				}
			}
			return s
		},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			sink := &orderSink{failAt: -1}
			rc := &reconciler{sink: sink, sum: NewSummary("run", "x", "in.csv"), opt: &RunOptions{}, pending: map[int]Outcome{}}
			slots := make(chan struct{}, n)
			for range n {
				slots <- struct{}{}
			}
			for _, seq := range order() {
				o := Outcome{Line: seq + 2, Status: Created, ID: "u-" + strconv.Itoa(seq)}
				if seq%3 == 0 {
					o.Status, o.Problems = Skipped, []Problem{{Code: AlreadyOnboarded}}
				}
				require.NoError(t, rc.add(seq, o, slots))
			}
			require.Len(t, sink.out, n)
			for i, o := range sink.out {
				assert.Equal(t, i+2, o.Line)
				assert.Equal(t, "u-"+strconv.Itoa(i), o.ID, "row %d has its own outcome", i+2)
			}
			assert.Empty(t, rc.pending)
			assert.Equal(t, n, rc.next)
			assert.Equal(t, (n+2)/3, rc.sum.Skipped)
			assert.Equal(t, n, rc.sum.ByStatus[Created]+rc.sum.ByStatus[Skipped])
			assert.Empty(t, slots, "one slot freed per row written")
		})
	}
}

// A sink's error stops the writing at that row and is returned.
func TestReconcilerSinkError(t *testing.T) {
	sink := &orderSink{failAt: 5}
	rc := &reconciler{sink: sink, sum: NewSummary("run", "x", "in.csv"), opt: &RunOptions{}, pending: map[int]Outcome{}}
	slots := make(chan struct{}, 10)
	for range 10 {
		slots <- struct{}{}
	}
	for _, seq := range []int{1, 2, 3, 4, 5} {
		require.NoError(t, rc.add(seq, Outcome{Line: seq + 2}, slots))
	}
	require.EqualError(t, rc.add(0, Outcome{Line: 2}, slots), "disk full")
	require.Len(t, sink.out, 3, "rows 2, 3 and 4 were written, row 5 failed")
}
