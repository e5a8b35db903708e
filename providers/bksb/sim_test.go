package bksb

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestSimCreateAnswersUser(t *testing.T) {
	srv, base, _ := simulated(t)
	var got map[string]any
	status := call(t, http.MethodPost, base+"/api/users/createUser", srv.Credentials[envKeyID], srv.Credentials[envSecret], "application/json",
		`{"Username":"alee2024","Firstname":"Ann","Lastname":"Lee","Password":"Welcome-2024","Email":"ann.lee@example.ac.uk",
		  "DateOfBirth":{"Year":2004,"Month":9,"Day":17,"Hour":0,"Minute":0,"Second":0,"Millisecond":0},"AutoEnrolCourses":true,"Extra":"ignored"}`, &got)
	require.Equal(t, http.StatusOK, status, "%v", got)
	assert.InDelta(t, 100001, got["UserId"], 0)
	assert.InDelta(t, simOrgID, got["OrgId"], 0)
	assert.Equal(t, false, got["IsArchived"])
	assert.Equal(t, "2004-09-17T00:00:00.0000000+00:00", got["DateOfBirth"])
	assert.NotEmpty(t, got["DateCreated"])
	assert.NotContains(t, got, "Password", "the User resource has no password")
	for _, k := range []string{"Username", "Firstname", "Lastname", "Email", "ProfilePhotoUrl", "LastActivity", "IsStaff", "AdvancedID"} {
		assert.Contains(t, got, k)
	}
}

func TestSimRejects(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		modelState map[string]any
	}{
		{"missing names", `{"Username":"alee2024"}`, map[string]any{
			"request.Firstname": []any{"The Firstname field is required."},
			"request.Lastname":  []any{"The Lastname field is required."},
		}},
		{"bad email", `{"Username":"u","Firstname":"A","Lastname":"B","Email":"ann.lee.example.ac.uk"}`, map[string]any{
			"request.Email": []any{"The Email field is not a valid e-mail address."},
		}},
		{"impossible date", `{"Username":"u","Firstname":"A","Lastname":"B","DateOfBirth":{"Year":2004,"Month":2,"Day":30}}`, map[string]any{
			"request.DateOfBirth": []any{"The DateOfBirth field must be a valid date."},
		}},
		{"birth date as a string", `{"Username":"u","Firstname":"A","Lastname":"B","DateOfBirth":"2004-09-17"}`, map[string]any{
			"request.DateOfBirth": []any{`Error converting value "2004-09-17" to type 'SimpleDateTime'. Path 'DateOfBirth'.`},
		}},
		{"year as a string", `{"Username":"u","Firstname":"A","Lastname":"B","DateOfBirth":{"Year":"abc","Month":2,"Day":3}}`, map[string]any{
			"request.DateOfBirth.Year": []any{"Could not convert abc to integer. Path 'DateOfBirth.Year'."},
		}},
		{"AutoEnrolCourses as a string", `{"Username":"u","Firstname":"A","Lastname":"B","AutoEnrolCourses":"sometimes"}`, map[string]any{
			"request.AutoEnrolCourses": []any{"Could not convert sometimes to boolean. Path 'AutoEnrolCourses'."},
		}},
		{"not JSON", `{"Username":`, map[string]any{"request": []any{"Unexpected end when reading JSON. Path '', line 1."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, base, _ := simulated(t)
			var got map[string]any
			status := call(t, http.MethodPost, base+"/api/users/createUser", srv.Credentials[envKeyID], srv.Credentials[envSecret], "application/json", tt.body, &got)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "The request is invalid.", got["Message"])
			assert.Equal(t, tt.modelState, got["ModelState"])
			assert.Equal(t, 0, srv.Store.Len())
		})
	}
}

func TestSimAuth(t *testing.T) {
	srv, base, _ := simulated(t)
	body := `{"Username":"u","Firstname":"A","Lastname":"B"}`
	tests := []struct{ name, id, secret string }{
		{"no credentials", "", ""},
		{"wrong secret", srv.Credentials[envKeyID], "nope"},
		{"wrong key", "sim-key-other", srv.Credentials[envSecret]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/users/createUser", "/api/users/user/getUserId?username=u", "/api/users/isUsernameExists?username=u"} {
				method := http.MethodGet
				if path == "/api/users/createUser" {
					method = http.MethodPost
				}
				var got map[string]any
				status := call(t, method, base+path, tt.id, tt.secret, "application/json", body, &got)
				assert.Equal(t, http.StatusUnauthorized, status, path)
				assert.Equal(t, "Authorization has been denied for this request.", got["Message"], path)
			}
		})
	}
	assert.Equal(t, 0, srv.Store.Len())
}

func TestSimDuplicateUsername(t *testing.T) {
	srv, _, c := simulated(t)
	_, err := c.Create(ctx(t), schema.Record{"Username": "alee2024", "Firstname": "Ann", "Lastname": "Lee"})
	require.NoError(t, err)
	_, err = c.Create(ctx(t), schema.Record{"Username": "ALee2024", "Firstname": "Al", "Lastname": "Lee"})
	pe := providertest.VendorError(t, err, providers.AlreadyExists)
	assert.Equal(t, http.StatusBadRequest, pe.Status)
	assert.Equal(t, "A user with the username 'ALee2024' already exists.", pe.Message)
	assert.Equal(t, 1, srv.Store.Len())
}

func TestSimLookups(t *testing.T) {
	srv, base, c := simulated(t)
	created, err := c.Create(ctx(t), schema.Record{"Username": "ann lee", "Firstname": "Ann", "Lastname": "Lee"})
	require.NoError(t, err)
	tests := []struct {
		path string
		want any
	}{
		{"/api/users/user/getUserId?" + url.Values{"username": {"Ann Lee"}}.Encode(), float64(100001)},
		{"/api/users/user/getUserId?username=nobody", float64(0)},
		{"/api/users/isUsernameExists?username=ann%20lee", true},
		{"/api/users/isUsernameExists?username=nobody", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var got any
			status := call(t, http.MethodGet, base+tt.path, srv.Credentials[envKeyID], srv.Credentials[envSecret], "", "", &got)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, tt.want, got)
		})
	}
	var got map[string]any
	status := call(t, http.MethodGet, base+"/api/users/user/getUserId", srv.Credentials[envKeyID], srv.Credentials[envSecret], "", "", &got)
	assert.Equal(t, http.StatusNotFound, status, "no action matches without ?username")

	id, found, err := c.Find(ctx(t), schema.Record{"Username": "ANN LEE"})
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, created.ID, id)
	_, found, err = c.Find(ctx(t), schema.Record{"Username": "someone else"})
	require.NoError(t, err)
	assert.False(t, found)
}

func TestSimMediaType(t *testing.T) {
	srv, base, _ := simulated(t)
	var got map[string]any
	status := call(t, http.MethodPost, base+"/api/users/createUser", srv.Credentials[envKeyID], srv.Credentials[envSecret], "text/plain", `Username=u`, &got)
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	assert.Equal(t, "The request entity's media type 'text/plain' is not supported for this resource.", got["Message"])
}
