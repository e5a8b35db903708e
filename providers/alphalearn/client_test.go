package alphalearn

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// docSuccess is the doc's success answer, verbatim.
const docSuccess = `{
    "success": true,
    "data": {
        "response": {
            "acknowledgement": "Success",
            "data": {
                "userId": "126"
            },
            "error": {
                "code": "",
                "internal_message": "",
                "moreInfo": []
            }
        }
    }
}`

func TestCreateWire(t *testing.T) {
	tests := []struct {
		name string
		rec  schema.Record
		want string
	}{
		{
			name: "required fields only, integers as numbers",
			rec:  good(),
			want: `{"title":"Ms","firstName":"Ananya","lastName":"Rao","email":"ananya.rao@example.com","userCanChoosePassword":0,"roleId":3}`,
		},
		{
			name: "every field with its documented name and JSON type",
			rec: schema.Record{"title": "Dr", "firstName": "Vikram", "lastName": "Iyer", "email": "v.iyer@example.com",
				"countryCode": "+91", "mobile": "9876543210", "userCanChoosePassword": int64(1), "password": "Welcome2024",
				"uniqueId": "EMP-0042", "roleId": int64(3), "reportingTo": int64(17), "companyName": "Acme Learning",
				"department": int64(12), "designation": int64(4), "zipcode": "560001", "city": int64(1001), "state": int64(29),
				"country": int64(101), "timezone": "Asia/Kolkata", "language": "en-US", "sendEmailNotification": int64(1)},
			want: `{"title":"Dr","firstName":"Vikram","lastName":"Iyer","email":"v.iyer@example.com","countryCode":"+91",
				"mobile":"9876543210","userCanChoosePassword":1,"password":"Welcome2024","uniqueId":"EMP-0042","roleId":3,
				"reportingTo":17,"companyName":"Acme Learning","department":12,"designation":4,"zipcode":"560001","city":1001,
				"state":29,"country":101,"timezone":"Asia/Kolkata","language":"en-US","sendEmailNotification":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: docSuccess})
			got, err := testClient(t, srv.URL).Create(ctx(t), tt.rec)
			require.NoError(t, err)
			assert.Equal(t, "126", got.ID)
			r := srv.Only(t)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/user/create", r.Path)
			assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.want, r.Raw)
		})
	}
}

func TestCreateBaseURLPath(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: docSuccess})
	_, err := testClient(t, srv.URL+"/v2/").Create(ctx(t), good())
	require.NoError(t, err)
	assert.Equal(t, "/v2/user/create", srv.Requests()[0].Path)
}

func TestCreatedID(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
		sent       bool // unreadable: VendorError with the 2xx status and Sent
	}{
		{name: "doc sample", body: docSuccess, want: "126"},
		{name: "numeric userId", body: `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{"userId":127},"error":{"code":"","internal_message":"","moreInfo":[]}}}}`, want: "127"},
		// A readable success without its ID is created, the ID unknown.
		{name: "no userId", body: `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{},"error":{"code":""}}}}`, want: ""},
		{name: "not JSON", body: `<html>ok</html>`, sent: true},
		{name: "empty", body: ``, sent: true},
		{name: "cut short", body: `{"success":true,"data":{"resp`, sent: true},
		{name: "no success flag", body: `{}`, sent: true},
		{name: "null", body: `null`, sent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: tt.body})
			got, err := testClient(t, srv.URL).Create(ctx(t), good())
			if !tt.sent {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got.ID)
				return
			}
			pe := providertest.VendorError(t, err, providers.VendorError)
			assert.Equal(t, http.StatusOK, pe.Status)
			assert.ErrorIs(t, err, providers.ErrUnreadable, "the pool reads it as done: never created again")
			assert.True(t, pe.Sent, "the user may exist: look it up, do not create again")
		})
	}
}

func TestSuccessFalseIsNeverCreated(t *testing.T) {
	// HTTP 200, success false, and even a userId: still a failure.
	body := `{"success":false,"data":{"response":{"acknowledgement":"Failure","data":{"userId":"130"},
		"error":{"code":"1021","internal_message":"Invalid email","moreInfo":[]}}}}`
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusOK, Body: body})
	got, err := testClient(t, srv.URL).Create(ctx(t), good())
	assert.Empty(t, got.ID)
	pe := providertest.VendorError(t, err, providers.VendorRejected)
	assert.Equal(t, "email", pe.Field)
	assert.NotErrorIs(t, err, providers.ErrUnreadable, "a readable refusal, not an unread success")
}

func TestFind(t *testing.T) {
	list := func(total int, users ...string) string {
		items := ""
		for i, u := range users {
			if i > 0 {
				items += ","
			}
			items += u
		}
		return `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{"userList":[` + items + `],"totalRecords":` +
			string(rune('0'+total)) + `},"error":{"code":"","internal_message":"","moreInfo":[]}}}}`
	}
	ann := `{"userId":"126","firstName":"Ananya","lastName":"Rao","email":"Ananya.Rao@example.com","countryCode":"+91","mobile":"9876543210","uniqueId":"","role":"Trainee"}`
	joann := `{"userId":"131","firstName":"Jo","lastName":"Ann","email":"jo.ananya.rao@example.com"}`
	tests := []struct {
		name      string
		replies   []providertest.Answer
		wantID    string
		wantFound bool
		requests  int
	}{
		{"exact email, case-insensitive", []providertest.Answer{{Status: 200, Body: list(2, joann, ann)}}, "126", true, 1},
		{"only a partial match", []providertest.Answer{{Status: 200, Body: list(1, joann)}}, "", false, 1},
		{"nobody", []providertest.Answer{{Status: 200, Body: list(0)}}, "", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, tt.replies...)
			id, found, err := testClient(t, srv.URL).Find(ctx(t), good())
			require.NoError(t, err)
			assert.Equal(t, tt.wantFound, found)
			assert.Equal(t, tt.wantID, id)
			reqs := srv.Requests()
			require.Len(t, reqs, tt.requests)
			assert.Equal(t, http.MethodGet, reqs[0].Method)
			assert.Equal(t, "/user/user-list", reqs[0].Path)
			assert.Equal(t, []string{"1"}, reqs[0].Query["firstRecord"])
			assert.Equal(t, []string{"50"}, reqs[0].Query["count"])
			assert.Equal(t, []string{"ananya.rao@example.com"}, reqs[0].Query["q"])
			assert.Equal(t, "Bearer "+testToken, reqs[0].Header.Get("Authorization"))
		})
	}
}

func TestFindErrors(t *testing.T) {
	srv := providertest.NewRecorder(t, providertest.Answer{Status: http.StatusUnauthorized, Body: failure("1001", "Invalid or expired token")})
	_, _, err := testClient(t, srv.URL).Find(ctx(t), good())
	providertest.VendorError(t, err, providers.AuthFailed)

	_, _, err = testClient(t, srv.URL).Find(ctx(t), schema.Record{"firstName": "x"})
	assert.Error(t, err, "nothing to look up by")
}

func TestNewNeedsToken(t *testing.T) {
	providertest.CheckNew(t, New, nil, EnvToken)
	reg, err := providers.Lookup(ID)
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, reg.DefaultBaseURL)
	c, err := New(providers.Config{BaseURL: reg.DefaultBaseURL, Credentials: map[string]string{EnvToken: "t"}})
	require.NoError(t, err)
	assert.NotNil(t, c)
}
