package bksb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
		message    string
		retryAfter time.Duration
	}{
		{
			name: "400 ModelState names the field", status: 400,
			body: `{"Message":"The request is invalid.","ModelState":{"request.Username":["The Username field is required."]}}`,
			code: providers.VendorRejected, field: "Username", message: "The request is invalid. The Username field is required.",
		},
		{
			name: "400 ModelState on a date part", status: 400,
			body: `{"Message":"The request is invalid.","ModelState":{"request.DateOfBirth.Year":["Could not convert string to integer: abc. Path 'DateOfBirth.Year'."]}}`,
			code: providers.VendorRejected, field: "DateOfBirth",
			message: "The request is invalid. Could not convert string to integer: abc. Path 'DateOfBirth.Year'.",
		},
		{
			name: "400 ModelState without a known field", status: 400,
			body: `{"Message":"The request is invalid.","ModelState":{"request":["Unexpected end when reading JSON."]}}`,
			code: providers.VendorRejected, message: "The request is invalid. Unexpected end when reading JSON.",
		},
		{
			name: "400 username exists", status: 400,
			body: `{"Message":"A user with the username 'alee2024' already exists."}`,
			code: providers.AlreadyExists, message: "A user with the username 'alee2024' already exists.",
		},
		{
			name: "400 username exists in ModelState", status: 400,
			body: `{"Message":"The request is invalid.","ModelState":{"request.Username":["Username already exists."]}}`,
			code: providers.AlreadyExists, message: "The request is invalid. Username already exists.",
		},
		{
			name: "401 bad key", status: 401,
			body: `{"Message":"Authorization has been denied for this request."}`,
			code: providers.AuthFailed, message: "Authorization has been denied for this request.",
		},
		{
			name: "403 key not allowed", status: 403, body: `{"Message":"Access denied."}`,
			code: providers.AuthFailed, message: "Access denied.",
		},
		{
			name: "429", status: 429, header: map[string]string{"Retry-After": "3"}, body: `{"Message":"Too many requests."}`,
			code: providers.RateLimited, message: "Too many requests.", retryAfter: 3 * time.Second,
		},
		{
			name: "500", status: 500, body: `{"Message":"An error has occurred."}`,
			code: providers.VendorError, message: "An error has occurred.",
		},
		{
			name: "503 HTML", status: 503, body: "<html>\n<h1>Service Unavailable</h1></html>",
			code: providers.VendorError, message: "<html> <h1>Service Unavailable</h1></html>",
		},
		{
			name: "404 wrong base URL", status: 404,
			body: `{"Message":"No HTTP resource was found that matches the request URI 'https://x/api/users/createUser'."}`,
			code: providers.VendorRejected, message: "No HTTP resource was found that matches the request URI 'https://x/api/users/createUser'.",
		},
	}
	rec := schema.Record{"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: tt.status, Header: tt.header, Body: tt.body})
			_, err := client(t, srv.URL).Create(ctx(t), rec)
			pe := providertest.VendorError(t, err, tt.code)
			assert.Equal(t, tt.status, pe.Status)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.message, pe.Message)
			assert.Equal(t, tt.retryAfter, pe.RetryAfter)
			assert.Equal(t, tt.code == providers.AuthFailed, pe.Fatal())
			assert.NotContains(t, err.Error(), testSecret)
		})
	}
}
