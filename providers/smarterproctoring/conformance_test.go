package smarterproctoring

import (
	"testing"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

func TestConformance(t *testing.T) {
	reg, err := providers.Lookup("smarterproctoring")
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, reg, schema.Record{
		"firstName": "Ann", "lastName": "Lee", "email": "ann.lee@example.edu",
		"username": "alee", "enabled": true, "latitude": 33.4255, "exernalId": "HR-20931",
	})
}
