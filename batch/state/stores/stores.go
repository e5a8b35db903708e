// Package stores opens the state store a --state value names: a SQLite
// file (the default, embedded) or, for a postgres:// URL, the PostgreSQL
// ledger many processes share.
package stores

import (
	"context"
	"fmt"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
)

// IsShared reports whether spec names a database many processes share.
func IsShared(spec string) bool { return pgstate.IsURL(spec) }

// Open opens spec for a run.
func Open(ctx context.Context, spec string, opt state.Options) (state.Ledger, error) {
	if pgstate.IsURL(spec) {
		st, err := pgstate.Open(ctx, spec, pgstate.Options{Now: opt.Now})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return state.OpenContext(ctx, spec, opt)
}

// OpenReadOnly opens spec for plan, history and lookup. A database with
// no ledger yet matches fs.ErrNotExist, as a missing file does.
func OpenReadOnly(spec string) (state.Ledger, error) {
	if pgstate.IsURL(spec) {
		st, err := pgstate.Open(context.Background(), spec, pgstate.Options{ReadOnly: true})
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return st, nil
	}
	return state.OpenReadOnly(spec)
}

// Name is spec as messages show it: a URL without its password.
func Name(spec string) string {
	if pgstate.IsURL(spec) {
		return pgstate.Redact(spec)
	}
	return spec
}

// CheckArg refuses a connection string with a password given on the
// command line, where other users of the machine can read it: the
// password belongs in PGPASSWORD, ~/.pgpass or ONBOARD_STATE.
func CheckArg(spec string) error {
	if pgstate.IsURL(spec) && pgstate.HasPassword(spec) {
		return fmt.Errorf("--state %s: the password is readable on the command line; put it in PGPASSWORD or ~/.pgpass (or the whole URL in ONBOARD_STATE)", pgstate.Redact(spec))
	}
	return nil
}
