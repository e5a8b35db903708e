//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary act as the spawn go-between and the
// simulator child, as benchreport does for itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == spawnArg {
		os.Exit(spawn(os.Args[2], os.Args[3:]))
	}
	if len(os.Args) == 3 && os.Args[1] == simulateArg {
		if err := simulate(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSpawn(t *testing.T) {
	rss := filepath.Join(t.TempDir(), "rss")
	assert.Equal(t, 3, spawn(rss, []string{"/bin/sh", "-c", "exit 3"}), "the program's exit code is passed on")
	kib, err := readRSS(rss)
	require.NoError(t, err)
	assert.Positive(t, kib)

	assert.Equal(t, 2, spawn(rss, nil))
	assert.Equal(t, 2, spawn(rss, []string{filepath.Join(t.TempDir(), "no-such-program")}))
}

// TestRunChildRSS: a child's peak RSS must be its own, not the large
// parent's (on Linux a child started directly inherits the parent's peak).
func TestRunChildRSS(t *testing.T) {
	big := make([]byte, 256<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	b := &bench{dir: t.TempDir(), log: t.Output()}
	r, err := b.runChild(t.Context(), nil, "/bin/sh", "-c", "echo oops >&2; exit 1")
	runtime.KeepAlive(big)
	require.NoError(t, err, "exit code 1 is accepted")
	assert.Equal(t, "oops", r.stderr)
	assert.Positive(t, r.rssKiB)
	assert.Less(t, r.rssKiB, int64(128<<10), "the shell's peak, not the 256 MiB parent's")

	_, err = b.runChild(t.Context(), nil, "/bin/sh", "-c", "exit 2")
	assert.Error(t, err)
}
