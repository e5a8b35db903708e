package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "results.xlsx")
			args := append([]string{"run", "-q", "-p", "smartapp", "--base-url", tt.url, "--state", filepath.Join(dir, "s.db"),
				"-o", out, "--failed-out", filepath.Join(dir, "failed.csv")}, tt.extra...)
			t.Setenv("ONBOARD_TOKEN", "tok-distinct-1")
			code, _, stderr := onboard(t, append(args, in)...)
			assert.Equal(t, exitFatal, code)
			assert.Contains(t, stderr, tt.msg)
			assert.NotContains(t, stderr, ":pw@")
			ents, _ := os.ReadDir(dir)
			assert.Empty(t, ents, "nothing created before the check")
		})
	}
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
	for i, base := range []string{url, "http://localhost" + port, "HTTP://LOCALHOST" + port + "/"} {
		out := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
		code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--rate", "0", "--base-url", base,
			"--state", filepath.Join(dir, "s.db"), "-o", out, in)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, 20, s.Store.Len())
	}
	for key, n := range s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
}
