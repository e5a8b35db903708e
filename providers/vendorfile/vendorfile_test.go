package vendorfile_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// copied is AlphaLearn's built-in file with another id and create path:
// a new vendor made without Go.
func copied(t *testing.T) *vendorfile.Vendor {
	t.Helper()
	b, err := os.ReadFile("../alphalearn/vendor.yaml")
	require.NoError(t, err)
	src := strings.Replace(strings.Replace(string(b), "id: alphalearn", "id: acme-lms", 1), "path: /user/create", "path: /api/people", 1)
	v, err := vendorfile.Parse("acme.yaml", []byte(src))
	require.NoError(t, err)
	return v
}

func alphaGood() schema.Record {
	return schema.Record{"title": "Ms", "firstName": "Ananya", "lastName": "Rao", "email": "ananya.rao@example.com",
		"userCanChoosePassword": int64(0), "roleId": int64(3), "countryCode": "+91", "mobile": "9876543210",
		"city": int64(1001), "state": int64(29), "country": int64(101)}
}

// TestCopiedVendorConformance runs the conformance suite every built-in
// passes on a copied file against its derived simulator: create,
// duplicate (ALREADY_EXISTS), wrong and missing credentials, lookup, 5xx
// and 429.
func TestCopiedVendorConformance(t *testing.T) {
	providertest.Run(t, copied(t).Registration(), alphaGood())
}

// TestCopiedSmartappConformance: a copy of smartapp's file (status-coded
// errors, an extra-columns object, an update whose ID is in the query)
// against its derived simulator.
func TestCopiedSmartappConformance(t *testing.T) {
	b := mustRead(t, "../smartapp/vendor.yaml")
	v, err := vendorfile.Parse("copy.yaml", []byte(strings.Replace(string(b), "id: smartapp", "id: smartapp-copy", 1)))
	require.NoError(t, err)
	providertest.Run(t, v.Registration(), schema.Record{"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com",
		"companyName": "smartapp.com", "companyLocationName": "headquarters", "metadata": map[string]any{"Employee ID": "E1001"}})
}

// TestCopiedBksbConformance: a copy of bksb's file (HTTP Basic, Go
// extensions by name, a lookup that answers the bare ID) against its
// derived simulator.
func TestCopiedBksbConformance(t *testing.T) {
	b := mustRead(t, "../bksb/vendor.yaml")
	v, err := vendorfile.Parse("copy.yaml", []byte(strings.Replace(string(b), "id: bksb", "id: bksb-copy", 1)))
	require.NoError(t, err)
	providertest.Run(t, v.Registration(), schema.Record{"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee", "Email": "ann@example.org"})
}

// TestCopiedSmarterProctoringConformance: a copy of smarterproctoring's
// file (a header token, a credential in the path, a Go check).
func TestCopiedSmarterProctoringConformance(t *testing.T) {
	b := mustRead(t, "../smarterproctoring/vendor.yaml")
	v, err := vendorfile.Parse("copy.yaml", []byte(strings.Replace(string(b), "id: smarterproctoring", "id: sp-copy", 1)))
	require.NoError(t, err)
	providertest.Run(t, v.Registration(), schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu", "password": "Exam#2024ok"})
}

func TestSmallVendorConformance(t *testing.T) {
	v, err := vendorfile.Load("testdata/small.yaml")
	require.NoError(t, err)
	providertest.Run(t, v.Registration(), schema.Record{"email": "ann@example.org", "firstName": "Ann", "role": "learner"})
}

// TestDerivedSimulatorMatchesReference sends every AlphaLearn sample
// problem to both the hand-written simulator and the one derived from the
// file: the file's client reads the same code and field from each.
func TestDerivedSimulatorMatchesReference(t *testing.T) {
	reg, err := providers.Lookup("alphalearn")
	require.NoError(t, err)
	v := copied(t)
	refV, err := vendorfile.Parse("alphalearn.yaml", mustRead(t, "../alphalearn/vendor.yaml"))
	require.NoError(t, err)
	records := []schema.Record{alphaGood()}
	for _, drop := range []string{"firstName", "lastName", "title", "roleId", "userCanChoosePassword"} {
		r := alphaGood()
		delete(r, drop)
		records = append(records, r)
	}
	bad := alphaGood()
	bad["userCanChoosePassword"] = int64(1) // password now required
	records = append(records, bad)
	noCity := alphaGood()
	delete(noCity, "state")
	records = append(records, noCity)
	outcomes := func(srv *sim.Server, vv *vendorfile.Vendor) []string {
		ts := httptest.NewServer(srv.Handler)
		defer ts.Close()
		c, err := vv.New(providertest.Config(ts.URL, srv.Credentials))
		require.NoError(t, err)
		var out []string
		for _, rec := range append(records, alphaGood()) { // the last is a duplicate
			_, err := c.Create(providertest.Context(t), rec)
			if err == nil {
				out = append(out, "created")
				continue
			}
			e := providers.AsError(t.Context(), err)
			out = append(out, string(e.Code)+" "+e.Field)
		}
		id, found, err := c.(providers.Finder).Find(providertest.Context(t), alphaGood())
		require.NoError(t, err)
		assert.NotEmpty(t, id)
		out = append(out, "found "+map[bool]string{true: "yes", false: "no"}[found])
		return out
	}
	ref := outcomes(reg.Simulator(sim.Options{}), refV)
	derived := outcomes(v.Simulator(sim.Options{}), v)
	assert.Equal(t, []string{"created", "VENDOR_REJECTED firstName", "VENDOR_REJECTED lastName", "VENDOR_REJECTED title",
		"VENDOR_REJECTED roleId", "VENDOR_REJECTED userCanChoosePassword", "VENDOR_REJECTED password", "VENDOR_REJECTED city",
		"ALREADY_EXISTS email", "found yes"}, ref)
	// The hand-written simulator names city for a missing state (1016);
	// the derived one, with no code for state, says state.
	want := append([]string(nil), ref...)
	want[7] = "VENDOR_REJECTED state"
	assert.Equal(t, want, derived)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestLookupByPath: -p ./acme.yaml loads and registers the file once; a
// file reusing a built-in id is refused.
func TestLookupByPath(t *testing.T) {
	dir := t.TempDir()
	b := mustRead(t, "../alphalearn/vendor.yaml")
	path := dir + "/acme.yaml"
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), "id: alphalearn", "id: acme-path", 1)), 0o600))
	reg, err := providers.Lookup(path)
	require.NoError(t, err)
	assert.Equal(t, "acme-path", reg.ID)
	again, err := providers.Lookup("acme-path")
	require.NoError(t, err)
	assert.Same(t, reg, again)
	_, err = providers.Lookup(path)
	require.NoError(t, err, "the same file twice")

	clash := dir + "/clash.yaml"
	require.NoError(t, os.WriteFile(clash, b, 0o600))
	_, err = providers.Lookup(clash)
	require.ErrorContains(t, err, "id alphalearn is a built-in vendor")

	_, err = providers.Lookup(dir + "/none.yaml")
	require.ErrorContains(t, err, "no such file")
}
