package submit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TestSpacerGuardsTheSecond: at 1000/s the slack holds two tokens; after a
// second of takes on time, a late wake-up may spend them, but only as far as
// a second holds 1,001 takes.
func TestSpacerGuardsTheSecond(t *testing.T) {
	s := newSpacer(1000, 1)
	start := time.Now()
	for k := range 1000 {
		require.Zero(t, s.take(start.Add(time.Duration(k)*time.Millisecond)), "take %d on time", k)
	}
	at := start.Add(time.Second)
	assert.Zero(t, s.take(at), "the 1,001st, a second after the first")
	assert.Zero(t, s.take(at), "the slack: [1 ms, 1,001 ms) holds 1,001")
	assert.Equal(t, time.Millisecond, s.take(at), "a third would make 1,002 in [1 ms, 1,001 ms): wait for the take at 1 ms to leave the second")
	assert.Zero(t, s.take(at.Add(time.Millisecond)))
}

// TestSpacerSecondHoldsRatePlusBurst: the limiter hands out slots 1/rate
// apart (burst at once at the start); each worker asks the spacer when its
// slot is due plus some lateness, one ask in 100 after a stall of 20 ms,
// and asks again when told to wait (late again). Whatever the lateness, no
// second holds more than rate + burst takes at a whole rate, and lateness
// under the slack costs no rate (a stalled ask costs its slot: 1% here).
func TestSpacerSecondHoldsRatePlusBurst(t *testing.T) {
	for _, tt := range []struct {
		rate  float64
		burst int
		late  time.Duration // the most an ask comes after it was due
		least float64       // share of the rate over the run, stalls aside; 0: not judged
	}{
		{200, 1, 4 * time.Millisecond, 0.985},
		{1000, 1, 800 * time.Microsecond, 0.985},
		{1000, 1, 5 * time.Millisecond, 0}, // a loaded machine: rate is lost, never exceeded
		{1000, 3, 5 * time.Millisecond, 0},
		{50, 4, 30 * time.Millisecond, 0.985},
	} {
		t.Run(fmt.Sprintf("%v/s burst %d late %v", tt.rate, tt.burst, tt.late), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.rate)))
			lateness := func() time.Duration { return time.Duration(rng.Int64N(int64(tt.late) + 1)) }
			s := newSpacer(tt.rate, tt.burst)
			start := time.Now()
			const n = 5000
			asks := make([]time.Time, n) // each request's next ask
			for k := range asks {
				slot := time.Duration(float64(max(0, k-tt.burst+1)) / tt.rate * float64(time.Second))
				if k%100 == 99 {
					slot += 20 * time.Millisecond
				}
				asks[k] = start.Add(slot + lateness())
			}
			var took []time.Time
			for len(took) < n {
				k := 0
				for i, a := range asks {
					if !a.IsZero() && (asks[k].IsZero() || a.Before(asks[k])) {
						k = i
					}
				}
				if d := s.take(asks[k]); d > 0 {
					asks[k] = asks[k].Add(d + lateness())
					continue
				}
				took = append(took, asks[k])
				asks[k] = time.Time{}
			}
			ceiling := int(tt.rate) + tt.burst
			assert.LessOrEqual(t, maxInWindow(took, time.Second), ceiling, "never more than rate + burst in a second")
			if tt.least > 0 {
				slices.SortFunc(took, time.Time.Compare)
				span := took[n-1].Sub(took[0]).Seconds()
				ideal := float64(n-tt.burst) / tt.rate
				assert.GreaterOrEqual(t, ideal/span, tt.least, "lateness under the slack costs no rate")
			}
		})
	}
}

// TestSpacerGuardsTheConfiguredRate: whatever the rate a 429 set under
// the configured one (cuts and climbs), the guard keeps the configured
// rate's second, and its wait is always the one every take so far gives.
func TestSpacerGuardsTheConfiguredRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	s := newSpacer(300, 2)
	require.Equal(t, 302, s.perSecond)
	start := time.Now()
	var all []time.Time
	now := start
	for i := range 3000 {
		if i%200 == 0 {
			s.rate = float64(1 + rng.IntN(300)) // cuts and climbs
		}
		now = now.Add(time.Duration(rng.Int64N(int64(4 * time.Millisecond))))
		want := time.Duration(0)
		if len(all) >= 302 {
			want = all[len(all)-302].Add(time.Second).Sub(now)
		}
		require.Equal(t, max(0, want), max(0, s.fullSecond(now)), "take %d at %v/s", i, s.rate)
		s.took(now)
		all = append(all, now)
	}
	assert.Zero(t, newSpacer(0, 1).perSecond, "unlimited: no --rate to keep")
	assert.Zero(t, newSpacer(1e9, 1).perSecond, "past maxGuarded")
}
