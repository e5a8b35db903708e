package ispring

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name      string
		reply     providertest.Answer
		code      providers.Code
		field     string
		vendor    string
		fatal     bool
		retryWait time.Duration
	}{
		{name: "duplicate login (409)", reply: providertest.Answer{Status: 409, Body: `{"code":409,"message":"User with the same login is already registered."}`},
			code: providers.AlreadyExists, field: "login", vendor: "409"},
		{name: "duplicate email (400, as the old API did)", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"User with the same email is already registered."}`},
			code: providers.AlreadyExists, field: "email", vendor: "400"},
		{name: "licences used up", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"Number of user accounts is exceeded"}`},
			code: providers.LicenseExhausted, fatal: true, vendor: "400"},
		{name: "licences used up on 403", reply: providertest.Answer{Status: 403, Body: `{"code":403,"message":"Number of user accounts is exceeded"}`},
			code: providers.LicenseExhausted, fatal: true, vendor: "403"},
		{name: "permission denied", reply: providertest.Answer{Status: 403, Body: `{"code":403,"message":"Permission denied"}`},
			code: providers.AuthFailed, fatal: true, vendor: "403"},
		{name: "bad token", reply: providertest.Answer{Status: 401, Body: `{"code":401,"message":"Unauthorized"}`},
			code: providers.AuthFailed, fatal: true, vendor: "401"},
		{name: "wrong parameters naming a field", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"Wrong parameters. departmentId: must be a UUID"}`},
			code: providers.VendorRejected, field: "departmentId", vendor: "400"},
		{name: "wrong parameters naming groupIds", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"Invalid groupIds"}`},
			code: providers.VendorRejected, field: "groups", vendor: "400"},
		{name: "longest name wins", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"roleId is required for role custom"}`},
			code: providers.VendorRejected, field: "roleId", vendor: "400"},
		{name: "wrong parameters without a field", reply: providertest.Answer{Status: 400, Body: `{"code":400,"message":"Wrong parameters"}`},
			code: providers.VendorRejected, vendor: "400"},
		{name: "rate limited", reply: providertest.Answer{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"code":429,"message":"Too many requests"}`},
			code: providers.RateLimited, vendor: "429", retryWait: 7 * time.Second},
		{name: "server error page", reply: providertest.Answer{Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html>Bad Gateway</html>"},
			code: providers.VendorError},
		{name: "server error", reply: providertest.Answer{Status: 500, Body: `{"code":500,"message":"Internal error"}`},
			code: providers.VendorError, vendor: "500"},
		{name: "not found", reply: providertest.Answer{Status: 404, Body: `{"code":404,"message":"Not found"}`},
			code: providers.VendorRejected, vendor: "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, tt.reply)
			_, err := tokenClient(t, srv.URL).Create(ctx(t), schema.Record{"login": "ann", "departmentId": testDept})
			pe := providertest.VendorError(t, err, tt.code)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.vendor, pe.VendorCode)
			assert.Equal(t, tt.reply.Status, pe.Status)
			assert.NotEmpty(t, pe.Message, "the raw message is kept")
			assert.Equal(t, tt.fatal, pe.Fatal())
			assert.Equal(t, tt.retryWait, pe.RetryAfter)
			assert.Len(t, srv.Requests(), 1, "a static token is never retried")
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestRawTextCapped(t *testing.T) {
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'x'
	}
	got := classify(&providers.Response{Status: http.StatusBadGateway, Body: long}, time.Now())
	assert.Less(t, len(got.Message), 400)
}
