package pgstate_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/pgtest"
	"github.com/onboard/onboard/batch/state/statetest"
)

func TestConformancePostgres(t *testing.T) {
	srv := pgtest.Start(t)
	var n atomic.Int64
	statetest.Run(t, func(t *testing.T) func() state.Ledger {
		url := srv.CreateDB(t, fmt.Sprintf("conf%d", n.Add(1)))
		return func() state.Ledger {
			st, err := pgstate.Open(context.Background(), url, pgstate.Options{})
			require.NoError(t, err)
			return st
		}
	})
}
