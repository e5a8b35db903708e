package ispring

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// counter counts requests per "METHOD path" in front of a handler.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[r.Method+" "+r.URL.Path]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

const (
	tokenCalls  = "POST " + tokenPath
	createCalls = "POST /user"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// keyEnv is a simulator (with its own clock and token lifetime) behind a
// request counter, and an API-key client with its own clock.
type keyEnv struct {
	srv      *sim.Server
	count    *counter
	c        *Client
	simClock *fakeClock
	clock    *fakeClock
}

func newKeyEnv(t *testing.T, opt sim.Options, ttl time.Duration) *keyEnv {
	t.Helper()
	e := &keyEnv{count: &counter{}, simClock: &fakeClock{t: time.Unix(1_700_000_000, 0)}, clock: &fakeClock{t: time.Unix(1_700_000_000, 0)}}
	e.srv = newSimulator(opt, simConfig{now: e.simClock.now, tokenTTL: ttl})
	e.c = providertest.NewClient[*Client](t, New, providertest.Serve(t, e.count.wrap(e.srv.Handler)), e.srv.Credentials)
	e.c.tokens.now = e.clock.now
	return e
}

// person is a valid record; n makes it unique.
func person(n string) schema.Record {
	return schema.Record{"login": "user" + n, "email": "user" + n + "@example.com", "departmentId": testDept}
}

func TestTokenExchangeWire(t *testing.T) {
	var form, header = map[string]string{}, http.Header{}
	var bearer string
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		header = r.Header.Clone()
		sim.WriteJSON(w, 200, map[string]any{"access_token": "tok-1", "expires_in": 1800, "token_type": "bearer"})
	})
	mux.HandleFunc("POST /user", func(w http.ResponseWriter, r *http.Request) {
		bearer = r.Header.Get("Authorization")
		sim.WriteJSON(w, 201, testUser)
	})
	c := providertest.NewClient[*Client](t, New, providertest.Serve(t, mux), map[string]string{EnvClientID: "cid", EnvClientSecret: "csecret"})
	got, err := c.Create(ctx(t), person("1"))
	require.NoError(t, err)
	assert.Equal(t, testUser, got.ID)
	assert.Equal(t, map[string]string{"client_id": "cid", "client_secret": "csecret", "grant_type": "client_credentials"}, form)
	assert.Equal(t, "application/x-www-form-urlencoded", header.Get("Content-Type"))
	assert.Equal(t, "application/json", header.Get("Accept"))
	assert.Equal(t, "Bearer tok-1", bearer)
}

func TestTokenReusedThenRenewedBeforeExpiry(t *testing.T) {
	e := newKeyEnv(t, sim.Options{}, 30*time.Minute)
	for i, step := range []struct {
		advance    time.Duration
		wantTokens int
	}{
		{0, 1},
		{time.Minute, 1},
		{27 * time.Minute, 1},             // 28 min in: more than 60 s left
		{time.Minute + 30*time.Second, 2}, // 29.5 min in: renewed before the 30 minutes run out
		{time.Minute, 2},
	} {
		e.clock.add(step.advance)
		e.simClock.add(step.advance)
		_, err := e.c.Create(ctx(t), person(string(rune('a'+i))))
		require.NoError(t, err, "step %d", i)
		assert.Equal(t, step.wantTokens, e.count.get(tokenCalls), "step %d", i)
	}
	assert.Equal(t, 5, e.count.get(createCalls), "no create was refused for an expired token")
}

func TestTokenShortLifetime(t *testing.T) {
	// A 10 s token is renewed at half its life, not on every call.
	e := newKeyEnv(t, sim.Options{}, 10*time.Second)
	_, err := e.c.Create(ctx(t), person("1"))
	require.NoError(t, err)
	e.clock.add(4 * time.Second)
	_, err = e.c.Create(ctx(t), person("2"))
	require.NoError(t, err)
	assert.Equal(t, 1, e.count.get(tokenCalls))
	e.clock.add(2 * time.Second)
	_, err = e.c.Create(ctx(t), person("3"))
	require.NoError(t, err)
	assert.Equal(t, 2, e.count.get(tokenCalls))
}

