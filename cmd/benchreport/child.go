package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/onboard/onboard/batch/read"
)

// childRun is what one onboard child process took.
type childRun struct {
	wall   time.Duration
	cpu    time.Duration // user and system, the go-between's included; 0 where the OS does not say
	rssKiB int64         // peak resident set size; 0 where the OS does not say
	stderr string
}

// onboard returns the onboard binary, building it on first use.
func (b *bench) onboard(ctx context.Context) (string, error) {
	if b.bin != "" {
		return b.bin, nil
	}
	bin := filepath.Join(b.dir, "onboard")
	b.logf("building onboard")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/onboard/onboard/cmd/onboard").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/onboard: %w\n%s", err, out)
	}
	b.bin = bin
	return bin, nil
}

// runOnboard runs the onboard binary with args and extra environment
// variables, and times it. Exit code 1 (some rows invalid or failed) is
// accepted: the caller checks the counts it cares about.
func (b *bench) runOnboard(ctx context.Context, env []string, args ...string) (childRun, error) {
	bin, err := b.onboard(ctx)
	if err != nil {
		return childRun{}, err
	}
	r, err := b.runChild(ctx, env, bin, args...)
	if err != nil {
		return r, fmt.Errorf("onboard %s: %w\n%s", strings.Join(args, " "), err, tail(r.stderr, 10))
	}
	b.logf("  onboard %s: %s, peak RSS %s", args[0], secs(r.wall), mib(r.rssKiB))
	return r, nil
}

// runChild runs bin through the spawn go-between, which reports its peak
// RSS, and times it.
func (b *bench) runChild(ctx context.Context, env []string, bin string, args ...string) (childRun, error) {
	self, err := os.Executable()
	if err != nil {
		return childRun{}, err
	}
	rssFile := filepath.Join(b.dir, "rss")
	_ = os.Remove(rssFile)
	cmd := exec.CommandContext(ctx, self, append([]string{spawnArg, rssFile, bin}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // spawn kills onboard
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdout (the first problems) is not needed
	start := time.Now()
	err = cmd.Run()
	r := childRun{wall: time.Since(start), stderr: strings.TrimSpace(stderr.String())}
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime() // the spawn's rusage counts the onboard it waited for
	}
	if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 1 {
		err = nil
	}
	if err == nil {
		r.rssKiB, err = readRSS(rssFile)
	}
	return r, err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// csvFile returns a generated CSV roster of rows rows and 15 columns,
// generating it on first use.
func (b *bench) csvFile(rows int) (string, error) {
	if p, ok := b.csvs[rows]; ok {
		return p, nil
	}
	p := filepath.Join(b.dir, fmt.Sprintf("roster-%d.csv", rows))
	b.logf("generating %s-row CSV", count(rows))
	if err := read.WriteCSV(p, rows, columns); err != nil {
		return "", fmt.Errorf("generate %s: %w", p, err)
	}
	b.csvs[rows] = p
	return p, nil
}
