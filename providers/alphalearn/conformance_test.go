package alphalearn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
)

func TestConformance(t *testing.T) {
	reg, err := providers.Lookup(ID)
	require.NoError(t, err)
	rec := good()
	rec["countryCode"], rec["mobile"], rec["city"], rec["state"], rec["country"] = "+91", "9876543210", int64(1001), int64(29), int64(101)
	providertest.Run(t, reg, rec)
}
