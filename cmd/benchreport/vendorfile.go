package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goVendorsCommit is the last commit whose five vendors were Go literals;
// the next ones made them embedded vendor files (issue 19).
const goVendorsCommit = "658e0fb"

// filePairs is how many A B pairs figure 1q runs: its goal is a few
// percent, and each run takes seconds, so more than the others' three.
const filePairs = 7

// spFileCommit moved SmarterProctoring alone from Go to its file: its
// parent against it measures the move without the other work since
// goVendorsCommit.
const spFileCommit = "669fabc"

// fileShare is issue 19's goal: validating with a file-defined vendor
// takes at most 3% longer than with the Go-defined one.
const fileShare = 1.03

// vendorFileFigures measures issue 19's figure: the fully checked 1M-row
// SmarterProctoring roster validated by this tree's onboard (the vendor
// compiled from its embedded file) against the binary built from
// goVendorsCommit (the vendor a Go literal), paired in time like the
// other ratios. Both binaries run the same command on the same file.
// Without git, or a checkout holding that commit, the figure is skipped
// and says why.
func vendorFileFigures(ctx context.Context, b *bench) error {
	const id = "1q"
	what := "validate (no -o) time, file-defined vendor / Go-defined (" + goVendorsCommit + "), " + count(spRows) + "-row SmarterProctoring CSV, every column checked"
	old, why := b.buildAt(ctx, goVendorsCommit)
	if old == "" {
		b.logf("skipping %s: %s", id, why)
		b.add(info(id, what, "skipped: "+why))
		return nil
	}
	big, err := b.spFile(spRows)
	if err != nil {
		return err
	}
	goRun := func() (childRun, error) { return b.validateSPWith(ctx, old, big, spRows) }
	fileRun := func() (childRun, error) { return b.validateSP(ctx, big, spRows, "") }
	b.logf("validate with the Go-defined vendor (%s) vs the file-defined one, %d pairs", goVendorsCommit, filePairs)
	// pairs(A, B) is B's time over A's: the file-defined run's time as a
	// multiple of the Go-defined run's.
	p, err := b.pairsN(filePairs, goRun, fileRun)
	if err != nil {
		return err
	}
	b.add(check(id, what, fmt.Sprintf("%s (walls, medians: Go %s, file %s)", p, secs(medWall(p.a)), secs(medWall(p.b))),
		"≤ "+ratio(fileShare), p.med <= fileShare))

	// The move alone: 1q also holds every other change since
	// goVendorsCommit (the mapper's, the reports').
	const id2 = "1r"
	what2 := "the same, the move alone: " + spFileCommit + " (SmarterProctoring from its file) / its parent (a Go literal)"
	before, why := b.buildAt(ctx, spFileCommit+"^")
	after, why2 := b.buildAt(ctx, spFileCommit)
	if before == "" || after == "" {
		b.add(info(id2, what2, "skipped: "+cmpOr(why, why2)))
		return nil
	}
	p2, err := b.pairsN(filePairs,
		func() (childRun, error) { return b.validateSPWith(ctx, before, big, spRows) },
		func() (childRun, error) { return b.validateSPWith(ctx, after, big, spRows) })
	if err != nil {
		return err
	}
	b.add(info(id2, what2, fmt.Sprintf("%s (walls, medians: Go %s, file %s)", p2, secs(medWall(p2.a)), secs(medWall(p2.b)))))
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// buildAt builds cmd/onboard as it was at commit, from `git archive` of
// the checkout benchreport runs in, into the bench's temp dir. It returns
// the binary, or "" and why it could not.
func (b *bench) buildAt(ctx context.Context, commit string) (bin, why string) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", "git is not installed, so the " + commit + " binary cannot be built"
	}
	top, err := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", "not run inside the onboard git checkout, so the " + commit + " binary cannot be built"
	}
	root := strings.TrimSpace(string(top))
	if err := exec.CommandContext(ctx, "git", "-C", root, "cat-file", "-e", commit+"^{commit}").Run(); err != nil {
		return "", "this checkout does not hold commit " + commit + " (a shallow clone?)"
	}
	name := strings.ReplaceAll(commit, "^", "-parent")
	src := filepath.Join(b.dir, "src-"+name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err.Error()
	}
	b.logf("building onboard at %s (git archive)", commit)
	archive := exec.CommandContext(ctx, "git", "-C", root, "archive", commit)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err.Error()
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		return "", "tar: " + err.Error()
	}
	if err := errors.Join(archive.Run(), untar.Wait()); err != nil {
		return "", "git archive " + commit + " | tar -x: " + err.Error()
	}
	bin = filepath.Join(b.dir, "onboard-"+name)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/onboard")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build at %s: %v: %s", commit, err, tail(strings.TrimSpace(string(out)), 3))
	}
	return bin, ""
}

// validateSPWith is validateSP (no -o) with another onboard binary.
func (b *bench) validateSPWith(ctx context.Context, bin, path string, rows int) (childRun, error) {
	args := []string{"validate", "-p", "smarterproctoring", "-q", path}
	r, err := b.runChild(ctx, nil, bin, args...)
	if err != nil {
		return r, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, tail(r.stderr, 10))
	}
	b.logf("  %s validate: %s, peak RSS %s", filepath.Base(bin), secs(r.wall), mib(r.rssKiB))
	if want := fmt.Sprintf("%d rows read", rows); !strings.Contains(r.stderr, want) {
		return r, fmt.Errorf("%s validate %s: want %q in its summary, got:\n%s", bin, path, want, tail(r.stderr, 5))
	}
	return r, nil
}

// spFile returns a generated SmarterProctoring roster of rows rows,
// generating it on first use.
func (b *bench) spFile(rows int) (string, error) {
	if p, ok := b.sps[rows]; ok {
		return p, nil
	}
	p := filepath.Join(b.dir, fmt.Sprintf("sp-%d.csv", rows))
	b.logf("generating %s-row SmarterProctoring roster", count(rows))
	if err := writeSPRoster(p, rows); err != nil {
		return "", fmt.Errorf("generate %s: %w", p, err)
	}
	b.sps[rows] = p
	return p, nil
}
