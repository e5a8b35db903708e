package scim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// good is a valid person with every field set.
func good() schema.Record {
	return schema.Record{
		"userName": "Ann.Lee@example.com", "givenName": "Ann", "familyName": "Lee", "displayName": "Ann Lee",
		"email": "ann.lee@example.com", "phone": "+1 480 555 0100", "title": "Analyst", "externalId": "HR-20931",
		"active": true, "employeeNumber": "20931", "department": "Finance", "manager": "2819c223-7f76-453a-919d-413861904646",
	}
}

// TestConformance runs the suite in every simulator mode: the client
// must meet it whichever way the server answers.
func TestConformance(t *testing.T) {
	for _, mode := range Modes {
		t.Run(mode, func(t *testing.T) {
			reg := *vendor.Registration()
			reg.Simulator = func(opt sim.Options) *sim.Server {
				opt.Mode = mode
				return NewSimulator(opt)
			}
			providertest.Run(t, &reg, good())
		})
	}
}

func TestRegistered(t *testing.T) {
	reg, err := providers.Lookup(ID)
	require.NoError(t, err)
	require.Equal(t, Modes, reg.SimModes)
	require.Equal(t, EnvBaseURL, reg.BaseURLEnv)
}
