package bksb

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// userAnswer is the documented User resource.
const userAnswer = `{"UserId":7311,"OrgId":2,"Username":"alee2024","Firstname":"Ann","Lastname":"Lee",
"IsArchived":false,"Email":"ann.lee@example.ac.uk","DateOfBirth":"2004-09-17T00:00:00+00:00",
"ProfilePhotoUrl":null,"DateCreated":"2024-09-21T02:52:18.7998798+00:00","LastActivity":null,"IsStaff":false,"AdvancedID":null}`

// wantAuth is HTTP Basic with the test key, spelled out here so that the
// client's encoding is checked, not trusted.
var wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(testKeyID+":"+testSecret))

func TestCreateWireFormat(t *testing.T) {
	tests := []struct {
		name string
		rec  schema.Record
		want map[string]any
	}{
		{
			name: "required only: absent fields are omitted",
			rec:  schema.Record{"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee"},
			want: map[string]any{"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee"},
		},
		{
			name: "every field; DateOfBirth as a SimpleDateTime of integers",
			rec: schema.Record{
				"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee", "Password": "Welcome-2024",
				"Email": "ann.lee@example.ac.uk", "DateOfBirth": time.Date(2004, 9, 7, 0, 0, 0, 0, time.UTC),
				"AutoEnrolCourses": true,
			},
			want: map[string]any{
				"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee", "Password": "Welcome-2024",
				"Email": "ann.lee@example.ac.uk", "AutoEnrolCourses": true,
				"DateOfBirth": map[string]any{
					"Year": json.Number("2004"), "Month": json.Number("9"), "Day": json.Number("7"),
					"Hour": json.Number("0"), "Minute": json.Number("0"), "Second": json.Number("0"), "Millisecond": json.Number("0"),
				},
			},
		},
		{
			name: "false is sent, keys outside the schema are not",
			rec:  schema.Record{"Username": "u", "Firstname": "A", "Lastname": "B", "AutoEnrolCourses": false, "IsStaff": true},
			want: map[string]any{"Username": "u", "Firstname": "A", "Lastname": "B", "AutoEnrolCourses": false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK,
				Header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: userAnswer})
			created, err := client(t, srv.URL+"/").Create(ctx(t), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, "7311", created.ID, "the integer UserId as a decimal string")
			assert.Equal(t, map[string]string{"OrgId": "2"}, created.Extra)

			req := srv.Only(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, "/api/users/createUser", req.Path)
			assert.Equal(t, wantAuth, req.Header.Get("Authorization"))
			assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
			assert.Equal(t, "application/json", req.Header.Get("Accept"))
			assert.Equal(t, tt.want, req.Body)
		})
	}
}

// A 2xx is bksb's "done": a readable answer without a usable UserId is
// created with the ID unknown (the pool's lookup finds it); an unreadable
// one is a VENDOR_ERROR carrying the 2xx status, which the pool never
// answers with another create.
func TestCreateAnswerWithoutUserID(t *testing.T) {
	for answer, readable := range map[string]bool{`{"Username":"alee2024"}`: true, `{"UserId":0}`: true,
		`not json`: false, ``: false, `<html><body>OK</body></html>`: false, `{"UserId":73`: false, `null`: false} {
		t.Run(answer, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: answer})
			got, err := client(t, srv.URL).Create(ctx(t), schema.Record{"Username": "alee2024", "Firstname": "A", "Lastname": "B"})
			if readable {
				require.NoError(t, err)
				assert.Empty(t, got.ID)
				return
			}
			pe := providertest.VendorError(t, err, providers.VendorError)
			assert.Equal(t, http.StatusOK, pe.Status)
			assert.True(t, pe.Sent, "the user may exist: look before retrying")
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		creds   map[string]string
		wantErr string
	}{
		{"ok", map[string]string{envKeyID: testKeyID, envSecret: testSecret}, ""},
		{"no key id", map[string]string{envSecret: testSecret}, envKeyID},
		{"empty secret", map[string]string{envKeyID: testKeyID, envSecret: ""}, envSecret},
		{"nothing", nil, envKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { providertest.CheckNew(t, New, tt.creds, tt.wantErr) })
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		answer    string
		wantID    string
		wantFound bool
		wantErr   providers.Code
	}{
		{"bare integer", 200, `7311`, "7311", true, ""},
		{"quoted integer", 200, `"7311"`, "7311", true, ""},
		{"User object", 200, `{"UserId":7311,"Username":"a b"}`, "7311", true, ""},
		{"zero is nobody", 200, `0`, "", false, ""},
		{"null is nobody", 200, `null`, "", false, ""},
		{"empty is nobody", 200, ``, "", false, ""},
		{"404 is nobody", 404, `{"Message":"User not found."}`, "", false, ""},
		{"garbage", 200, `"abc"`, "", false, providers.VendorError},
		{"bad key", 401, `{"Message":"Authorization has been denied for this request."}`, "", false, providers.AuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: tt.status, Body: tt.answer})
			id, found, err := client(t, srv.URL).Find(ctx(t), schema.Record{"Username": "a b"})
			if tt.wantErr != "" {
				providertest.VendorError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantID, id)

			req := srv.Only(t)
			assert.Equal(t, http.MethodGet, req.Method)
			assert.Equal(t, "/api/users/user/getUserId", req.Path)
			assert.Equal(t, "username=a+b", req.RawQuery)
			assert.Equal(t, wantAuth, req.Header.Get("Authorization"))
		})
	}
}
