package ispring

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestConformance(t *testing.T) {
	reg, err := providers.Lookup(ID)
	require.NoError(t, err)
	providertest.Run(t, reg, schema.Record{
		"login": "ann.lee", "email": "ann.lee@example.com", "departmentId": testDept,
		"first_name": "Ann", "last_name": "Lee", "role": roleLearner, "sendLoginEmail": true,
		"invitationMessage": "Welcome!", "groups": []string{testGroup},
	})
}
