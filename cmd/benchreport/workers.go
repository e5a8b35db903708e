package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/onboard/onboard/batch/state/pgtest"
	"github.com/onboard/onboard/providers/sim"
)

// Sizes and targets of the many-machines figures (issue 21): k `onboard
// run --state postgres://…` processes at once, each with a roster of its
// own, all for one tenant of a vendor with latency.
const (
	workersRate     = 100  // the tenant's --rate, shared by every process
	workersBurst    = 5    // and its --burst
	workersRated    = 1500 // creates of a rate-limited figure, over all processes
	workersPool     = 8    // --workers of each process
	workersFree     = 800  // creates of each process in an unlimited figure
	workersPerShare = 0.70 // unlimited: each process's rate vs one process on its own file
)

// workerCounts are the numbers of processes measured.
var workerCounts = []int{1, 2, 4}

// workersFigures measures throughput with 1, 2 and 4 processes sharing one
// tenant on the PostgreSQL ledger: rate-limited, their creates together
// must come within 3% below the tenant's rate and never above it;
// unlimited, each must keep 70% of what one process alone on the
// single-machine store (the SQLite file) reaches.
func workersFigures(ctx context.Context, b *bench) error {
	srv, err := pgtest.Run()
	if errors.Is(err, pgtest.ErrNoServer) {
		b.add(info("21", "many machines (1, 2, 4 processes on one PostgreSQL ledger)", "skipped: "+err.Error()))
		return nil
	}
	if err != nil {
		return err
	}
	defer srv.Stop()

	for i, k := range workerCounts {
		b.logf("%d processes at --rate %d on one PostgreSQL ledger, %v latency", k, workersRate, latency)
		db, err := srv.CreateDatabase(fmt.Sprintf("rated%d", k))
		if err != nil {
			return err
		}
		v, err := b.manyRuns(ctx, k, workersRated/k, db, strconv.Itoa(workersRate))
		if err != nil {
			return err
		}
		got := v.rate(k * workersPool)
		v.Close()
		b.add(check(fmt.Sprintf("21%c", 'a'+i), fmt.Sprintf("creates/s of %d processes together, one tenant at --rate %d --burst %d, %v latency, %d workers each (vendor's clock)", k, workersRate, workersBurst, latency, workersPool),
			fmt.Sprintf("%.1f/s = %s", got, pct(got/workersRate)), fmt.Sprintf("%s–100%% of %d", pct(1-rateBelow), workersRate),
			got >= (1-rateBelow)*workersRate && got <= workersRate))
	}

	b.logf("one process alone, --rate 0, on the SQLite store: the single-machine pool")
	v, err := b.manyRuns(ctx, 1, workersFree, filepath.Join(b.dir, "workers-alone.db"), "0")
	if err != nil {
		return err
	}
	alone := v.rate(workersPool)
	v.Close()
	b.add(info("21d", fmt.Sprintf("creates/s of one process on the SQLite store, --rate 0, %v latency, %d workers", latency, workersPool), fmt.Sprintf("%.0f/s", alone)))
	for i, k := range workerCounts {
		b.logf("%d processes at --rate 0 on one PostgreSQL ledger", k)
		db, err := srv.CreateDatabase(fmt.Sprintf("free%d", k))
		if err != nil {
			return err
		}
		v, err := b.manyRuns(ctx, k, workersFree, db, "0")
		if err != nil {
			return err
		}
		got := v.rate(k * workersPool)
		v.Close()
		per := got / float64(k)
		b.add(check(fmt.Sprintf("21%c", 'e'+i), fmt.Sprintf("creates/s per process, %d processes on PostgreSQL, one tenant, --rate 0 (together: %.0f/s)", k, got),
			fmt.Sprintf("%.0f/s = %s of one alone", per, pct(per/alone)), "≥ "+pct(workersPerShare), per >= workersPerShare*alone))
	}
	return nil
}

// manyRuns runs k `onboard run` processes at once against a fresh vendor
// with latency, each on a roster of n people of its own, all with --state
// store and --rate r, and checks that nobody was created twice.
func (b *bench) manyRuns(ctx context.Context, k, n int, store, r string) (*vendor, error) {
	bin, err := b.onboard(ctx)
	if err != nil {
		return nil, err
	}
	files, err := b.splitRoster(k, n)
	if err != nil {
		return nil, err
	}
	v, err := newVendor(sim.Options{Latency: latency})
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	errs := make([]error, k)
	for i, f := range files {
		wg.Go(func() {
			out := filepath.Join(b.dir, fmt.Sprintf("workers-results-%d.csv", i))
			defer os.Remove(out)
			cmd := exec.CommandContext(ctx, bin, "run", "-q", "-p", provider, "-m", b.mapping, "--base-url", v.srv.URL,
				"--rate", r, "--burst", strconv.Itoa(workersBurst), "--workers", strconv.Itoa(workersPool), "--state", store, "-o", out, f)
			cmd.Env = append(os.Environ(), v.env()...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil && (cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1) {
				errs[i] = fmt.Errorf("onboard run (process %d of %d): %w\n%s", i+1, k, err, tail(stderr.String(), 5))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		v.Close()
		return nil, err
	}
	// The generated rosters hold invalid rows on purpose: every valid
	// person is created, and nobody twice.
	if dups := len(v.sim.Store.Duplicates()); dups > 0 || v.sim.Store.Len() < k*n*3/4 {
		v.Close()
		return nil, fmt.Errorf("%d processes: the vendor holds %d people of %d rows, %d created twice", k, v.sim.Store.Len(), k*n, dups)
	}
	return v, nil
}

// splitRoster writes k rosters of n generated people each, no person in
// two of them (records, not lines: a generated note may hold a newline).
func (b *bench) splitRoster(k, n int) ([]string, error) {
	all, err := b.csvFile(k * n)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(all)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", all, err)
	}
	if len(recs) < k*n+1 {
		return nil, fmt.Errorf("%s: %d records, want %d", all, len(recs), k*n+1)
	}
	var files []string
	for i := range k {
		p := filepath.Join(b.dir, fmt.Sprintf("workers-%d-of-%d-%d.csv", i+1, k, n))
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(recs[0])                    //nolint:errcheck // Flush reports it
		w.WriteAll(recs[1+i*n : 1+(i+1)*n]) //nolint:errcheck // checked below
		if err := w.Error(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}
