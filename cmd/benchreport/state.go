package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/onboard/onboard/providers/sim"
)

// Sizes and targets of the state figures (issue item 4).
const (
	stateRows    = 100_000
	stateWorkers = 32
	stateShare   = 0.80 // with state vs --no-state
	rerunShare   = 0.10 // the all-skipped re-run vs the first run
)

// stateFigures runs `onboard run` on 100,000 rows without a rate limit,
// with and without the state store, then again with the same store and
// vendor, when every row must be skipped.
func stateFigures(ctx context.Context, b *bench) error {
	path, err := b.csvFile(stateRows)
	if err != nil {
		return err
	}
	// Each run with fresh people gets a fresh vendor (the simulator keeps
	// its users); the re-run goes to the same vendor as the run with state:
	// the same base URL is the same state scope.
	first, err := newVendor(sim.Options{})
	if err != nil {
		return err
	}
	defer first.Close()
	b.logf("run --no-state, %s rows", count(stateRows))
	noState, err := b.run(ctx, first, path, stateRows, "--no-state")
	if err != nil {
		return err
	}
	v, err := newVendor(sim.Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	store := filepath.Join(b.dir, "state.db")
	b.logf("run --state, %s rows", count(stateRows))
	withState, err := b.run(ctx, v, path, stateRows, "--state", store)
	if err != nil {
		return err
	}
	b.logf("re-run with the same state store and vendor")
	rerun, err := b.run(ctx, v, path, 0, "--state", store)
	if err != nil {
		return err
	}

	what := fmt.Sprintf("%s rows, --rate 0, %d workers", count(stateRows), stateWorkers)
	ns, ws := rate(stateRows, noState.wall), rate(stateRows, withState.wall)
	b.add(info("3a", "run --no-state, "+what, perSec(ns, "rows")+" ("+secs(noState.wall)+", peak RSS "+mib(noState.rssKiB)+")"))
	b.add(info("3b", "run with the state store, "+what, perSec(ws, "rows")+" ("+secs(withState.wall)+", peak RSS "+mib(withState.rssKiB)+")"))
	b.add(check("3c", "run with state / --no-state", pct(ws/ns), "≥ "+pct(stateShare), ws/ns >= stateShare))
	share := rerun.wall.Seconds() / withState.wall.Seconds()
	b.add(check("3d", "re-run of the same rows, all skipped, vs the first run", secs(rerun.wall)+" = "+pct(share), "< "+pct(rerunShare), share < rerunShare))
	return nil
}

// run runs `onboard run` on path against v and checks that every row was
// read and that the vendor received exactly creates new creates.
func (b *bench) run(ctx context.Context, v *vendor, path string, creates int, flags ...string) (childRun, error) {
	out := filepath.Join(b.dir, "results.csv")
	defer os.Remove(out)
	before := v.creates()
	args := append([]string{"run", "-p", provider, "-m", b.mapping, "--base-url", v.srv.URL,
		"--rate", "0", "--workers", strconv.Itoa(stateWorkers), "-o", out, "-q"}, flags...)
	r, err := b.runOnboard(ctx, v.env(), append(args, path)...)
	if err != nil {
		return r, err
	}
	if got := v.creates() - before; got != creates {
		return r, fmt.Errorf("onboard run %s: the vendor got %d creates, want %d:\n%s", strings.Join(flags, " "), got, creates, tail(r.stderr, 5))
	}
	if want := fmt.Sprintf("%d rows read", stateRows); !strings.Contains(r.stderr, want) {
		return r, fmt.Errorf("onboard run %s: want %q in its summary, got:\n%s", strings.Join(flags, " "), want, tail(r.stderr, 5))
	}
	return r, nil
}
