package state_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/statetest"
)

func TestConformanceSQLite(t *testing.T) {
	statetest.Run(t, func(t *testing.T) func() state.Ledger {
		path := filepath.Join(t.TempDir(), "state.db")
		return func() state.Ledger {
			st, err := state.Open(path, state.Options{})
			require.NoError(t, err)
			return st
		}
	})
}
