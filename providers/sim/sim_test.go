package sim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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

func TestFaultKit(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	srv := NewServer(Options{LimitRate: 1, RetryAfter: 2 * time.Second}, ok, NewStore(), nil)
	send := func(method string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.Handler.ServeHTTP(w, httptest.NewRequest(method, "/", nil))
		return w
	}
	// Random 429s carry their Retry-After.
	w := send(http.MethodPost)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "2", w.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusCreated, send(http.MethodGet).Code, "lookups spared by default")

	// AllMethods: lookups fail too.
	srv.SetFaults(Options{FailRate: 1, AllMethods: true})
	assert.Equal(t, http.StatusInternalServerError, send(http.MethodGet).Code)
	assert.Equal(t, int64(1), srv.Stats.Failed.Load())

	// Off again, with a bounded random latency.
	srv.SetFaults(Options{LatencyJitter: 5 * time.Millisecond})
	start := time.Now()
	for range 10 {
		assert.Equal(t, http.StatusCreated, send(http.MethodPost).Code)
	}
	assert.Less(t, time.Since(start), time.Second)

	// Shares are shares: about 30% of 2,000 fail.
	srv.SetFaults(Options{FailRate: 0.3, Seed: 7})
	failed := 0
	for range 2000 {
		if send(http.MethodPost).Code == http.StatusInternalServerError {
			failed++
		}
	}
	assert.InDelta(t, 600, failed, 100)
}
