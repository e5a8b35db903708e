package providertest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecorder(t *testing.T) {
	rec := NewRecorder(t,
		Answer{Status: http.StatusCreated, Body: `"id-1"`},
		Answer{Status: http.StatusBadGateway, Header: map[string]string{"Content-Type": "text/html", "Retry-After": "3"}, Body: "<html/>"},
	)
	send := func(method, path, contentType, body string) (int, http.Header, string) {
		status, h, b := Send(t, method, rec.URL+path, http.Header{"Content-Type": {contentType}}, body)
		return status, h, string(b)
	}
	status, h, body := send(http.MethodPost, "/user?x=1&x=2", "application/json", `{"n":33,"s":"33"}`)
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, "application/json; charset=utf-8", h.Get("Content-Type"), "the default content type")
	assert.Equal(t, `"id-1"`, body)
	for range 2 { // the last answer repeats
		status, h, body = send(http.MethodGet, "/user", "application/x-www-form-urlencoded", "a=1")
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Equal(t, "text/html", h.Get("Content-Type"), "an answer's header wins")
		assert.Equal(t, "3", h.Get("Retry-After"))
		assert.Equal(t, "<html/>", body)
	}

	reqs := rec.Requests()
	require.Len(t, reqs, 3)
	first := reqs[0]
	assert.Equal(t, http.MethodPost, first.Method)
	assert.Equal(t, "/user", first.Path)
	assert.Equal(t, "x=1&x=2", first.RawQuery)
	assert.Equal(t, "/user?x=1&x=2", first.URI)
	assert.Equal(t, []string{"1", "2"}, first.Query["x"])
	assert.Equal(t, "application/json", first.Header.Get("Content-Type"))
	assert.Equal(t, `{"n":33,"s":"33"}`, first.Raw)
	assert.Equal(t, map[string]any{"n": json.Number("33"), "s": "33"}, first.Body, "numbers stay apart from strings")
	assert.Equal(t, "a=1", reqs[1].Raw)
	assert.Nil(t, reqs[1].Body, "a form body is no JSON object")
}

func TestRecorderOnly(t *testing.T) {
	rec := NewRecorder(t, Answer{Status: http.StatusOK})
	Send(t, http.MethodGet, rec.URL+"/a", nil, "")
	assert.Equal(t, "/a", rec.Only(t).Path)
	assert.Empty(t, rec.Only(t).Raw)
	assert.Nil(t, rec.Only(t).Body)
}
