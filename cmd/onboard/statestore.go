package main

import (
	"context"
	"os"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/stores"
)

// defaultState is --state's default: ONBOARD_STATE (a file, or the
// postgres:// URL of the ledger many machines share, password included
// if need be), else the file onboard-state.db.
func defaultState() string {
	if v := os.Getenv("ONBOARD_STATE"); v != "" {
		return v
	}
	return "onboard-state.db"
}

// checkStateArg refuses a password typed into --state (anyone on the
// machine can read a command line); one from ONBOARD_STATE is fine.
func checkStateArg(spec string) error {
	if spec == os.Getenv("ONBOARD_STATE") {
		return nil
	}
	return stores.CheckArg(spec)
}

// negativeControl names the safeguard the many-machines test turns off to
// prove it can see what the safeguard prevents: "forget-maybe-sent" (a
// person taken over from a dead run is created without a lookup) or
// "no-shared-rate" (each process paces alone). Never set it otherwise.
const negativeControl = "ONBOARD_NEGATIVE_CONTROL"

// openState opens the store --state names for a run.
func openState(ctx context.Context, spec string, opt state.Options) (state.Ledger, error) {
	if err := checkStateArg(spec); err != nil {
		return nil, err
	}
	if stores.IsShared(spec) {
		st, err := pgstate.Open(ctx, spec, pgstate.Options{Now: opt.Now,
			ForgetMaybeSent: os.Getenv(negativeControl) == "forget-maybe-sent"})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return st, nil
	}
	return stores.Open(ctx, spec, opt)
}

// openStateReadOnly opens the store --state names for plan, history and
// lookup.
func openStateReadOnly(spec string) (state.Ledger, error) {
	if err := checkStateArg(spec); err != nil {
		return nil, err
	}
	return stores.OpenReadOnly(spec)
}
