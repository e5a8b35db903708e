package smartapp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

// equivalenceCases are the documented answers and the assumed ones, in
// every body form the vendor may use.
func equivalenceCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string, hdr map[string]string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body, Header: hdr}})
	}
	for _, st := range []int{400, 401, 402, 403, 404, 409, 422, 429, 500, 503} {
		add(http.StatusText(st)+" JSON message", st, `{"message":"`+http.StatusText(st)+`"}`, map[string]string{"Retry-After": "7"})
		add(http.StatusText(st)+" JSON error", st, `{"error":"`+http.StatusText(st)+`"}`, nil)
		add(http.StatusText(st)+" JSON string", st, `"`+http.StatusText(st)+`"`, nil)
		add(http.StatusText(st)+" plain", st, "  "+http.StatusText(st)+" \n", nil)
	}
	add("400 documented", 400, msgInvalid, nil)
	add("401 licences", 401, msgLicences, nil)
	add("402 duplicate", 402, `"`+msgDuplicate+`"`, nil)
	add("empty 400", 400, "", nil)
	add("long plain 400", 400, strings.Repeat("x", 600), nil)
	add("200 created", 200, createdAnswer, nil)
	add("201 created no global", 201, `{"email":"a@b.c","userID":"u-1"}`, nil)
	add("200 no id", 200, `{"email":"ccarr@smartapp.com"}`, nil)
	add("200 not JSON", 200, `User was created`, nil)
	return cs
}

// TestEquivalence proves the vendor file sends and reads exactly what the
// Go vendor did: testdata/wire.golden.json was written from the Go client
// (go test -run TestEquivalence -update-wire) before it was deleted.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, "smartapp", providertest.WireSetup{OK: providertest.Answer{Status: http.StatusOK, Body: createdAnswer}, Cases: equivalenceCases()})
}
