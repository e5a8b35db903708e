package pgstate

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgtest"
)

// TestClaimsInOppositeOrdersDoNotDeadlock: two runs claim the same new
// people at once, one in the file's order and one in reverse (two machines
// given the same file, one reversed), chunk after chunk. Inserting new
// keys in the callers' orders let each wait on the other's uncommitted
// rows until PostgreSQL aborted one claim ("deadlock detected") and its
// run stopped.
func TestClaimsInOppositeOrdersDoNotDeadlock(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "order")
	ctx := context.Background()
	var stores [2]*Store
	var runs [2]int64
	for i := range stores {
		s, err := Open(ctx, url, Options{})
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
		runs[i], err = s.BeginRun("f.csv", "h", acme)
		require.NoError(t, err)
	}
	for round := range 20 {
		marks := make([]state.Mark, 200)
		for i := range marks {
			marks[i].Key = fmt.Sprintf("email:r%02d-%03d@x.org", round, i)
		}
		reversed := slices.Clone(marks)
		slices.Reverse(reversed)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, m := range [][]state.Mark{marks, reversed} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = stores[i].Claim(acme, runs[i], m)
			}()
		}
		wg.Wait()
		require.NoError(t, errs[0], "round %d", round)
		require.NoError(t, errs[1], "round %d", round)
	}
}
