package alphalearn

import (
	"net/http"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
)

// equivalenceCases are scripted answers: every documented code, 1055 in
// both meanings, the generic auth codes, the statuses, and answers that
// are not the envelope.
func equivalenceCases() []providertest.EquivalenceCase {
	var cs []providertest.EquivalenceCase
	add := func(name string, status int, body string, hdr map[string]string) {
		cs = append(cs, providertest.EquivalenceCase{Name: name, Answer: providertest.Answer{Status: status, Body: body, Header: hdr}})
	}
	for _, c := range codes {
		add("code "+c.Code+" "+c.Message, http.StatusOK, failure(c.Code, c.Message), nil)
	}
	for _, c := range []string{"1001", "1002", "1005", "1006", "1003", "9999", ""} {
		add("code "+c, http.StatusOK, failure(c, "Something about it"), nil)
	}
	add("401 token", http.StatusUnauthorized, failure("1001", "Invalid or expired token"), nil)
	add("403", http.StatusForbidden, `{"message":"Forbidden"}`, nil)
	add("429", http.StatusTooManyRequests, `{"message":"Too Many Requests"}`, map[string]string{"Retry-After": "7"})
	add("500", http.StatusInternalServerError, `<html>oops</html>`, nil)
	add("502 envelope", http.StatusBadGateway, failure("", "upstream"), nil)
	add("400 plain", http.StatusBadRequest, `Invalid countryCode given`, nil)
	add("200 false no code", http.StatusOK, failure("", ""), nil)
	add("200 numeric code", http.StatusOK, `{"success":false,"data":{"response":{"acknowledgement":"Failure","error":{"code":1023,"internal_message":"exists"}}}}`, nil)
	add("200 ack only", http.StatusOK, `{"success":false,"data":{"response":{"acknowledgement":"Duplicate","error":{"code":""}}}}`, nil)
	add("200 success numeric id", http.StatusOK, `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{"userId":126},"error":{"code":""}}}}`, nil)
	add("200 success string id", http.StatusOK, `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{"userId":" 127 "},"error":{"code":""}}}}`, nil)
	add("200 success no id", http.StatusOK, `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{},"error":{"code":""}}}}`, nil)
	add("201 not JSON", http.StatusCreated, `created`, nil)
	return cs
}

// TestEquivalence proves the vendor file sends and reads exactly what the
// Go vendor did: testdata/wire.golden.json was written from the Go client
// (go test -run TestEquivalence -update-wire) before it was deleted.
func TestEquivalence(t *testing.T) {
	providertest.Equivalence(t, "alphalearn", providertest.WireSetup{OK: providertest.Answer{Status: http.StatusOK, Body: `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{"userId":"126"},"error":{"code":""}}}}`}, Cases: equivalenceCases()})
}
