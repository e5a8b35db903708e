package ispring

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name      string
		reply     reply
		code      providers.Code
		field     string
		vendor    string
		fatal     bool
		retryWait time.Duration
	}{
		{name: "duplicate login (409)", reply: reply{status: 409, body: `{"code":409,"message":"User with the same login is already registered."}`},
			code: providers.AlreadyExists, field: "login", vendor: "409"},
		{name: "duplicate email (400, as the old API did)", reply: reply{status: 400, body: `{"code":400,"message":"User with the same email is already registered."}`},
			code: providers.AlreadyExists, field: "email", vendor: "400"},
		{name: "licences used up", reply: reply{status: 400, body: `{"code":400,"message":"Number of user accounts is exceeded"}`},
			code: providers.LicenseExhausted, fatal: true, vendor: "400"},
		{name: "licences used up on 403", reply: reply{status: 403, body: `{"code":403,"message":"Number of user accounts is exceeded"}`},
			code: providers.LicenseExhausted, fatal: true, vendor: "403"},
		{name: "permission denied", reply: reply{status: 403, body: `{"code":403,"message":"Permission denied"}`},
			code: providers.AuthFailed, fatal: true, vendor: "403"},
		{name: "bad token", reply: reply{status: 401, body: `{"code":401,"message":"Unauthorized"}`},
			code: providers.AuthFailed, fatal: true, vendor: "401"},
		{name: "wrong parameters naming a field", reply: reply{status: 400, body: `{"code":400,"message":"Wrong parameters. departmentId: must be a UUID"}`},
			code: providers.VendorRejected, field: "departmentId", vendor: "400"},
		{name: "wrong parameters naming groupIds", reply: reply{status: 400, body: `{"code":400,"message":"Invalid groupIds"}`},
			code: providers.VendorRejected, field: "groups", vendor: "400"},
		{name: "longest name wins", reply: reply{status: 400, body: `{"code":400,"message":"roleId is required for role custom"}`},
			code: providers.VendorRejected, field: "roleId", vendor: "400"},
		{name: "wrong parameters without a field", reply: reply{status: 400, body: `{"code":400,"message":"Wrong parameters"}`},
			code: providers.VendorRejected, vendor: "400"},
		{name: "rate limited", reply: reply{status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"code":429,"message":"Too many requests"}`},
			code: providers.RateLimited, vendor: "429", retryWait: 7 * time.Second},
		{name: "server error page", reply: reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>Bad Gateway</html>"},
			code: providers.VendorError},
		{name: "server error", reply: reply{status: 500, body: `{"code":500,"message":"Internal error"}`},
			code: providers.VendorError, vendor: "500"},
		{name: "not found", reply: reply{status: 404, body: `{"code":404,"message":"Not found"}`},
			code: providers.VendorRejected, vendor: "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScripted(t, tt.reply)
			_, err := tokenClient(t, srv.URL).Create(ctx(t), schema.Record{"login": "ann", "departmentId": testDept})
			var pe *providers.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.code, pe.Code, "error: %v", err)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.vendor, pe.VendorCode)
			assert.Equal(t, tt.reply.status, pe.Status)
			assert.NotEmpty(t, pe.Message, "the raw message is kept")
			assert.Equal(t, tt.fatal, pe.Fatal())
			assert.Equal(t, tt.retryWait, pe.RetryAfter)
			assert.Len(t, srv.requests(), 1, "a static token is never retried")
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
