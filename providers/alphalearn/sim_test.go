package alphalearn

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

type simEnv struct {
	srv *sim.Server
	url string
	c   Client
}

func newSimEnv(t *testing.T, opt sim.Options) *simEnv {
	t.Helper()
	srv := NewSimulator(opt)
	url := providertest.Serve(t, srv.Handler)
	return &simEnv{srv: srv, url: url, c: providertest.NewClient[Client](t, New, url, srv.Credentials)}
}

// do sends a raw request and decodes the envelope.
func (e *simEnv) do(t *testing.T, method, path, token, body string) (int, *envelope) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	status, _, b := providertest.Send(t, method, e.url+path, h, body)
	env := decode(b)
	require.NotNil(t, env, "every answer is an envelope: %s", b)
	return status, env
}

func (e *simEnv) token() string { return e.srv.Credentials[EnvToken] }

func TestSimSuccessEnvelope(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	body, _ := json.Marshal(good())
	status, env := e.do(t, http.MethodPost, "/user/create", e.token(), string(body))
	assert.Equal(t, http.StatusOK, status)
	assert.True(t, env.Success)
	assert.Equal(t, "Success", env.Data.Response.Acknowledgement)
	assert.JSONEq(t, `{"userId":"126"}`, string(env.Data.Response.Data), "the doc's sample ID, as a string")
	assert.Empty(t, env.Data.Response.Error.Code)
	assert.NotNil(t, env.Data.Response.Error.MoreInfo)
}

