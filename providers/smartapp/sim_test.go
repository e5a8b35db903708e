package smartapp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
)

// simEnv is a simulator served over loopback.
type simEnv struct {
	srv *sim.Server
	url string
}

func startSim(t *testing.T, opt sim.Options) *simEnv {
	t.Helper()
	srv := NewSimulator(opt)
	return &simEnv{srv: srv, url: providertest.Serve(t, srv.Handler)}
}

// call sends a raw request and returns the status and the decoded answer.
func (e *simEnv) call(t *testing.T, method, path, auth, body string) (int, map[string]any) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	status, _, b := providertest.Send(t, method, e.url+path, h, body)
	var ans map[string]any
	_ = json.Unmarshal(b, &ans)
	return status, ans
}

func (e *simEnv) bearer() string { return "Bearer " + e.srv.Credentials[TokenEnv] }

// person is a valid create body for email at a seeded company.
func person(email string, extra ...string) string {
	s := fmt.Sprintf(`{"firstName":"Caleb","lastName":"Carr","email":%q,"companyName":"smartapp.com","companyLocationName":"headquarters"`, email)
	for i := 0; i+1 < len(extra); i += 2 {
		s += fmt.Sprintf(",%q:%s", extra[i], extra[i+1])
	}
	return s + "}"
}

