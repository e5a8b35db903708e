package batch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/providers/scim"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// TestSCIMModes runs a roster against the SCIM simulator in each of its
// modes (the ways real servers answer a duplicate and a bad token): a
// person the service provider already has, whose userName holds `"` and
// `\` and is spelled in another case on the roster, ends adopted with the
// existing id found by the filtered lookup; and a bad token stops the run
// before a second row is sent.
func TestSCIMModes(t *testing.T) {
	const existing = `O"Brien\Kate@Example.com`
	roster := "Username,First Name,Last Name\n" +
		`"o""brien\kate@example.com",Kate,O'Brien` + "\n" +
		"sam.okafor@example.com,Sam,Okafor\n"
	for _, mode := range scim.Modes {
		t.Run(mode, func(t *testing.T) {
			v := newVendorRun(t, scim.ID, sim.Options{Mode: mode})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// Created outside onboard.
			before, err := v.client.Create(ctx, schema.Record{"userName": existing, "givenName": "Kate"})
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "roster.csv")
			require.NoError(t, os.WriteFile(path, []byte(roster), 0o600))

			t.Run("duplicate adopted", func(t *testing.T) {
				out, sum, err := v.run(t, path, submit.Options{Workers: 1}, openState(t))
				require.NoError(t, err)
				require.Len(t, out, 2)
				assert.Equal(t, batch.Adopted, out[0].Status, "%v", out[0].Problems)
				assert.Equal(t, before.ID, out[0].ID, "the existing id, from the lookup")
				assert.Equal(t, batch.Created, out[1].Status, "%v", out[1].Problems)
				assert.Equal(t, 1, sum.ByStatus[batch.Adopted])
				assert.Equal(t, 2, v.sim.Store.Len(), "nobody created twice")
				assert.Equal(t, 1, v.sim.Store.Duplicates()["username:"+strings.ToLower(existing)], "the create was refused once, then looked up")
			})

			t.Run("401 stops the run", func(t *testing.T) {
				srv := v.sim
				wrong := map[string]string{scim.EnvToken: providertest.WrongValue(srv.Credentials[scim.EnvToken])}
				c, err := scim.New(providers.Config{BaseURL: v.scope.BaseURL, Credentials: wrong})
				require.NoError(t, err)
				w := *v
				w.client = c
				out, _, err := w.run(t, path, submit.Options{Workers: 1}, nil)
				var pe *providers.Error
				require.True(t, errors.As(err, &pe), "the run ends with the fatal answer: %v", err)
				assert.Equal(t, providers.AuthFailed, pe.Code)
				assert.Equal(t, 401, pe.Status)
				assert.True(t, pe.Fatal())
				if mode == scim.Mode401NonSCIM {
					assert.Contains(t, pe.Message, "401 Authorization Required", "the page's text, not a SCIM detail")
				}
				require.Len(t, out, 2)
				assert.Equal(t, batch.Failed, out[0].Status)
				assert.Equal(t, batch.NotAttempted, out[1].Status, "nothing is sent after the 401")
			})
		})
	}
}
