package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/sim"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the onboard binary once for the tests that need a real
// process to kill.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "onboard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "onboard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func roster(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("First Name,Last Name,E-mail,Company,Location\n")
	for i := range n {
		fmt.Fprintf(&b, "P%d,Person,p%04d@smartapp.com,smartapp.com,headquarters\n", i, i)
	}
	return write(t, "roster.csv", b.String())
}

// TestKillNineAndRerun kills a real run with SIGKILL at several points, runs
// the same command again, and checks that every person was created exactly
// once and the last results sheet accounts for every row. The simulator also
// drops connections, some after creating the user, so lost answers are
// recovered too.
func TestKillNineAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	bin := binary(t)
	const n = 240
	s, url := simulator(t, "smartapp", sim.Options{Latency: 3 * time.Millisecond, DropRate: 0.05, Seed: 7})
	dir := t.TempDir()
	path := roster(t, n)
	stateFile := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "results.csv")
	args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--workers", "4", "--retries", "5",
		"--state", stateFile, "-o", out, path}

	for _, killAt := range []int{15, 80, 160} {
		cmd := exec.Command(bin, args...)
		cmd.Env = os.Environ()
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(20 * time.Second)
		for s.Store.Len() < killAt && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		t.Logf("killed at %d users created", s.Store.Len())
		// A killed run leaves the previous results or none, never a
		// half-written or 0-byte file.
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "a killed run left %s", out)
	}

	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the last run did not finish")
	}

	assert.Equal(t, n, s.Store.Len(), "every person created")
	for key, c := range s.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
	rows := readCSV(t, out)
	require.Len(t, rows, n+1, "one results row per roster row")
	counts := map[string]int{}
	for _, st := range column(rows, "status") {
		counts[st]++
	}
	assert.Equal(t, n, counts["created"]+counts["skipped"], "every row created now or skipped as done before: %v", counts)
	assert.Positive(t, counts["skipped"])
	t.Logf("last run: %v", counts)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		assert.NotContains(t, e.Name(), ".onboard-tmp-", "the killed runs' temporary files are removed by the next run")
	}
}
