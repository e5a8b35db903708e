package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/scim"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// slackSCIMFile is the built-in SCIM file copied for one SCIM platform,
// as an admin would: its own id, title, credential names, and givenName
// and familyName required. No Go.
func slackSCIMFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../providers/scim/vendor.yaml")
	require.NoError(t, err)
	src := string(b)
	for _, r := range [][2]string{
		{"id: scim\n", "id: slack-scim\n"},
		{"title: SCIM 2.0 service provider\n", "title: Slack SCIM\n"},
		{"ONBOARD_SCIM_URL", "ONBOARD_SLACK_URL"},
		{"ONBOARD_SCIM_TOKEN", "ONBOARD_SLACK_TOKEN"},
		{"  - name: givenName\n    type: string\n", "  - name: givenName\n    type: string\n    required: true\n"},
		{"  - name: familyName\n    type: string\n", "  - name: familyName\n    type: string\n    required: true\n"},
	} {
		require.Contains(t, src, r[0])
		src = strings.ReplaceAll(src, r[0], r[1])
	}
	file := filepath.Join(t.TempDir(), "slack-scim.yaml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
	return file
}

// TestOwnSCIMFile: a SCIM platform added by copying scim's file runs end
// to end under its own id and credential names against its simulator, in
// every simulator mode: a duplicate (a userName holding " and \, in
// another case) ends adopted with the existing id, a row without a field
// the copy requires is refused before any request, and a wrong token
// stops the run.
func TestOwnSCIMFile(t *testing.T) {
	file := slackSCIMFile(t)
	t.Setenv(scim.EnvToken, "")
	t.Setenv(scim.EnvBaseURL, "")

	code, out, stderr := onboard(t, "providers", "--check", file)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, out+stderr)
	code, out, stderr = onboard(t, "providers", file)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "slack-scim: Slack SCIM")
	assert.Contains(t, out, "base URL: --base-url, or ONBOARD_SLACK_URL (environment or --config); no default host")

	reg, err := vendorfile.LoadFile(file) // what -p does, for the test's own simulator
	require.NoError(t, err)
	assert.Equal(t, scim.Modes, reg.SimModes)
	assert.Equal(t, []string{"ONBOARD_SLACK_TOKEN"}, reg.Credentials)

	const existing = `O"Brien\Kate@Example.com`
	roster := write(t, "r.csv", "Username,First Name,Last Name\n"+
		`"o""brien\kate@example.com",Kate,O'Brien`+"\n"+
		"sam.okafor@example.com,Sam,Okafor\n"+
		"lee@example.com,,Lee\n")
	for _, mode := range scim.Modes {
		t.Run(mode, func(t *testing.T) {
			t.Setenv(simModeEnv, mode)
			res := filepath.Join(t.TempDir(), "demo.csv")
			code, _, stderr := onboard(t, "demo", "-q", "-p", file, "-o", res)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stderr, "simulating slack-scim (mode "+mode+")")
			assert.Contains(t, column(readCSV(t, res), "status"), "created")

			s, url := simulator(t, "slack-scim", sim.Options{Mode: mode})
			require.Contains(t, s.Credentials, "ONBOARD_SLACK_TOKEN", "the simulator hands out the file's credential name")
			c, err := reg.New(providers.Config{BaseURL: url, Credentials: s.Credentials})
			require.NoError(t, err)
			before, err := c.Create(t.Context(), schema.Record{"userName": existing, "givenName": "Kate", "familyName": "O'Brien"})
			require.NoError(t, err)

			// The base URL and the token from the config file, under the
			// copy's names.
			conf := write(t, "slack.env", "ONBOARD_SLACK_URL="+url+"\nONBOARD_SLACK_TOKEN="+s.Credentials["ONBOARD_SLACK_TOKEN"]+"\n")
			t.Setenv("ONBOARD_SLACK_TOKEN", "")
			res = filepath.Join(t.TempDir(), "results.csv")
			code, _, stderr = onboard(t, "run", "-q", "-p", file, "--config", conf, "--state", filepath.Join(t.TempDir(), "s.db"), "-o", res, roster)
			require.Equal(t, 1, code, stderr) // the invalid row
			rows := readCSV(t, res)
			assert.Equal(t, []string{"adopted", "created", "invalid"}, column(rows, "status"), stderr)
			assert.Equal(t, before.ID, column(rows, "id")[0], "the existing id, from the lookup")
			assert.Equal(t, "MISSING_REQUIRED", column(rows, "error_code")[2])
			assert.Equal(t, 2, s.Store.Len(), "nobody created twice, the invalid row never sent")
			assert.NotContains(t, stderr, s.Credentials["ONBOARD_SLACK_TOKEN"])

			// A wrong token stops the run at the first answer.
			t.Setenv("ONBOARD_SLACK_TOKEN", "wrong-"+s.Credentials["ONBOARD_SLACK_TOKEN"])
			res = filepath.Join(t.TempDir(), "results.csv")
			code, _, stderr = onboard(t, "run", "-q", "-p", file, "--base-url", url, "--no-state", "-o", res,
				write(t, "new.csv", "Username,First Name,Last Name\nzed@example.com,Zed,Ng\nyan@example.com,Yan,Li\n"))
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, "stopped: AUTH_FAILED (HTTP 401)")
			assert.Contains(t, stderr, "The vendor refused ONBOARD_SLACK_TOKEN")
			// Either row may take the first token (several workers): the
			// other is never sent.
			assert.ElementsMatch(t, []string{"failed", "not_attempted"}, column(readCSV(t, res), "status"), "nothing is sent after the 401")
			assert.Equal(t, 2, s.Store.Len())
		})
	}
}

