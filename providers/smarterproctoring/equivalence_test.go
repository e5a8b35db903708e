package smarterproctoring

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

func boomBody(status int, msg, extra string) string {
	return `{"statusCode":` + strconv.Itoa(status) + `,"error":"` + http.StatusText(status) + `","message":"` + msg + `"` + extra + `}`
}

// equivalenceCases are Boom bodies for every status the client maps, Joi
// messages naming fields (nested, misspelt, in validation.keys), and
// answers that are no Boom body.
func equivalenceCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string, hdr map[string]string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body, Header: hdr}})
	}
	for _, st := range []int{400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 302} {
		add(http.StatusText(st), st, boomBody(st, "Something went wrong", ""), map[string]string{"Retry-After": "7"})
		add(http.StatusText(st)+" plain", st, "  plain "+http.StatusText(st)+"\n", nil)
	}
	add("403 code 5003", 403, boomBody(403, "Insufficient permissions", `,"code":"5003"`), nil)
	add("403 numeric code", 403, boomBody(403, "Insufficient permissions", `,"code":5003`), nil)
	add("400 exists", 400, boomBody(400, "User already exists", ""), nil)
	add("400 Exist plain", 400, "EXISTING user", nil)
	add("400 joi email", 400, boomBody(400, `\"email\" must be a valid email`, `,"validation":{"source":"payload","keys":["email"]}`), nil)
	add("400 joi nested", 400, boomBody(400, `\"user.lastName\" is required`, ""), nil)
	add("400 joi externalId", 400, boomBody(400, `\"externalId\" must be a string`, ""), nil)
	add("400 joi unknown then known", 400, boomBody(400, `\"foo\" is not allowed and \"timeZoneSid\" fails`, ""), nil)
	add("400 keys only", 400, boomBody(400, "Invalid request payload input", `,"validation":{"source":"payload","keys":["currencyCode"]}`), nil)
	add("201 created", 201, `{"sid":"US0123456789abcdef0123456789abcdef","email":"ann@example.org"}`, nil)
	add("200 no sid", 200, `{"email":"ann@example.org"}`, nil)
	add("200 not JSON", 200, `ok`, nil)
	return cs
}

func lookupCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body}})
	}
	add("404 install", 404, boomBody(404, "Install not found", ""))
	add("404 user", 404, boomBody(404, "User not found", ""))
	add("401", 401, boomBody(401, "Invalid token", ""))
	add("400", 400, boomBody(400, `\"email\" must be a valid email`, ""))
	add("500", 500, "oops")
	add("list object", 200, `{"results":[{"sid":"US0123456789abcdef0123456789abcdef","email":"ANN.LEE@example.com"}]}`)
	add("list array", 200, `[{"sid":"US0123456789abcdef0123456789abcdef","email":"ann.lee@example.com"}]`)
	add("list other email", 200, `{"results":[{"sid":"US0123456789abcdef0123456789abcdef","email":"bob@example.com"}]}`)
	add("list no sid", 200, `{"results":[{"email":"ann.lee@example.com"}]}`)
	add("list garbage", 200, `"nope"`)
	add("list not JSON", 200, `nope`)
	add("update ok", 200, `{}`)
	return cs
}

// TestEquivalence proves the vendor file sends and reads exactly what the
// Go vendor did: testdata/wire.golden.json was written from the Go client
// (go test -run TestEquivalence -update-wire) before it was deleted.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, "smarterproctoring", providertest.WireSetup{OK: providertest.Answer{Status: http.StatusCreated, Body: `{"sid":"US0123456789abcdef0123456789abcdef"}`}, Cases: equivalenceCases(), LookupCases: lookupCases(),
		Creds:    map[string]string{envToken: testToken, envInstallSID: testInstall},
		UpdateID: "US0123456789abcdef0123456789abcdef"})
}
