package pgstate

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// TestDeadlockedTransactionIsRunAgain: two transactions lock the same two
// rows in opposite orders; PostgreSQL rolls one back ("deadlock
// detected", 40P01). The store runs that one again, so neither caller
// sees the error (a run's Record or lease renewal would otherwise stop
// the run).
func TestDeadlockedTransactionIsRunAgain(t *testing.T) {
	srv := pgtest.Start(t)
	s, err := Open(context.Background(), srv.CreateDB(t, "deadlock"), Options{})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	_, err = s.pool.Exec(ctx, `CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL DEFAULT 0); INSERT INTO pair (id) VALUES (1), (2)`)
	require.NoError(t, err)

	var held sync.WaitGroup // both hold their first row before either asks for its second
	held.Add(2)
	var once [2]sync.Once
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.tx(ctx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, order[0]); err != nil {
					return err
				}
				once[i].Do(func() { held.Done(); held.Wait() })
				_, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = $1`, order[1])
				return err
			})
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	var n1, n2 int
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT (SELECT n FROM pair WHERE id = 1), (SELECT n FROM pair WHERE id = 2)`).Scan(&n1, &n2))
	require.Equal(t, [2]int{2, 2}, [2]int{n1, n2}, "each transaction counted once: the rolled-back one's first try left nothing")
}

func TestTransient(t *testing.T) {
	for code, want := range map[string]bool{
		"57P01": true,  // admin shutdown
		"08006": true,  // connection failure
		"40P01": true,  // deadlock detected
		"40001": true,  // serialization failure
		"23505": false, // unique violation: the statement's own
		"42P01": false, // undefined table
	} {
		require.Equal(t, want, transient(&pgconn.PgError{Code: code}), code)
	}
}
