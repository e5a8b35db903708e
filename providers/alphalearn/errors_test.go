package alphalearn

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
)

// TestDocumentedCodes drives the client against every code of the doc's
// table, answered as the simulator does (HTTP 200, success false).
func TestDocumentedCodes(t *testing.T) {
	want := map[string]string{ // code + message → field
		"1007": "firstName", "1008": "firstName", "1009": "lastName", "1010": "lastName", "1015": "mobile",
		"1016": "city", "1017": "city", "1018": "password", "1019": "password", "1020": "email", "1021": "email",
		"1022": "mobile", "1024": "title", "1028": "sendEmailNotification", "1029": "sendEmailNotification",
		"1036": "countryCode", "1037": "countryCode", "1038": "timezone", "1039": "timezone", "1040": "language",
		"1041": "language", "1044": "userCanChoosePassword", "1045": "userCanChoosePassword", "1046": "uniqueId",
		"1047": "uniqueId", "1048": "roleId", "1049": "roleId", "1052": "reportingTo", "1053": "reportingTo",
		"1054": "companyName", "1055 Invalid companyName": "companyName", "1055 Missing zipCode": "zipcode", "1056": "zipcode",
	}
	require.Len(t, codes, 34, "the doc's table has 34 rows")
	for _, c := range codes {
		name := c.Code + " " + c.Message
		t.Run(name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: failure(c.Code, c.Message)})
			_, err := testClient(t, srv.URL).Create(ctx(t), good())
			var pe *providers.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, c.Code, pe.VendorCode)
			assert.Equal(t, c.Message, pe.Message, "the raw internal_message is kept")
			assert.Equal(t, http.StatusOK, pe.Status)
			if c.Code == codeDuplicate {
				assert.Equal(t, providers.AlreadyExists, pe.Code)
				assert.Equal(t, "email", pe.Field)
				return
			}
			assert.Equal(t, providers.VendorRejected, pe.Code)
			f, ok := want[c.Code]
			if !ok {
				f = want[c.Code+" "+c.Message]
			}
			assert.Equal(t, f, pe.Field)
			assert.False(t, pe.Retryable())
			assert.False(t, pe.Fatal())
		})
	}
}

func TestOtherAnswers(t *testing.T) {
	tests := []struct {
		name      string
		reply     providertest.Answer
		code      providers.Code
		vendor    string
		field     string
		retryWait time.Duration
	}{
		{name: "401 envelope", reply: providertest.Answer{Status: 401, Body: failure("1001", "Invalid or expired token")}, code: providers.AuthFailed, vendor: "1001"},
		{name: "401 bare", reply: providertest.Answer{Status: 401, Body: `Unauthorized`}, code: providers.AuthFailed},
		{name: "auth code on 200", reply: providertest.Answer{Status: 200, Body: failure("1002", "Token expired")}, code: providers.AuthFailed, vendor: "1002"},
		{name: "403", reply: providertest.Answer{Status: 403, Body: failure("", "Forbidden")}, code: providers.AuthFailed},
		{name: "numeric code", reply: providertest.Answer{Status: 200, Body: `{"success":false,"data":{"response":{"acknowledgement":"Failure","data":{},"error":{"code":1023,"internal_message":"Email address provided already exist. Please provide another email address"}}}}`},
			code: providers.AlreadyExists, vendor: "1023", field: "email"},
		{name: "duplicate on 400", reply: providertest.Answer{Status: 400, Body: failure("1023", "Email address provided already exist. Please provide another email address")}, code: providers.AlreadyExists, vendor: "1023", field: "email"},
		{name: "validation on 400", reply: providertest.Answer{Status: 400, Body: failure("1049", "Invalid roleId")}, code: providers.VendorRejected, vendor: "1049", field: "roleId"},
		{name: "unknown code names a field", reply: providertest.Answer{Status: 200, Body: failure("1099", "Invalid department")}, code: providers.VendorRejected, vendor: "1099", field: "department"},
		{name: "no code", reply: providertest.Answer{Status: 200, Body: failure("", "Invalid designation")}, code: providers.VendorRejected, field: "designation"},
		{name: "success false and nothing else", reply: providertest.Answer{Status: 200, Body: `{"success":false}`}, code: providers.VendorRejected},
		{name: "rate limited", reply: providertest.Answer{Status: 429, Header: map[string]string{"Retry-After": "3"}, Body: `Too Many Requests`}, code: providers.RateLimited, retryWait: 3 * time.Second},
		{name: "server error", reply: providertest.Answer{Status: 500, Body: `<html>error</html>`}, code: providers.VendorError},
		{name: "server error envelope", reply: providertest.Answer{Status: 503, Body: failure("", "Service unavailable")}, code: providers.VendorError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, tt.reply)
			_, err := testClient(t, srv.URL).Create(ctx(t), good())
			pe := providertest.VendorError(t, err, tt.code)
			assert.Equal(t, tt.vendor, pe.VendorCode)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.reply.Status, pe.Status)
			assert.NotEmpty(t, pe.Message)
			assert.Equal(t, tt.retryWait, pe.RetryAfter)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}
