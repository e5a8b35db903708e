package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeBlock returns the fenced block that follows marker in the README.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(b), marker)
	require.True(t, ok, "README has %q", marker)
	_, rest, ok = strings.Cut(rest, "```sh\n")
	require.True(t, ok)
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	return block
}

// checkOnboardArgs checks that an onboard command line in a sample uses
// only flags the command has, with values where they need them.
func checkOnboardArgs(t *testing.T, line string) {
	t.Helper()
	fields := strings.Fields(line)
	i := 0
	for i < len(fields) && (filepath.Base(fields[i]) != "onboard" || (i > 0 && fields[i-1] == "cd")) {
		i++
	}
	require.Less(t, i, len(fields), "an onboard command in %q", line)
	args := fields[i+1:]
	for j, a := range args {
		if strings.HasPrefix(a, ">") || a == "2>&1" {
			args = args[:j]
			break
		}
	}
	require.NotEmpty(t, args)
	root := newRoot(nil, nil)
	cmd, rest, err := root.Find(args)
	require.NoError(t, err)
	cmd.Flags().AddFlagSet(cmd.InheritedFlags())
	cmd.SetArgs(rest)
	require.NoError(t, cmd.ParseFlags(rest), "%q", line)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		ann := f.Annotations[cobra.BashCompOneRequiredFlag]
		if len(ann) > 0 {
			assert.True(t, f.Changed, "required --%s missing from %q", f.Name, line)
		}
	})
	assert.Empty(t, cmd.Flags().Args(), "watch takes no arguments: %q", line)
}

// TestREADMECronLine checks the README's cron example as crontab would
// take it: one line (cron has no \ continuation), five schedule fields a
// cron parser accepts, every % escaped (cron turns a bare % into a
// newline), PATH set, output appended to a log, and flags onboard knows.
func TestREADMECronLine(t *testing.T) {
	block := readmeBlock(t, "<!-- cron example -->")
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "one crontab line: %q", block)
	line := lines[0]
	assert.False(t, strings.HasSuffix(line, `\`), "no continuation")
	f := strings.Fields(line)
	require.Greater(t, len(f), 5)
	_, err := cron.ParseStandard(strings.Join(f[:5], " "))
	require.NoError(t, err, "schedule %q", strings.Join(f[:5], " "))
	command := strings.Join(f[5:], " ")
	assert.NotRegexp(t, regexp.MustCompile(`(^|[^\\])%`), command, "a bare %% ends the command in cron")
	assert.Contains(t, command, "PATH=")
	assert.Regexp(t, `>> ?\S+ 2>&1$`, command, "output appended to a log")
	assert.NotRegexp(t, `ONBOARD_TOKEN=|NOTIFY_URL=|--notify-url`, command, "no secret on the command line")
	checkOnboardArgs(t, command)

	if crontab, err := exec.LookPath("crontab"); err == nil {
		// Debian's crontab has -T (test a file without installing it).
		file := filepath.Join(t.TempDir(), "crontab")
		require.NoError(t, os.WriteFile(file, []byte(line+"\n"), 0o600))
		if out, err := exec.Command(crontab, "-T", file).CombinedOutput(); err == nil || !strings.Contains(string(out), "invalid option") {
			assert.NoError(t, err, "crontab -T: %s", out)
		}
	}
}

// TestSystemdSamples checks the units in samples/systemd: systemd's own
// verifier where it is installed (only the missing binary is allowed), and
// the onboard command lines against onboard's flags everywhere.
func TestSystemdSamples(t *testing.T) {
	dir := "../../samples/systemd"
	units := []string{"onboard-watch.service", "onboard-watch-once.service", "onboard-watch-once.timer", "onboard-worker.service"}
	for _, u := range units {
		b, err := os.ReadFile(filepath.Join(dir, u))
		require.NoError(t, err, u)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "ExecStart=") {
				checkOnboardArgs(t, strings.TrimPrefix(l, "ExecStart="))
				assert.NotContains(t, l, "notify-url", "the webhook is a secret: EnvironmentFile, not argv")
			}
		}
	}
	once, err := os.ReadFile(filepath.Join(dir, "onboard-watch-once.service"))
	require.NoError(t, err)
	assert.Contains(t, string(once), " --once ")
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: unit syntax not verified")
		return
	}
	tmp := t.TempDir()
	for _, u := range units {
		b, _ := os.ReadFile(filepath.Join(dir, u))
		require.NoError(t, os.WriteFile(filepath.Join(tmp, u), b, 0o600))
	}
	for _, u := range units {
		out, _ := exec.Command(analyze, "verify", "--man=no", filepath.Join(tmp, u)).CombinedOutput()
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l == "" || strings.Contains(l, "/usr/local/bin/onboard is not executable") {
				continue
			}
			t.Errorf("%s: systemd-analyze: %s", u, l)
		}
	}
}