func TestSimAuth(t *testing.T) {
	e := startSim(t, sim.Options{})
	assert.Regexp(t, `^sim-token-[0-9a-f]{32}$`, e.srv.Credentials[TokenEnv])
	for name, auth := range map[string]string{
		"none":         "",
		"wrong token":  "Bearer sim-token-00000000000000000000000000000000",
		"wrong scheme": "Token " + e.srv.Credentials[TokenEnv],
		"bare token":   e.srv.Credentials[TokenEnv],
	} {
		t.Run(name, func(t *testing.T) {
			for _, req := range [][2]string{{"POST", "/user/create"}, {"GET", "/user/list"}, {"GET", "/user/get/uniqueid?UniqueID=x"}} {
				status, ans := e.call(t, req[0], req[1], auth, person("ccarr@smartapp.com"))
				assert.Equal(t, http.StatusForbidden, status, req[1])
				assert.Equal(t, "Forbidden", ans["message"], req[1])
			}
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())
}

func TestSimValidation(t *testing.T) {
	tests := []struct{ name, body string }{
		{"not JSON", `{"email":`},
		{"bad email", person("ccarr.smartapp.com")},
		{"missing companyName", `{"firstName":"A","lastName":"B","email":"a@smartapp.com","companyLocationName":"headquarters"}`},
		{"missing firstName", `{"lastName":"B","email":"a@smartapp.com","companyName":"smartapp.com","companyLocationName":"headquarters"}`},
		{"unknown company", `{"firstName":"A","lastName":"B","email":"a@x.com","companyName":"Initech","companyLocationName":"headquarters"}`},
		{"location of another company", `{"firstName":"A","lastName":"B","email":"a@x.com","companyName":"smartapp.com","companyLocationName":"Boston"}`},
		{"licenceType as get spells it", person("a@x.com", "licenceType", `"Licenced User"`)},
		{"licenceType unknown", person("a@x.com", "licenceType", `"Premium"`)},
		{"groups not an array", person("a@x.com", "groups", `"interns"`)},
		{"metadata not an object", person("a@x.com", "metadata", `"x"`)},
		{"phone as a number", person("a@x.com", "phone", `5551234567`)},
		{"misspelled field", person("a@x.com", "licenseType", `"LicencedUser"`)},
	}
	e := startSim(t, sim.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ans := e.call(t, "POST", "/user/create", e.bearer(), tt.body)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "Invalid emailId, Company, CompanyLocation, or Email", ans["message"])
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())
}

func TestSimCreateGetList(t *testing.T) {
	e := startSim(t, sim.Options{})
	status, ans := e.call(t, "POST", "/user/create", e.bearer(),
		person("CCarr@smartapp.com", "licenceType", `"LicencedUser"`, "groups", `["software developers","interns"]`, "metadata", `{"Favorite employee":true}`))
	require.Equal(t, http.StatusOK, status, ans)
	uuid := `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`
	id, _ := ans["userID"].(string)
	assert.Regexp(t, uuid, id)
	assert.Regexp(t, uuid, ans["globalUserID"])
	assert.NotEqual(t, id, ans["globalUserID"])
	assert.Equal(t, "CCarr@smartapp.com", ans["email"])

	status, user := e.call(t, "GET", "/user/get/uniqueid?UniqueID="+id, e.bearer(), "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, id, user["uniqueID"])
	assert.Equal(t, ans["globalUserID"], user["globalUserID"])
	assert.Equal(t, "Licenced User", user["licenceType"])
	assert.Equal(t, "Active", user["status"])
	assert.Equal(t, "CCarr", user["userName"])
	assert.Equal(t, []any{"software developers", "interns"}, user["groups"])
	assert.Equal(t, map[string]any{"Favorite employee": true}, user["metadata"])
	assert.Equal(t, map[string]any{"name": "smartapp.com", "location": "headquarters"}, user["company"])

	status, user = e.call(t, "GET", "/user/get/uniqueid?UniqueID=00000000-0000-0000-0000-000000000000", e.bearer(), "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Invalid User Id", user["message"])

	// Case-insensitive company and location; the default licence type.
	status, _ = e.call(t, "POST", "/user/create", e.bearer(),
		`{"firstName":"Ann","lastName":"Lee","email":"ann@acme.example","companyName":"acme corp","companyLocationName":"BOSTON"}`)
	require.Equal(t, http.StatusOK, status)

	status, list := e.call(t, "GET", "/user/list?email=ccarr%40SMARTAPP.com", e.bearer(), "")
	require.Equal(t, http.StatusOK, status)
	assert.InDelta(t, 1, list["totalCount"], 0)
	require.Len(t, list["users"], 1)
	assert.Equal(t, id, list["users"].([]any)[0].(map[string]any)["uniqueID"])

	_, list = e.call(t, "GET", "/user/list", e.bearer(), "")
	assert.InDelta(t, 2, list["totalCount"], 0)
	_, list = e.call(t, "GET", "/user/list?email=nobody%40x.com", e.bearer(), "")
	assert.InDelta(t, 0, list["totalCount"], 0)
	assert.Equal(t, []any{}, list["users"])

	status, _ = e.call(t, "GET", "/user/create", e.bearer(), "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestSimDuplicate(t *testing.T) {
	e := startSim(t, sim.Options{Licences: 1})
	status, _ := e.call(t, "POST", "/user/create", e.bearer(), person("ccarr@smartapp.com"))
	require.Equal(t, http.StatusOK, status)
	// Licences are used up, yet a duplicate is still answered as one.
	status, ans := e.call(t, "POST", "/user/create", e.bearer(), person("CCARR@smartapp.com"))
	assert.Equal(t, http.StatusPaymentRequired, status)
	assert.Equal(t, "email already exists", ans["message"])
	assert.Equal(t, map[string]int{"email:ccarr@smartapp.com": 1}, e.srv.Store.Duplicates())
	assert.Equal(t, 1, e.srv.Store.Len())
}

func TestSimLicences(t *testing.T) {
	e := startSim(t, sim.Options{Licences: 2})
	create := func(email, licence string) (int, map[string]any) {
		if licence == "" {
			return e.call(t, "POST", "/user/create", e.bearer(), person(email))
		}
		return e.call(t, "POST", "/user/create", e.bearer(), person(email, "licenceType", `"`+licence+`"`))
	}
	status, _ := create("a@x.com", "")
	assert.Equal(t, http.StatusOK, status)
	status, _ = create("b@x.com", LicencedUser)
	assert.Equal(t, http.StatusOK, status)
	status, ans := create("c@x.com", "")
	assert.Equal(t, http.StatusUnauthorized, status, "the default type draws on the LicencedUser pool")
	assert.Equal(t, "Insufficient user licences", ans["message"])
	// Transaction-based users have their own pool of the same size.
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusUnauthorized} {
		status, _ = create(fmt.Sprintf("t%d@x.com", i), TransactionBasedUser)
		assert.Equal(t, want, status, "transaction-based user %d", i)
	}
	assert.Equal(t, 4, e.srv.Store.Len())
}

// TestSimConcurrent checks the duplicate and licence checks hold under
// concurrent creates: one winner per email, no more users than licences.
func TestSimConcurrent(t *testing.T) {
	e := startSim(t, sim.Options{Licences: 5})
	c := providertest.NewClient[Client](t, New, e.url, e.srv.Credentials)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[providers.Code]int{}
	)
	for i := range 40 {
		wg.Go(func() {
			rec := good()
			rec["email"] = fmt.Sprintf("user%d@smartapp.com", i%10) // each email 4 times
			_, err := c.Create(t.Context(), rec)
			code := providers.Code("OK")
			if err != nil {
				code = providers.AsError(t.Context(), err).Code
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, 5, codes["OK"])
	assert.Equal(t, 5, e.srv.Store.Len())
	assert.Equal(t, 40, codes["OK"]+codes[providers.AlreadyExists]+codes[providers.LicenseExhausted], codes)
	for k, n := range e.srv.Store.Creates() {
		assert.Equal(t, 1, n, k)
	}
}
