package submit

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

// A Retry-After beyond the 5-minute cap (or one that would overflow a
// Duration) is not waited: that row ends RATE_LIMITED at once, saying so,
// and the other rows are not held back.
func TestRunRetryAfterPastTheCapIsNotWaited(t *testing.T) {
	for _, ra := range []string{"999999999", "9700000000", "99999999999999999999999", "301"} {
		t.Run(ra, func(t *testing.T) {
			noLeaks(t)
			e0 := email(0)
			v := newVendor(t, map[string][]step{e0: {answer(http.StatusTooManyRequests, ra)}})
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			start := time.Now()
			got, _, err := runJobs(t, ctx, newClient(t, v.srv.URL), fast, makeJobs(3))
			require.NoError(t, err)
			assert.Less(t, time.Since(start), 5*time.Second, "nobody waited")
			require.NotNil(t, got[0].Err)
			assert.Equal(t, providers.RateLimited, got[0].Err.Code)
			assert.Equal(t, 1, got[0].Attempts, "not retried")
			assert.Contains(t, got[0].Err.Message, "beyond the 5m0s cap")
			for seq := 1; seq < 3; seq++ {
				assert.Nil(t, got[seq].Err, "job %d created", seq)
			}
		})
	}
}

func TestPacerIgnoresRetryAfterPastTheCap(t *testing.T) {
	p := newPacer(Options{Burst: 1})
	g := p.gateTime()
	p.limited(time.Now(), providers.MaxRetryAfter+time.Second)
	assert.Equal(t, g, p.gateTime(), "the gate does not move for a wait that is not waited")
	p.limited(time.Now(), time.Second)
	assert.NotEqual(t, g, p.gateTime())
}
