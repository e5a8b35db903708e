package sim

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandomHex(t *testing.T) {
	a, b := RandomHex(16), RandomHex(16)
	assert.Regexp(t, `^[0-9a-f]{32}$`, a)
	assert.NotEqual(t, a, b, "two draws differ")
	assert.Len(t, RandomHex(9), 18)
}

func TestHasBearer(t *testing.T) {
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"right token", "Bearer tok-1", true},
		{"wrong token", "Bearer tok-2", false},
		{"no scheme", "tok-1", false},
		{"other scheme", "Token tok-1", false},
		{"none", "", false},
		{"token with a suffix", "Bearer tok-1x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			assert.Equal(t, tt.ok, HasBearer(r, "tok-1"))
		})
	}
	assert.True(t, SameSecret("s", "s"))
	assert.False(t, SameSecret("s", "S"))
}

func TestNewServer(t *testing.T) {
	store := NewStore()
	creds := map[string]string{"ONBOARD_TOKEN": "tok"}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	srv := NewServer(Options{FailRate: 1}, ok, store, creds)
	require.NotNil(t, srv.Stats)
	assert.Same(t, store, srv.Store)
	assert.Equal(t, creds, srv.Credentials)

	// The faults of opt apply: every POST fails, a GET passes through.
	w := httptest.NewRecorder()
	srv.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	w = httptest.NewRecorder()
	srv.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, int64(2), srv.Stats.Requests.Load())
	assert.Equal(t, int64(1), srv.Stats.Failed.Load())
}
