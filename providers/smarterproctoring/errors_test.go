package smarterproctoring

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		code       providers.Code
		field      string
		vendorCode string
		message    string
		retryAfter time.Duration
		fatal      bool
	}{
		{
			name: "401 invalid token", status: 401,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="smarterservices", error="invalid_token", error_description="The access token expired"`},
			body:   `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`,
			code:   providers.AuthFailed, message: "Invalid token", fatal: true,
		},
		{
			name: "401 without a body", status: 401, header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`},
			code: providers.AuthFailed, fatal: true,
		},
		{
			name: "403 insufficient permissions", status: 403,
			body: `{"code":"5003","message":"Forbidden: Insufficient permissions for action 'create' on resource 'user'","status":403}`,
			code: providers.AuthFailed, vendorCode: "5003", fatal: true,
			message: "Forbidden: Insufficient permissions for action 'create' on resource 'user'",
		},
		{
			name: "404 unknown install", status: 404,
			body: `{"statusCode":404,"error":"Not Found","message":"Install not found"}`,
			code: providers.AuthFailed, message: "Install not found", fatal: true,
		},
		{
			name: "400 Joi email", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"\"email\" must be a valid email","validation":{"source":"payload","keys":["email"]}}`,
			code: providers.VendorRejected, field: "email", message: `"email" must be a valid email`,
		},
		{
			name: "400 Joi pattern, message only", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"\"timeZoneSid\" with value \"MST\" fails to match the required pattern: /^TZ[a-f0-9]{32}$/"}`,
			code: providers.VendorRejected, field: "timeZoneSid",
			message: `"timeZoneSid" with value "MST" fails to match the required pattern: /^TZ[a-f0-9]{32}$/`,
		},
		{
			name: "400 older Joi child message", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"child \"currencyCode\" fails because [\"currencyCode\" length must be 3 characters long]"}`,
			code: providers.VendorRejected, field: "currencyCode",
			message: `child "currencyCode" fails because ["currencyCode" length must be 3 characters long]`,
		},
		{
			name: "400 naming the response spelling externalId", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"\"externalId\" must be a string"}`,
			code: providers.VendorRejected, field: "exernalId", message: `"externalId" must be a string`,
		},
		{
			name: "400 naming no known field", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"Invalid request payload JSON format"}`,
			code: providers.VendorRejected, message: "Invalid request payload JSON format",
		},
		{
			name: "400 whose message says exists", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"A user with this email already exists"}`,
			code: providers.AlreadyExists, message: "A user with this email already exists",
		},
		{
			name: "409 duplicate", status: 409,
			body: `{"statusCode":409,"error":"Conflict","message":"User with email already exists"}`,
			code: providers.AlreadyExists, message: "User with email already exists",
		},
		{
			name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "7"},
			body: `{"statusCode":429,"error":"Too Many Requests","message":"Rate limit exceeded"}`,
			code: providers.RateLimited, message: "Rate limit exceeded", retryAfter: 7 * time.Second,
		},
		{
			name: "500 Boom", status: 500,
			body: `{"statusCode":500,"error":"Internal Server Error","message":"An internal server error occurred"}`,
			code: providers.VendorError, message: "An internal server error occurred",
		},
		{
			name: "502 HTML page", status: 502, body: "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>",
			code: providers.VendorError, message: "<html><body> <h1>502 Bad Gateway</h1> </body></html>",
		},
		{
			name: "415 wrong content type", status: 415,
			body: `{"statusCode":415,"error":"Unsupported Media Type","message":"Unsupported Media Type"}`,
			code: providers.VendorRejected, message: "Unsupported Media Type",
		},
	}
	rec := schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewRecorder(t, providertest.Answer{Status: tt.status, Header: tt.header, Body: tt.body})
			_, err := testClient(t, s.URL).Create(ctx(t), rec)
			pe := providertest.VendorError(t, err, tt.code)
			assert.Equal(t, tt.status, pe.Status)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.vendorCode, pe.VendorCode)
			assert.Equal(t, tt.message, pe.Message)
			assert.Equal(t, tt.retryAfter, pe.RetryAfter)
			assert.Equal(t, tt.fatal, pe.Fatal())
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestVendorCodeAsNumber(t *testing.T) {
	s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusForbidden, Body: `{"code":5003,"message":"Forbidden","status":403}`})
	_, err := testClient(t, s.URL).Create(ctx(t), schema.Record{"email": "a@b.co"})
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "5003", pe.VendorCode)
}
