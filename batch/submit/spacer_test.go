package submit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSpacerTake(t *testing.T) {
	ms := time.Millisecond
	type take struct {
		at   time.Duration // since the start
		wait time.Duration // 0 means it went
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		takes []take
	}{
		{"unlimited never waits", 0, 1, []take{{0, 0}, {0, 0}, {0, 0}}},
		{
			// Slots were due at 0, 10 and 20 ms, but a stall woke all
			// three at 30 ms: only one goes, the rest are spread out.
			"a stall does not release a bunch", 100, 1,
			[]take{{30 * ms, 0}, {30 * ms, 5 * ms}, {35 * ms, 0}, {35 * ms, 10 * ms}, {45 * ms, 0}},
		},
		{
			// Half a token of slack: a send 3 ms late does not delay the
			// next one, due on time.
			"lateness within the slack costs nothing", 100, 1,
			[]take{{0, 0}, {13 * ms, 0}, {20 * ms, 0}, {30 * ms, 0}},
		},
		{
			"burst, then the rate", 100, 3,
			[]take{{0, 0}, {0, 0}, {0, 0}, {0, 5 * ms}},
		},
		{
			// At 1000/s the slack is absorb's worth: two tokens.
			"fast rates absorb a couple of milliseconds", 1000, 1,
			[]take{{0, 0}, {0, 0}, {0, 0}, {0, ms}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSpacer(tt.rate, tt.burst)
			start := time.Now()
			for i, tk := range tt.takes {
				assert.InDelta(t, tk.wait, s.take(start.Add(tk.at)), float64(time.Microsecond), "take %d", i)
			}
		})
	}
}
