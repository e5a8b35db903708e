package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers/scim"
	"github.com/onboard/onboard/providers/sim"
)

const scimRoster = "Username,First Name,Last Name\nann.lee@example.com,Ann,Lee\n"

// TestSCIMBaseURLFromConfig: with no --base-url, the SCIM root comes from
// ONBOARD_SCIM_URL in the config file, and the state store is scoped by it
// as by the flag: the same run with --base-url skips the person.
func TestSCIMBaseURLFromConfig(t *testing.T) {
	s, url := simulator(t, scim.ID, sim.Options{})
	t.Setenv(scim.EnvToken, "")
	t.Setenv(scim.EnvBaseURL, "")
	conf := write(t, "scim.env", "ONBOARD_SCIM_URL="+url+"\nONBOARD_SCIM_TOKEN="+s.Credentials[scim.EnvToken]+"\n")
	dir := t.TempDir()
	stateFile, out := filepath.Join(dir, "state.db"), filepath.Join(dir, "results.csv")
	roster := write(t, "r.csv", scimRoster)
	code, _, stderr := onboard(t, "run", "-q", "-p", "scim", "--config", conf, "--state", stateFile, "-o", out, roster)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"created"}, column(readCSV(t, out), "status"))

	code, _, stderr = onboard(t, "run", "-q", "-p", "scim", "--config", conf, "--base-url", url, "--state", stateFile, "-o", out, roster)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"ALREADY_ONBOARDED"}, column(readCSV(t, out), "error_code"))
	assert.Equal(t, 1, s.Store.Len())
	assert.NotContains(t, stderr, s.Credentials[scim.EnvToken])
}

func TestSCIMBaseURLMissing(t *testing.T) {
	t.Setenv(scim.EnvToken, "t")
	t.Setenv(scim.EnvBaseURL, "")
	code, _, stderr := onboard(t, "run", "-q", "-p", "scim", "--no-state", "-o", filepath.Join(t.TempDir(), "r.csv"), write(t, "r.csv", scimRoster))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "set ONBOARD_SCIM_URL (or --base-url)")

	t.Setenv(scim.EnvBaseURL, "http://scim.example.com/v2")
	code, _, stderr = onboard(t, "run", "-q", "-p", "scim", "--no-state", "-o", filepath.Join(t.TempDir(), "r.csv"), write(t, "r.csv", scimRoster))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "ONBOARD_SCIM_URL=http://scim.example.com/v2: plain http://")
}

// TestSCIMSimulatorModes: ONBOARD_SIM_MODE picks the mode of --simulate
// and demo; an unknown one is refused with the list.
func TestSCIMSimulatorModes(t *testing.T) {
	for _, mode := range scim.Modes {
		t.Setenv(simModeEnv, mode)
		out := filepath.Join(t.TempDir(), "results.csv")
		code, _, stderr := onboard(t, "demo", "-q", "-p", "scim", "-o", out)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stderr, "simulating scim (mode "+mode+")")
		assert.Contains(t, column(readCSV(t, out), "status"), "created")
	}
	t.Setenv(simModeEnv, "teapot")
	code, _, stderr := onboard(t, "run", "-q", "-p", "scim", "--simulate", "--no-state", "-o", filepath.Join(t.TempDir(), "r.csv"), write(t, "r.csv", scimRoster))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `simulator mode "teapot": the scim simulator's modes are rfc, 400-uniqueness, 409-no-scimtype, 401-non-scim`)
}

// TestSCIMUpdateRefusedUpFront: a service provider whose
// ServiceProviderConfig says patch is not supported gets no request but
// that one: --update is refused before the first row.
func TestSCIMUpdateRefusedUpFront(t *testing.T) {
	var others atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/scim/ServiceProviderConfig" {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":false}}`))
			return
		}
		others.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	t.Setenv(scim.EnvToken, "t")
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "scim", "--base-url", srv.URL+"/scim", "--update",
		"--state", filepath.Join(t.TempDir(), "s.db"), "-o", out, write(t, "r.csv", scimRoster))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "PATCH is not supported")
	assert.Zero(t, others.Load(), "nothing but the ServiceProviderConfig was asked")
	assert.NoFileExists(t, out)
}

// TestSCIMEntraExport runs the real Entra bulk-create templates (the
// usual source of a SCIM roster) through samples/scim/entra-map.yaml against
// the SCIM simulator: every row with a new userName is created, the
// exports' repeated UPNs are DUPLICATE_IN_FILE, an export's Example: row
// INVALID_VALUE, nothing else.
func TestSCIMEntraExport(t *testing.T) {
	for file, want := range map[string][2]int{
		"azure-entra-bulkcreate-kabene.csv":     {507, 191}, // its Example: row is refused, not created
		"azure-entra-bulkcreate-ItsTriich.csv":  {5, 0},
		"azure-entra-bulkcreate-chrisley75.csv": {15, 0},
	} {
		t.Run(file, func(t *testing.T) {
			in := realFile(t, file)
			out := filepath.Join(t.TempDir(), "results.csv")
			code, _, stderr := onboard(t, "run", "-q", "-p", "scim", "--simulate", "--rate", "0", "--no-state",
				"-m", filepath.Join("..", "..", "samples", "scim", "entra-map.yaml"), "-o", out, in)
			rows := readCSV(t, out)
			counts := map[string]int{}
			for _, s := range column(rows, "status") {
				counts[s]++
			}
			assert.Equal(t, want[0], counts["created"], stderr)
			assert.Equal(t, want[1], counts["invalid"], stderr)
			assert.Len(t, rows, 1+want[0]+want[1], "no other status")
			msgs := column(rows, "message")
			for i, c := range column(rows, "error_code") {
				switch {
				case c == "INVALID_VALUE":
					assert.Contains(t, msgs[i], "example row", "row %d", i+2)
				case c != "":
					assert.Equal(t, "DUPLICATE_IN_FILE", c, "row %d", i+2)
				}
			}
			if want[1] == 0 {
				assert.Equal(t, 0, code, stderr)
			} else {
				assert.Equal(t, 1, code, stderr)
			}
		})
	}
}

// TestSCIMProviders: the listing and the description say where the base
// URL comes from, since SCIM has no default host; the template has the
// SCIM fields.
func TestSCIMProviders(t *testing.T) {
	code, out, _ := onboard(t, "providers")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "ONBOARD_SCIM_TOKEN, ONBOARD_SCIM_URL\n")
	code, out, _ = onboard(t, "providers", "scim")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "base URL: --base-url, or ONBOARD_SCIM_URL (environment or --config); no default host")
	assert.Contains(t, out, "employeeNumber")

	p := filepath.Join(t.TempDir(), "t.csv")
	code, _, stderr := onboard(t, "template", "-p", "scim", "-o", p)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"userName", "givenName", "familyName", "displayName", "email", "phone", "title",
		"externalId", "active", "employeeNumber", "department", "manager"}, readCSV(t, p)[0])
}