func TestSimAuth(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	body, _ := json.Marshal(good())
	for name, tok := range map[string]string{"none": "", "wrong": "sim-token-0"} {
		t.Run(name, func(t *testing.T) {
			status, env := e.do(t, http.MethodPost, "/user/create", tok, string(body))
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.False(t, env.Success)
			assert.Equal(t, flexString("1001"), env.Data.Response.Error.Code)
			status, _ = e.do(t, http.MethodGet, "/user/user-list?firstRecord=1&count=20", tok, "")
			assert.Equal(t, http.StatusUnauthorized, status)
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())
}

func TestSimValidation(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	change := func(kv ...any) map[string]any {
		m := map[string]any(good())
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name  string
		body  map[string]any
		code  string
		field string
	}{
		{"missing firstName", change("firstName", nil), "1007", "firstName"},
		{"missing lastName", change("lastName", nil), "1009", "lastName"},
		{"missing email", change("email", nil), "1020", "email"},
		{"invalid email", change("email", "not-an-email"), "1021", "email"},
		{"missing title", change("title", nil), "1024", "title"},
		{"invalid title", change("title", "Sir"), "1024", "title"},
		{"title not in wire spelling", change("title", "mr."), "1024", "title"},
		{"missing userCanChoosePassword", change("userCanChoosePassword", nil), "1044", "userCanChoosePassword"},
		{"userCanChoosePassword as a string", change("userCanChoosePassword", "0"), "1045", "userCanChoosePassword"},
		{"missing password", change("userCanChoosePassword", 1), "1018", "password"},
		{"weak password", change("userCanChoosePassword", 1, "password", "abc"), "1019", "password"},
		{"missing roleId", change("roleId", nil), "1048", "roleId"},
		{"roleId as a string", change("roleId", "3"), "1049", "roleId"},
		{"city without state", change("city", 1001, "country", 101), "1016", "city"},
		{"invalid city", change("city", "Pune", "state", 29, "country", 101), "1017", "city"},
		{"invalid mobile", change("mobile", "+91 98765"), "1015", "mobile"},
		{"invalid countryCode", change("countryCode", "India"), "1037", "countryCode"},
		{"invalid zipcode", change("zipcode", "#"), "1056", "zipcode"},
		{"invalid sendEmailNotification", change("sendEmailNotification", 2), "1029", "sendEmailNotification"},
		{"invalid reportingTo", change("reportingTo", 1.5), "1053", "reportingTo"},
		{"invalid language", change("language", "English"), "1041", "language"},
		{"invalid timezone", change("timezone", "IST"), "1039", "timezone"},
		{"department without a code", change("department", "Sales"), "", "department"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.Create(ctx(t), tt.body)
			pe := providertest.VendorError(t, err, providers.VendorRejected)
			assert.Equal(t, http.StatusOK, pe.Status, "failures come with HTTP 200")
			assert.Equal(t, tt.code, pe.VendorCode)
			assert.Equal(t, tt.field, pe.Field, "message: %s", pe.Message)
			if c, ok := byCode(tt.code); ok && tt.code != codeAmbiguous {
				assert.Equal(t, c.Message, pe.Message, "the doc's message")
			}
		})
	}
	assert.Equal(t, 0, e.srv.Store.Len())

	t.Run("unknown key", func(t *testing.T) {
		b, _ := json.Marshal(change("zipCode", "560001"))
		status, env := e.do(t, http.MethodPost, "/user/create", e.token(), string(b))
		assert.Equal(t, http.StatusOK, status)
		assert.False(t, env.Success)
		assert.Contains(t, env.Data.Response.Error.InternalMessage, "zipCode")
	})
	t.Run("not JSON", func(t *testing.T) {
		status, env := e.do(t, http.MethodPost, "/user/create", e.token(), "title=Ms")
		assert.Equal(t, http.StatusBadRequest, status)
		assert.False(t, env.Success)
	})
}

func TestSimDuplicate(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	_, err := e.c.Create(ctx(t), good())
	require.NoError(t, err)
	again := good()
	again["email"] = "ANANYA.RAO@example.com"
	_, err = e.c.Create(ctx(t), again)
	pe := providertest.VendorError(t, err, providers.AlreadyExists)
	assert.Equal(t, "1023", pe.VendorCode)
	assert.Equal(t, "Email address provided already exist. Please provide another email address", pe.Message)
	assert.Equal(t, 1, e.srv.Store.Len())
	assert.Equal(t, 1, e.srv.Store.Duplicates()["email:ananya.rao@example.com"])
}

func TestSimUserList(t *testing.T) {
	e := newSimEnv(t, sim.Options{})
	for i, name := range []string{"Ananya", "Vikram", "Meera"} {
		rec := good()
		rec["firstName"], rec["email"] = name, fmt.Sprintf("%s%d@example.com", strings.ToLower(name), i)
		_, err := e.c.Create(ctx(t), rec)
		require.NoError(t, err)
	}
	list := func(query string) (string, []string, int) {
		status, env := e.do(t, http.MethodGet, "/user/user-list?"+query, e.token(), "")
		require.Equal(t, http.StatusOK, status)
		if !env.Success {
			return string(env.Data.Response.Error.Code), nil, 0
		}
		var d listData
		require.NoError(t, json.Unmarshal(env.Data.Response.Data, &d))
		var ids []string
		for _, u := range d.UserList {
			ids = append(ids, string(u.UserID))
		}
		return "", ids, d.TotalRecords
	}
	code, ids, total := list("firstRecord=1&count=50")
	assert.Empty(t, code)
	assert.Equal(t, []string{"126", "127", "128"}, ids)
	assert.Equal(t, 3, total)
	_, ids, total = list("firstRecord=2&count=1")
	assert.Equal(t, []string{"127"}, ids)
	assert.Equal(t, 3, total)
	_, ids, _ = list("firstRecord=1&count=50&q=MEERA")
	assert.Equal(t, []string{"128"}, ids)
	_, ids, _ = list("firstRecord=9&count=50")
	assert.Empty(t, ids)
	code, _, _ = list("firstRecord=0&count=50")
	assert.Equal(t, "1003", code)
	code, _, _ = list("firstRecord=1&count=51")
	assert.Equal(t, "1004", code)
}

func TestFindPagesThroughTheList(t *testing.T) {
	// 55 people whose emails contain the one searched for fill more than
	// one page of 50; the person is on the second page.
	e := newSimEnv(t, sim.Options{})
	for i := range 55 {
		rec := good()
		rec["email"] = fmt.Sprintf("x%02d.ananya.rao@example.com", i)
		_, err := e.c.Create(ctx(t), rec)
		require.NoError(t, err)
	}
	_, found, err := e.c.Find(ctx(t), good())
	require.NoError(t, err)
	assert.False(t, found)
	want, err := e.c.Create(ctx(t), good())
	require.NoError(t, err)
	id, found, err := e.c.Find(ctx(t), schema.Record{"email": "Ananya.Rao@Example.com"})
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, want.ID, id)
}
