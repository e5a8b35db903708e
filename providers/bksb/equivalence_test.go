package bksb

import (
	"net/http"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

// equivalenceCases are ASP.NET Web API answers: Message with and without
// ModelState (nested keys, several keys), duplicates, statuses, pages that
// are no JSON, and create answers with and without a usable UserId.
func equivalenceCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string, hdr map[string]string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body, Header: hdr}})
	}
	for _, st := range []int{400, 401, 403, 404, 409, 429, 500, 503, 302} {
		add(http.StatusText(st), st, `{"Message":"`+http.StatusText(st)+`"}`, map[string]string{"Retry-After": "7"})
		add(http.StatusText(st)+" plain", st, " <html>"+http.StatusText(st)+"</html>\n", nil)
	}
	add("400 model state", 400, `{"Message":"The request is invalid.","ModelState":{"request.Username":["The Username field is required."]}}`, nil)
	add("400 model state nested", 400, `{"Message":"The request is invalid.","ModelState":{"request.DateOfBirth.Year":["Year is out of range."]}}`, nil)
	add("400 model state two", 400, `{"Message":"The request is invalid.","ModelState":{"request.Email":["bad"],"request.Firstname":["empty"]}}`, nil)
	add("400 model state unknown", 400, `{"Message":"The request is invalid.","ModelState":{"request.Colour":["no such"]}}`, nil)
	add("400 model state only", 400, `{"ModelState":{"request.Lastname":["The Lastname field is required."]}}`, nil)
	add("400 model state empty list", 400, `{"Message":"Bad","ModelState":{"x":[]}}`, nil)
	add("400 exists", 400, `{"Message":"Username already exists"}`, nil)
	add("500 exception", 500, `{"Message":"An error has occurred.","ExceptionMessage":"boom"}`, nil)
	add("200 created", 200, `{"UserId":123,"OrgId":45,"Username":"alee2024"}`, nil)
	add("200 created string id", 200, `{"UserId":"124"}`, nil)
	add("200 zero id", 200, `{"UserId":0}`, nil)
	add("200 no id", 200, `{"Username":"alee2024"}`, nil)
	add("200 not JSON", 200, `created`, nil)
	return cs
}

func lookupCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body}})
	}
	add("number", 200, `123`)
	add("quoted", 200, `"124"`)
	add("null", 200, `null`)
	add("zero", 200, `0`)
	add("negative", 200, `-3`)
	add("object", 200, `{"UserId":125,"Username":"alee2024"}`)
	add("object null", 200, `{"UserId":null}`)
	add("empty", 200, ``)
	add("word", 200, `"abc"`)
	add("html", 200, `<html>`)
	add("404", 404, `{"Message":"No HTTP resource was found"}`)
	add("401", 401, `{"Message":"Authorization has been denied for this request."}`)
	add("500", 500, `oops`)
	return cs
}

// TestEquivalence proves the vendor file sends and reads exactly what the
// Go vendor did: testdata/wire.golden.json was written from the Go client
// (go test -run TestEquivalence -update-wire) before it was deleted.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, "bksb", providertest.WireSetup{OK: providertest.Answer{Status: http.StatusOK, Body: `{"UserId":123,"OrgId":45}`}, Cases: equivalenceCases(), LookupCases: lookupCases()})
}
