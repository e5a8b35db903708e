// Package providertest is the conformance suite every vendor package passes
// against its own simulator: create, duplicate, bad and missing
// credentials, lookup, injected faults and a complete registration. A
// vendor's test is one call:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, reg, schema.Record{"email": "ann@example.org", ...})
//	}
//
// It also holds what the vendors' own tests share: a Recorder standing in
// for the vendor to check the wire format, the sample rosters and
// workbooks under samples/ (LoadSample, SampleXLSX), and small helpers for
// clients, raw requests and roster rows.
package providertest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// Timeout bounds every request a test makes: loopback servers answer at
// once.
const Timeout = 10 * time.Second

// Option adjusts Run for a vendor whose documented behaviour differs from
// the common case.
type Option func(*options)

type options struct {
	skipWrongCreds string
}

// SkipWrongCredentials skips the wrong-credentials check, for a vendor whose
// answer to bad credentials is not AUTH_FAILED (its 401 means something
// else and nothing else is documented). reason is logged with the skip.
func SkipWrongCredentials(reason string) Option {
	return func(o *options) { o.skipWrongCreds = reason }
}

// Run checks reg against its own simulator over loopback HTTP. good must be
// a valid record of reg.Schema carrying its key. Each check gets a fresh
// simulator, so the checks run in parallel and do not depend on each other.
func Run(t *testing.T, reg *providers.Registration, good schema.Record, opts ...Option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	require.NotNil(t, reg, "registration")
	t.Run("Registration", func(t *testing.T) { checkRegistration(t, reg, good) })
	// Everything below needs a simulator and a constructor.
	require.NotNil(t, reg.Simulator, "Registration.Simulator")
	require.NotNil(t, reg.New, "Registration.New")
	require.NotNil(t, reg.Schema, "Registration.Schema")

	t.Run("Create", func(t *testing.T) { t.Parallel(); checkCreate(t, reg, good) })
	t.Run("Duplicate", func(t *testing.T) { t.Parallel(); checkDuplicate(t, reg, good) })
	t.Run("WrongCredentials", func(t *testing.T) {
		t.Parallel()
		if o.skipWrongCreds != "" {
			t.Skip(o.skipWrongCreds)
		}
		checkWrongCredentials(t, reg, good)
	})
	t.Run("Find", func(t *testing.T) { t.Parallel(); checkFind(t, reg, good) })
	t.Run("Update", func(t *testing.T) { t.Parallel(); checkUpdate(t, reg, good) })
	t.Run("MissingCredential", func(t *testing.T) { t.Parallel(); checkMissingCredential(t, reg) })
	t.Run("VendorError", func(t *testing.T) { t.Parallel(); checkVendorError(t, reg, good) })
	t.Run("RateLimited", func(t *testing.T) { t.Parallel(); checkRateLimited(t, reg, good) })
}

// env is one simulator served over loopback.
type env struct {
	reg *providers.Registration
	srv *sim.Server
	url string
}

func start(t *testing.T, reg *providers.Registration, opt sim.Options) *env {
	t.Helper()
	srv := reg.Simulator(opt)
	require.NotNil(t, srv, "Simulator returned nil")
	require.NotNil(t, srv.Handler, "Simulator returned no Handler")
	require.NotNil(t, srv.Store, "Simulator returned no Store")
	return &env{reg: reg, srv: srv, url: Serve(t, srv.Handler)}
}

// config is a client config for this simulator with creds.
func (e *env) config(creds map[string]string) providers.Config {
	return Config(e.url, creds)
}

// client builds a client with the simulator's own credentials.
func (e *env) client(t *testing.T) providers.Client {
	t.Helper()
	return e.clientWith(t, e.srv.Credentials)
}

func (e *env) clientWith(t *testing.T, creds map[string]string) providers.Client {
	t.Helper()
	c, err := e.reg.New(e.config(creds))
	require.NoError(t, err, "New with the simulator's credentials")
	require.NotNil(t, c, "New returned a nil client")
	return c
}

// create makes good at e and asserts it worked.
func (e *env) create(t *testing.T, c providers.Client, good schema.Record) providers.Created {
	t.Helper()
	got, err := c.Create(Context(t), good)
	require.NoError(t, err, "Create(good)")
	require.NotEmpty(t, got.ID, "Create must return the vendor's ID")
	return got
}

func checkCreate(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{})
	got := e.create(t, e.client(t), good)
	assert.Equal(t, 1, e.srv.Store.Len(), "the simulator must hold one user")
	u, ok := e.srv.Store.ByID(got.ID)
	if assert.True(t, ok, "the returned ID %q must be the simulator's ID", got.ID) {
		assert.Equal(t, reg.Schema.KeyOf(good), u.Key, "the simulator keys users as Schema.KeyOf does")
	}
	_, ok = e.srv.Store.Find(reg.Schema.KeyOf(good))
	assert.True(t, ok, "Store.Find(KeyOf(good)) must find the user")
}

