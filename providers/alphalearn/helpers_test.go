package alphalearn

import (
	"encoding/json"
	"github.com/onboard/onboard/providers"
	"testing"

	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

const testToken = "test-jwt-4e1a"

// ctx bounds a test's requests.
var ctx = providertest.Context

// Client is what the vendor file's client offers for AlphaLearn.
type Client interface {
	providers.Client
	providers.Finder
}

func testClient(t *testing.T, base string) Client {
	t.Helper()
	return providertest.NewClient[Client](t, New, base, map[string]string{EnvToken: testToken})
}

// failure is the failure envelope the simulator (and, presumably, the
// vendor) answers.
func failure(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"success": false, "data": map[string]any{"response": map[string]any{
		"acknowledgement": "Failure", "data": map[string]any{},
		"error": map[string]any{"code": code, "internal_message": msg, "moreInfo": []any{}}}}})
	return string(b)
}

// good is a valid record.
func good() schema.Record {
	return schema.Record{"title": "Ms", "firstName": "Ananya", "lastName": "Rao", "email": "ananya.rao@example.com",
		"userCanChoosePassword": int64(0), "roleId": int64(3)}
}
