package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers/sim"
)

// --base-url is checked before any output, state file or simulator exists.
func TestRunRefusesABadBaseURLBeforeTouchingAnything(t *testing.T) {
	in := write(t, "in.csv", smartappGood)
	tests := []struct {
		url, msg string
		extra    []string
	}{
		{"http://api.smartapp.example", "plain http://", nil},
		{"api.smartapp.example", "no scheme", nil},
		{"https://", "no host", nil},
		{"https://me:pw@api.smartapp.example", "user name or password", nil},
		{"ftp://api.smartapp.example", "not supported", nil},
		{"https://api.smartapp.example/?token=s3cr3t-tok", "holds a query or fragment", nil},
		{"https://api.smartapp.example/v1?api_key=s3cr3t-tok&x=1", "holds a query or fragment", nil},
		{"https://api.smartapp.example/v1#s3cr3t-tok", "holds a query or fragment", nil},
		{"https://api.smartapp.example?", "holds a query or fragment", nil},
		{"api.smartapp.example/?token=s3cr3t-tok", "holds a query or fragment", nil},
		{"https://exa mple.com/?token=s3cr3t-tok", "invalid character", nil},
		{"https://api.smartapp.example/?token=s3cr3t-tok", "holds a query or fragment", []string{"--json"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "results.xlsx")
			args := append([]string{"run", "-q", "-p", "smartapp", "--base-url", tt.url, "--state", filepath.Join(dir, "s.db"),
				"-o", out, "--failed-out", filepath.Join(dir, "failed.csv")}, tt.extra...)
			t.Setenv("ONBOARD_TOKEN", "tok-distinct-1")
			code, stdout, stderr := onboard(t, append(args, in)...)
			assert.Equal(t, exitFatal, code)
			assert.Contains(t, stderr, tt.msg)
			assert.NotContains(t, stderr, ":pw@")
			assert.NotContains(t, stderr+stdout, "s3cr3t", "no secret echoed, in the --json report either")
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %s", stderr)
			ents, _ := os.ReadDir(dir)
			assert.Empty(t, ents, "nothing created before the check")
		})
	}
}

// watch checks --base-url once, before it touches the inbox: a query is
// refused with every file left where it was.
func TestWatchRefusesABaseURLWithAQuery(t *testing.T) {
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 2))
	t.Setenv("ONBOARD_TOKEN", "tok-distinct-1")
	code, stdout, stderr := onboard(t, watchArgs(box, "https://api.smartapp.example/?token=s3cr3t-tok", "--once")...)
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "holds a query or fragment")
	assert.NotContains(t, stderr+stdout, "s3cr3t")
	assert.Equal(t, []string{"a.csv"}, names(t, box), "the inbox is untouched")
	assert.NoFileExists(t, filepath.Join(box, "..", "state.db"))
}

func TestRunTimeoutMustNotBeNegative(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--timeout", "-1s", "--state", filepath.Join(dir, "s.db"),
		"-o", filepath.Join(dir, "r.csv"), write(t, "in.csv", smartappGood))
	assert.Equal(t, exitFatal, code)
	assert.Contains(t, stderr, "--timeout")
	ents, _ := os.ReadDir(dir)
	assert.Empty(t, ents)
}

// One person, one scope: the same simulator reached as 127.0.0.1, then
// localhost, then [::1]-style spellings creates each person once.
func TestRunScopeSpellingsCreateOnce(t *testing.T) {
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	in := roster(t, 20)
	port := url[strings.LastIndex(url, ":"):]
	// Spellings of the same tenant (issue 17): a zero-padded port, an
	// IPv4-mapped address, the unspecified address (this host), dot
	// segments.
	spellings := []string{url, "http://localhost" + port, "HTTP://LOCALHOST" + port + "/",
		"http://127.0.0.1:0" + port[1:], "http://[::ffff:127.0.0.1]" + port, "http://0.0.0.0" + port + "/.",
		"http://localhost" + port + "/a/../"}
	for i, base := range spellings {
		out := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
		code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--rate", "0", "--base-url", base,
			"--state", filepath.Join(dir, "s.db"), "-o", out, in)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, 20, s.Store.Len(), base)
		assert.Empty(t, s.Store.Duplicates(), "%s: no create sent again (the vendor's 'exists' would hide it)", base)
	}
	for key, n := range s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
}

// tmpfs mounts a small tmpfs for the test, or skips when the machine does
// not allow it (not root, no mount in a container).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("a tmpfs needs root on Linux")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// A full disk under the results: one clear error naming the file, exit 2,
// no hang, no temporary file left, the state lock released.
func TestRunOnAFullDisk(t *testing.T) {
	full := tmpfs(t, "64k")
	dir := t.TempDir()
	in := roster(t, 3000)
	out := filepath.Join(full, "results.csv")
	stateFile := filepath.Join(dir, "s.db")
	done := make(chan struct{})
	var code int
	var stderr string
	go func() {
		defer close(done)
		code, _, stderr = onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--rate", "0", "--workers", "8",
			"--state", stateFile, "-o", out, in)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run hung on a full disk")
	}
	assert.Equal(t, exitFatal, code, stderr)
	assert.Contains(t, stderr, out+": no space left on device")
	ents, err := os.ReadDir(full)
	require.NoError(t, err)
	assert.Empty(t, ents, "no half-written results, no temporary file")
	st, err := state.Open(stateFile, state.Options{})
	require.NoError(t, err, "the lock was released")
	require.NoError(t, st.Close())
}
