package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/stores"
)

// stateEnv names the state store when --state is not given: a file, or the
// postgres:// URL of the ledger (and job queue) many machines share,
// password included if need be. It is read from the environment, else
// from the --config file, by every command that opens the store or the
// queue (run, watch, plan, history, lookup, state, worker, jobs).
const stateEnv = "ONBOARD_STATE"

// defaultStateFile is the store when nothing names one.
const defaultStateFile = "onboard-state.db"

// stateFlagHelp ends the help of every --state flag.
const stateFlagHelp = " (unset: " + stateEnv + " from the environment or the --config file, else the default)"

// stateSpec is the state store a command names: --state when given (with
// no password: a command line is readable by every user of the machine),
// else ONBOARD_STATE from the environment, else from the --config file,
// else onboard-state.db.
func stateSpec(flag string, given bool, config string) (string, error) {
	if given {
		if err := stores.CheckArg(flag); err != nil {
			return "", err
		}
		return flag, nil
	}
	if v, err := configuredState(config); err != nil || v != "" {
		return v, err
	}
	return defaultStateFile, nil
}

// configuredState is ONBOARD_STATE from the environment, else from the
// config file, else "".
func configuredState(config string) (string, error) {
	if v := os.Getenv(stateEnv); v != "" {
		return v, nil
	}
	if config == "" {
		return "", nil
	}
	vals, _, err := readConfig(config)
	if err != nil {
		return "", err
	}
	return vals[stateEnv], nil
}

// negativeControl names the safeguard the many-machines test turns off to
// prove it can see what the safeguard prevents: "forget-maybe-sent" (a
// person taken over from a dead run is created without a lookup) or
// "no-shared-rate" (each process paces alone). Never set it otherwise.
const negativeControl = "ONBOARD_NEGATIVE_CONTROL"

// openState opens the store spec names (already through stateSpec) for a
// run; takeover, when set, hears of people taken over from a dead run
// (the PostgreSQL store only).
func openState(ctx context.Context, spec string, opt state.Options, takeover func(state.Scope, int)) (state.Ledger, error) {
	if stores.IsShared(spec) {
		st, err := pgstate.Open(ctx, spec, pgstate.Options{Now: opt.Now, Takeover: takeover,
			ForgetMaybeSent: os.Getenv(negativeControl) == "forget-maybe-sent"})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return st, nil
	}
	return stores.Open(ctx, spec, opt)
}

// openStateReadOnly opens the store spec names for plan, history and
// lookup.
func openStateReadOnly(spec string) (state.Ledger, error) {
	return stores.OpenReadOnly(spec)
}

// storeFlags are --state and --config of the commands that open only the
// store or the queue (history, lookup, state backup, jobs).
type storeFlags struct{ state, config string }

func (s *storeFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&s.state, "state", defaultStateFile, what+stateFlagHelp)
	cmd.Flags().StringVar(&s.config, "config", "", "config file of KEY=VALUE lines ("+stateEnv+"; the environment wins)")
}

// resolve sets s.state to the store the command names (stateSpec).
func (s *storeFlags) resolve(cmd *cobra.Command) error {
	spec, err := stateSpec(s.state, cmd.Flags().Changed("state"), s.config)
	if err != nil {
		return fatal(err)
	}
	s.state = spec
	return nil
}