// TestVendorsFromConfig: ONBOARD_VENDORS in the --config file adds a
// vendors folder as --vendors and the environment do (they win over it);
// a relative folder is the config file's neighbour, wherever onboard runs.
func TestVendorsFromConfig(t *testing.T) {
	t.Setenv(vendorsEnv, "")
	t.Setenv(scim.EnvToken, "")
	t.Setenv(scim.EnvBaseURL, "")
	home := t.TempDir()
	dir := filepath.Join(home, "vendors")
	require.NoError(t, os.Mkdir(dir, 0o700))
	b, err := os.ReadFile(slackSCIMFile(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf-scim.yaml"), []byte(strings.Replace(string(b), "id: slack-scim", "id: conf-scim", 1)), 0o600))

	s := scim.NewSimulator(sim.Options{})
	srv := httptestServer(t, s)
	conf := filepath.Join(home, "onboard.env")
	require.NoError(t, os.WriteFile(conf, []byte("ONBOARD_VENDORS=vendors\nONBOARD_SLACK_URL="+srv+"\nONBOARD_SLACK_TOKEN="+s.Credentials[scim.EnvToken]+"\n"), 0o600))
	roster := write(t, "r.csv", "Username,First Name,Last Name\nann@example.com,Ann,Lee\n")

	res := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "conf-scim", "--config", conf, "--no-state", "-o", res, roster)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "unknown key", "ONBOARD_VENDORS is a key onboard reads")
	assert.Equal(t, []string{"created"}, column(readCSV(t, res), "status"))
	assert.Equal(t, 1, s.Store.Len())

	code, out, stderr := onboard(t, "plan", "-p", "conf-scim", "--config", conf, "--offline", roster)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out+stderr, "plan: 1 rows read")

	// Without the key the id is unknown; a folder that is not there is one
	// clear error; the environment wins over the file.
	bare := write(t, "bare.env", "ONBOARD_SLACK_TOKEN=x\n")
	code, _, stderr = onboard(t, "run", "-q", "-p", "conf-scim", "--config", bare, "--no-state", "-o", res, roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "conf-scim")
	missing := write(t, "missing.env", "ONBOARD_VENDORS=/nonexistent/vendors\n")
	code, _, stderr = onboard(t, "run", "-q", "-p", "conf-scim", "--config", missing, "--no-state", "-o", res, roster)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "vendors folder /nonexistent/vendors")
	t.Setenv(vendorsEnv, dir)
	t.Setenv("ONBOARD_SLACK_TOKEN", s.Credentials[scim.EnvToken])
	code, _, stderr = onboard(t, "run", "-q", "-p", "conf-scim", "--config", missing, "--base-url", srv, "--no-state", "-o", res,
		write(t, "r2.csv", "Username,First Name,Last Name\nbo@example.com,Bo,Ek\n"))
	require.Equal(t, 0, code, "the environment wins over the config file: %s", stderr)
	assert.Equal(t, 2, s.Store.Len())
}

func httptestServer(t *testing.T, s *sim.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	return srv.URL
}
