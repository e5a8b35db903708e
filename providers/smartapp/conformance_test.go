package smartapp

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// good is a valid person at a seeded company.
func good() schema.Record {
	return schema.Record{
		"firstName": "Caleb", "lastName": "Carr", "email": "ccarr@smartapp.com",
		"companyName": "smartapp.com", "companyLocationName": "headquarters",
		"licenceType": LicencedUser, "groups": []string{"software developers", "interns"},
		"metadata": map[string]any{"Employee ID": "E1001"},
	}
}

func TestConformance(t *testing.T) {
	reg, err := providers.Lookup("smartapp")
	require.NoError(t, err)
	providertest.Run(t, reg, good())
}