func TestTokenOneExchangeForConcurrentCalls(t *testing.T) {
	e := newKeyEnv(t, sim.Options{Latency: 20 * time.Millisecond}, 30*time.Minute)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := e.c.Create(ctx(t), person(string(rune('a'+i))))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, e.count.get(tokenCalls), "one exchange serves every waiting caller")
	assert.Equal(t, n, e.srv.Store.Len())
}

func TestTokenRenewedOnceOn401(t *testing.T) {
	// The vendor expires the token early (its clock ran ahead): the 401 is
	// answered by one new exchange and one resend.
	e := newKeyEnv(t, sim.Options{}, 30*time.Minute)
	_, err := e.c.Create(ctx(t), person("1"))
	require.NoError(t, err)
	e.simClock.add(31 * time.Minute)
	got, err := e.c.Create(ctx(t), person("2"))
	require.NoError(t, err)
	assert.NotEmpty(t, got.ID)
	assert.Equal(t, 2, e.count.get(tokenCalls))
	assert.Equal(t, 3, e.count.get(createCalls))
	assert.Equal(t, 2, e.srv.Store.Len())
}

func TestToken401AfterFreshTokenIsFatal(t *testing.T) {
	count := &counter{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, func(w http.ResponseWriter, r *http.Request) {
		sim.WriteJSON(w, 200, map[string]any{"access_token": "tok", "expires_in": 1800, "token_type": "bearer"})
	})
	mux.HandleFunc("POST /user", func(w http.ResponseWriter, r *http.Request) {
		sim.WriteJSON(w, 401, errorResponse{Code: 401, Message: "Unauthorized"})
	})
	c := providertest.NewClient[*Client](t, New, providertest.Serve(t, count.wrap(mux)), map[string]string{EnvClientID: "cid", EnvClientSecret: "csecret"})

	// A fresh token refused: no second exchange.
	_, err := c.Create(ctx(t), person("1"))
	providertest.VendorError(t, err, providers.AuthFailed)
	assert.Equal(t, 1, count.get(tokenCalls))
	assert.Equal(t, 1, count.get(createCalls))

	// A cached token refused: one renewal, one resend, then give up.
	_, err = c.Create(ctx(t), person("1"))
	providertest.VendorError(t, err, providers.AuthFailed)
	assert.Equal(t, 2, count.get(tokenCalls))
	assert.Equal(t, 3, count.get(createCalls))
}

func TestTokenFailures(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   providers.Code
	}{
		{"bad key", 401, `{"code":401,"message":"Invalid client credentials"}`, providers.AuthFailed},
		{"bad request", 400, `{"code":400,"message":"Wrong parameters"}`, providers.AuthFailed},
		{"no access_token", 200, `{"expires_in":1800}`, providers.VendorError},
		{"server error", 503, `oops`, providers.VendorError},
		{"rate limited", 429, `{"code":429,"message":"slow down"}`, providers.RateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewRecorder(t, providertest.Answer{Status: tt.status, Body: tt.body})
			c := providertest.NewClient[*Client](t, New, srv.URL, map[string]string{EnvClientID: "cid", EnvClientSecret: "csecret-value"})
			_, err := c.Create(ctx(t), person("1"))
			pe := providertest.VendorError(t, err, tt.code)
			assert.False(t, pe.Sent, "no user was sent")
			assert.Contains(t, err.Error(), tokenPath)
			assert.NotContains(t, err.Error(), "csecret-value")
			reqs := srv.Requests()
			require.Len(t, reqs, 1, "no create without a token")
			assert.Equal(t, tokenPath, reqs[0].Path)
		})
	}
}

func TestTokenWaitHonoursContext(t *testing.T) {
	ts := newTokenSource(nil, "http://127.0.0.1:1", "id", "secret")
	ts.sem <- struct{}{} // an exchange is under way
	c, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := ts.Token(c, "")
	providertest.VendorError(t, err, providers.Interrupted)
	assert.Less(t, time.Since(start), time.Second)
}
