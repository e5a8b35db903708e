package smartapp

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
)

// TestCreateErrors drives the client against each documented answer (and
// the assumed ones) and checks the normalized code.
func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		code      providers.Code
		msg       string
		field     string
		retryable bool
		fatal     bool
	}{
		{name: "400 documented, plain text", status: 400, body: "Invalid emailId, Company, CompanyLocation, or Email",
			code: providers.VendorRejected, msg: "Invalid emailId, Company, CompanyLocation, or Email", field: "email, companyName, companyLocationName"},
		{name: "400 documented, JSON", status: 400, body: `{"message":"Invalid emailId, Company, CompanyLocation, or Email"}`,
			code: providers.VendorRejected, msg: "Invalid emailId, Company, CompanyLocation, or Email", field: "email, companyName, companyLocationName"},
		{name: "401 means licences, not auth", status: 401, body: "Insufficient user licences",
			code: providers.LicenseExhausted, msg: "Insufficient user licences", fatal: true},
		{name: "402 means the email exists", status: 402, body: `"email already exists"`,
			code: providers.AlreadyExists, msg: "email already exists", field: "email"},
		{name: "403 is a bad token (assumed)", status: 403, body: `{"message":"Forbidden"}`,
			code: providers.AuthFailed, msg: "Forbidden", fatal: true},
		{name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"error":"Too Many Requests"}`,
			code: providers.RateLimited, msg: "Too Many Requests", retryable: true},
		{name: "500", status: 500, body: `{"message":"Internal Server Error"}`,
			code: providers.VendorError, msg: "Internal Server Error", retryable: true},
		{name: "404 falls back to VENDOR_REJECTED", status: 404, body: "404 page not found",
			code: providers.VendorRejected, msg: "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: tt.status, Header: tt.header, Body: tt.body})
			_, err := newClient(t, srv.URL).Create(t.Context(), good())
			pe := providertest.VendorError(t, err, tt.code)
			assert.Equal(t, tt.status, pe.Status)
			assert.Equal(t, tt.msg, pe.Message)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.retryable, pe.Retryable())
			assert.Equal(t, tt.fatal, pe.Fatal())
			assert.NotContains(t, err.Error(), testToken)
			if tt.code == providers.RateLimited {
				assert.Equal(t, 7*time.Second, pe.RetryAfter)
			}
		})
	}
}

// TestCreateSuccessWithoutID: a 200 is the vendor's "done". Readable
// without a userID: created, the ID unknown (the pool looks it up).
// Unreadable: a VENDOR_ERROR carrying the 2xx status, marked sent, which
// the pool settles by lookup and never by another create.
func TestCreateSuccessWithoutID(t *testing.T) {
	for body, readable := range map[string]bool{`{"email":"ccarr@smartapp.com"}`: true, `User was created`: false,
		``: false, `<html>OK</html>`: false, `{"userID":"9b`: false, `[]`: false} {
		srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: body})
		got, err := newClient(t, srv.URL).Create(t.Context(), good())
		if readable {
			require.NoError(t, err, body)
			assert.Empty(t, got.ID, body)
			continue
		}
		var pe *providers.Error
		require.ErrorAs(t, err, &pe, body)
		assert.Equal(t, providers.VendorError, pe.Code, body)
		assert.Equal(t, http.StatusOK, pe.Status, body)
		assert.True(t, pe.Sent, body)
	}
}

func TestMessage(t *testing.T) {
	long := make([]byte, 600)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct{ in, want string }{
		{`{"message":"a"}`, "a"},
		{`{"error":"b"}`, "b"},
		{`"c"`, "c"},
		{"  plain text\n", "plain text"},
		{"", ""},
		{string(long), string(long[:500])},
	}
	for _, tt := range tests {
		srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusBadRequest, Body: tt.in})
		_, err := newClient(t, srv.URL).Create(t.Context(), good())
		assert.Equal(t, tt.want, providertest.VendorError(t, err, providers.VendorRejected).Message, tt.in)
	}
}
