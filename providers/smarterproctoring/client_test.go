package smarterproctoring

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// created is the documented 200 answer, trimmed to the fields that matter.
const created = `{"sid":"US0123456789abcdef0123456789abcdef","firstName":"Ann","lastName":"Lee",
"email":"ann.lee@example.edu","externalId":"HR-1","latitude":33.4,"enabled":true,"timezone":{}}`

func TestCreateWireFormat(t *testing.T) {
	full := schema.Record{
		"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu",
		"preferredEmail": "ann@example.org", "homePhone": "480 555 0100", "mobilePhone": "480 555 0101",
		"currencyCode": "USD", "timeZoneSid": "TZ0123456789abcdef0123456789abcdef",
		"latitude": 33.4255, "longitude": -111.94, "username": "alee", "password": "Exam#2024ok",
		"enabled": false, "lmsId": "lti-1", "sisId": "S1", "exernalId": "HR-1",
	}
	tests := []struct {
		name string
		rec  schema.Record
		want map[string]any // decoded with UseNumber: numbers are json.Number
	}{
		{
			name: "required only: absent fields are omitted, never empty",
			rec:  schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu"},
			want: map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu"},
		},
		{
			name: "every field with its documented name and JSON type",
			rec:  full,
			want: map[string]any{
				"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu",
				"preferredEmail": "ann@example.org", "homePhone": "480 555 0100", "mobilePhone": "480 555 0101",
				"currencyCode": "USD", "timeZoneSid": "TZ0123456789abcdef0123456789abcdef",
				"latitude": json.Number("33.4255"), "longitude": json.Number("-111.94"),
				"username": "alee", "password": "Exam#2024ok", "enabled": false,
				"lmsId": "lti-1", "sisId": "S1", "exernalId": "HR-1",
			},
		},
		{
			name: "keys outside the schema are not sent",
			rec:  schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co", "externalId": "x", "role": "admin"},
			want: map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: created})
			got, err := testClient(t, s.URL+"/").Create(ctx(t), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, "US0123456789abcdef0123456789abcdef", got.ID)

			req := s.Only(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, "/v1/installs/"+testInstall+"/users", req.Path, "base URL joined without a double slash")
			assert.Equal(t, testToken, req.Header.Get("token"), "the doc's token header")
			assert.Empty(t, req.Header.Get("Authorization"), "no other auth is sent")
			assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
			assert.Equal(t, tt.want, req.Body)
		})
	}
}

// A readable 2xx without a sid is created, the ID unknown; an unreadable
// one is a VENDOR_ERROR with the 2xx status, settled by the pool's lookup.
func TestCreateSuccessWithoutSid(t *testing.T) {
	rec := schema.Record{"firstName": "Ann", "lastName": "Lee", "email": "a@b.co"}
	s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: `{"firstName":"Ann"}`})
	got, err := testClient(t, s.URL).Create(ctx(t), rec)
	require.NoError(t, err)
	assert.Empty(t, got.ID)
	for _, body := range []string{``, `<html>OK</html>`, `{"sid":"US`} {
		s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusCreated, Body: body})
		_, err := testClient(t, s.URL).Create(ctx(t), rec)
		pe := providertest.VendorError(t, err, providers.VendorError)
		assert.Equal(t, http.StatusCreated, pe.Status, body)
		assert.True(t, pe.Sent, "the user may exist: the pool must look before retrying")
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		creds   map[string]string
		wantErr string // "" means New succeeds
	}{
		{"ok", map[string]string{envToken: testToken, envInstallSID: testInstall}, ""},
		{"no token", map[string]string{envInstallSID: testInstall}, envToken},
		{"empty token", map[string]string{envToken: "", envInstallSID: testInstall}, envToken},
		{"no install", map[string]string{envToken: testToken}, envInstallSID},
		{"install in capitals", map[string]string{envToken: testToken, envInstallSID: "AI0123456789ABCDEF0123456789ABCDEF"}, "32 lowercase hex"},
		{"install too short", map[string]string{envToken: testToken, envInstallSID: "AI0123"}, envInstallSID},
		{"install with IN prefix", map[string]string{envToken: testToken, envInstallSID: "IN0123456789abcdef0123456789abcdef"}, envInstallSID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { providertest.CheckNew(t, New, tt.creds, tt.wantErr) })
	}
}

func TestFindQuery(t *testing.T) {
	tests := []struct {
		name      string
		answer    string
		wantID    string
		wantFound bool
	}{
		{"found", `{"results":[{"sid":"US11111111111111111111111111111111","email":"Ann.Lee@Example.edu"}],"total":1}`, "US11111111111111111111111111111111", true},
		{"empty list", `{"results":[]}`, "", false},
		{"bare array", `[{"sid":"US22222222222222222222222222222222","email":"ann.lee@example.edu"}]`, "US22222222222222222222222222222222", true},
		{"a looser filter match is not the person", `{"results":[{"sid":"US33333333333333333333333333333333","email":"ann.lee@example.edu.au"}]}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: tt.answer})
			id, found, err := testClient(t, s.URL).Find(ctx(t), schema.Record{"email": "ann.lee@example.edu"})
			require.NoError(t, err)
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantID, id)

			req := s.Only(t)
			assert.Equal(t, http.MethodGet, req.Method)
			assert.Equal(t, "/v1/installs/"+testInstall+"/users", req.Path)
			assert.Equal(t, "email=ann.lee%40example.edu", req.RawQuery)
			assert.Equal(t, testToken, req.Header.Get("token"))
		})
	}
}

func TestFindErrors(t *testing.T) {
	s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusUnauthorized,
		Header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`},
		Body:   `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`})
	_, _, err := testClient(t, s.URL).Find(ctx(t), schema.Record{"email": "a@b.co"})
	providertest.VendorError(t, err, providers.AuthFailed)

	_, _, err = testClient(t, s.URL).Find(ctx(t), schema.Record{"firstName": "Ann"})
	assert.Error(t, err, "no email, nothing to look up")
}

// A 404 from the list endpoint is a failed lookup, not the AUTH_FAILED a
// create's 404 (an unknown install) is: it must never stop a run.
func TestFind404IsNotAuthFailed(t *testing.T) {
	s := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusNotFound,
		Body: `{"statusCode":404,"error":"Not Found","message":"Not Found"}`})
	_, found, err := testClient(t, s.URL).Find(ctx(t), schema.Record{"email": "a@b.co"})
	assert.False(t, found)
	pe := providertest.VendorError(t, err, providers.VendorRejected)
	assert.False(t, pe.Fatal())
	assert.Equal(t, http.StatusNotFound, pe.Status)
}
