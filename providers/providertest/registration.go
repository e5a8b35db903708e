package providertest

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// checkRegistration checks that reg is complete and consistent with its
// schema, its simulator and the sample record good.
func checkRegistration(t *testing.T, reg *providers.Registration, good schema.Record) {
	assert.NotEmpty(t, reg.ID, "ID")
	assert.NotEmpty(t, reg.Title, "Title")
	assert.NotEmpty(t, reg.DocFile, "DocFile")
	if reg.BaseURLEnv != "" && reg.DefaultBaseURL == "" {
		// No production host: the base URL is a setting of its own.
		assert.NotContains(t, credentialNames(reg.Credentials), reg.BaseURLEnv, "BaseURLEnv is not a credential")
	} else {
		u, err := url.Parse(reg.DefaultBaseURL)
		if assert.NoError(t, err, "DefaultBaseURL") {
			assert.True(t, u.IsAbs() && u.Host != "", "DefaultBaseURL %q must be an absolute URL", reg.DefaultBaseURL)
		}
	}
	assert.NotNil(t, reg.New, "New")
	assert.NotNil(t, reg.Simulator, "Simulator")
	assert.NotEmpty(t, reg.Credentials, "Credentials")
	if !assert.NotNil(t, reg.Schema, "Schema") {
		return
	}
	s := reg.Schema
	assert.Equal(t, reg.ID, s.Provider, "Schema.Provider must be the registration ID")
	assert.NotEmpty(t, s.Key, "Schema.Key")
	for _, k := range s.Key {
		assert.NotNil(t, s.Field(k), "Key field %q must be in the schema", k)
	}
	if s.Extra != "" {
		if f := s.Field(s.Extra); assert.NotNil(t, f, "Extra field %q must be in the schema", s.Extra) {
			assert.Equal(t, schema.Object, f.Type, "Extra field %q must be an Object", s.Extra)
		}
	}
	seen := map[string]bool{}
	for _, f := range s.Fields {
		assert.NotEmpty(t, f.Name, "a field has no name")
		assert.False(t, seen[f.Name], "field %q listed twice", f.Name)
		seen[f.Name] = true
		assert.NotEmpty(t, f.Type, "field %q has no type", f.Name)
		for syn, to := range f.Synonyms {
			assert.Contains(t, f.Enum, to, "field %q synonym %q must map to an Enum value", f.Name, syn)
		}
	}
	for name := range good {
		assert.NotNil(t, s.Field(name), "good record field %q must be in the schema", name)
	}
	assert.NotEmpty(t, s.KeyOf(good), "the good record must carry the key")

	if reg.Simulator == nil {
		return
	}
	srv := reg.Simulator(sim.Options{})
	if !assert.NotNil(t, srv, "Simulator returned nil") {
		return
	}
	assert.NotEmpty(t, srv.Credentials, "the simulator must hand out credentials")
	names := credentialNames(reg.Credentials)
	for k := range srv.Credentials {
		assert.True(t, names[k], "simulator credential %s must be listed in Registration.Credentials", k)
	}
	assert.True(t, satisfied(reg.Credentials, srv.Credentials), "the simulator's credentials must satisfy Registration.Credentials")
	if reg.Tenant != nil {
		assert.NotEmpty(t, reg.Tenant(providers.Config{BaseURL: "http://127.0.0.1", Credentials: srv.Credentials}), "Tenant")
	}
}