func checkDuplicate(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{})
	c := e.client(t)
	e.create(t, c, good)
	_, err := c.Create(Context(t), good)
	pe := VendorError(t, err, providers.AlreadyExists)
	assert.False(t, pe.Retryable(), "a duplicate must not be retried")
	assert.Equal(t, 1, e.srv.Store.Len(), "a duplicate must not create a user")
}

func checkWrongCredentials(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{})
	wrong := make(map[string]string, len(e.srv.Credentials))
	for k, v := range e.srv.Credentials {
		w := WrongValue(v)
		require.NotEqual(t, v, w, "cannot make a wrong value for %s", k)
		wrong[k] = w
	}
	c := e.clientWith(t, wrong)
	_, err := c.Create(Context(t), good)
	pe := VendorError(t, err, providers.AuthFailed)
	assert.True(t, pe.Fatal(), "bad credentials must stop the run")
	assert.Equal(t, 0, e.srv.Store.Len(), "no user may be created with bad credentials")
	for k, v := range e.srv.Credentials {
		assert.NotContains(t, err.Error(), v, "the error must not show %s", k)
	}
}

func checkFind(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{})
	c := e.client(t)
	f, ok := c.(providers.Finder)
	if !ok {
		t.Skip("client does not implement providers.Finder")
	}
	_, found, err := f.Find(Context(t), good)
	require.NoError(t, err, "Find before create")
	assert.False(t, found, "nobody exists yet")

	got := e.create(t, c, good)
	id, found, err := f.Find(Context(t), good)
	require.NoError(t, err, "Find(good)")
	assert.True(t, found, "Find(good) after create")
	assert.Equal(t, got.ID, id, "Find returns the created ID")

	other := Other(reg.Schema, good)
	_, found, err = f.Find(Context(t), other)
	require.NoError(t, err, "Find(other)")
	assert.False(t, found, "a different person (%s) must not be found", reg.Schema.KeyOf(other))
}

// checkUpdate: a client with an update call changes a created person's
// plain text field at the simulator, and an unknown ID is a row's error,
// never one that stops the run.
func checkUpdate(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{})
	c := e.client(t)
	up, ok := c.(providers.Updater)
	if !ok {
		t.Skip("client does not implement providers.Updater (the vendor documents no update call)")
	}
	var field string
	for _, f := range reg.Schema.Fields {
		_, set := good[f.Name]
		if set && f.Type == schema.String && !f.Secret && f.Enum == nil && f.Pattern == nil && f.Check == nil &&
			!slices.Contains(reg.Schema.Key, f.Name) && up.Updatable(f.Name) {
			field = f.Name
			break
		}
	}
	require.NotEmpty(t, field, "the good record has a plain text field the update takes")
	got := e.create(t, c, good)
	changed := maps.Clone(good)
	changed[field] = good[field].(string) + "-changed"
	require.NoError(t, up.Update(Context(t), got.ID, []string{field}, changed), "Update(%s)", field)
	u, ok := e.srv.Store.ByID(got.ID)
	require.True(t, ok)
	assert.Equal(t, changed[field], u.Fields[field], "the simulator holds the new %s", field)
	assert.Equal(t, 1, e.srv.Store.Updates()[got.ID])
	assert.Equal(t, 1, e.srv.Store.Len(), "an update creates nobody")

	err := up.Update(Context(t), unknownID(got.ID), []string{field}, changed)
	require.Error(t, err, "update of an unknown person")
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	assert.False(t, pe.Fatal(), "an unknown person is the row's problem: %v", pe)
}

// unknownID is an ID of the same shape as id that nobody has.
func unknownID(id string) string {
	b := []byte(id)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] >= '0' && b[i] <= '9' || b[i] >= 'a' && b[i] <= 'f' {
			if b[i] == '0' {
				b[i] = '1'
			} else {
				b[i] = '0'
			}
			break
		}
	}
	return string(b)
}

func checkVendorError(t *testing.T, reg *providers.Registration, good schema.Record) {
	e := start(t, reg, sim.Options{FailRate: 1})
	_, err := e.client(t).Create(Context(t), good)
	pe := VendorError(t, err, providers.VendorError)
	assert.True(t, pe.Retryable(), "a 5xx is retryable")
	assert.False(t, pe.Fatal(), "a 5xx does not stop the run")
}

func checkRateLimited(t *testing.T, reg *providers.Registration, good schema.Record) {
	// One request per 1000 s: the first POST passes, the next gets 429.
	e := start(t, reg, sim.Options{RateLimit: 0.001})
	c := e.client(t)
	_, err := c.Create(Context(t), good)
	if err == nil {
		// The first POST was the create itself; a client that posts for a
		// token first meets the limit on its first create instead.
		_, err = c.Create(Context(t), Other(reg.Schema, good))
	}
	pe := VendorError(t, err, providers.RateLimited)
	assert.True(t, pe.Retryable(), "a 429 is retryable")
	assert.Positive(t, pe.RetryAfter, "RetryAfter comes from the Retry-After header")
}
