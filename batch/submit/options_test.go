package submit

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero is the defaults", Options{}, Options{Workers: 4, Burst: 1, Retries: 3, BaseBackoff: 200 * time.Millisecond, MaxBackoff: 30 * time.Second, Breaker: 10}},
		{"negative retries mean none", Options{Retries: -1}, Options{Workers: 4, Burst: 1, Retries: 0, BaseBackoff: 200 * time.Millisecond, MaxBackoff: 30 * time.Second, Breaker: 10}},
		{"negative breaker is off", Options{Breaker: -1}, Options{Workers: 4, Burst: 1, Retries: 3, BaseBackoff: 200 * time.Millisecond, MaxBackoff: 30 * time.Second}},
		{"set values stay", Options{Workers: 9, Rate: 2.5, Burst: 3, Retries: 5, BaseBackoff: time.Second, MaxBackoff: time.Minute,
			Existing: ExistingSkip, Breaker: 3, MaxCreates: 7, MaxFailures: 8},
			Options{Workers: 9, Rate: 2.5, Burst: 3, Retries: 5, BaseBackoff: time.Second, MaxBackoff: time.Minute,
				Existing: ExistingSkip, Breaker: 3, MaxCreates: 7, MaxFailures: 8}},
		{"max backoff never below base", Options{BaseBackoff: time.Minute, MaxBackoff: time.Second},
			Options{Workers: 4, Burst: 1, Retries: 3, BaseBackoff: time.Minute, MaxBackoff: time.Minute, Breaker: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.withDefaults()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOptionsInvalid(t *testing.T) {
	for name, o := range map[string]Options{
		"negative workers":      {Workers: -1},
		"negative rate":         {Rate: -1},
		"NaN rate":              {Rate: math.NaN()},
		"infinite rate":         {Rate: math.Inf(1)},
		"negative burst":        {Burst: -2},
		"negative backoff":      {BaseBackoff: -time.Second},
		"unknown existing":      {Existing: ExistingFail + 1},
		"negative max creates":  {MaxCreates: -1},
		"negative max failures": {MaxFailures: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := o.withDefaults()
			require.ErrorIs(t, err, errOptions)
		})
	}
}

func TestParseExisting(t *testing.T) {
	for _, e := range []Existing{ExistingAdopt, ExistingSkip, ExistingFail} {
		got, err := ParseExisting(e.String())
		require.NoError(t, err)
		assert.Equal(t, e, got)
	}
	_, err := ParseExisting("merge")
	assert.ErrorContains(t, err, "adopt, skip or fail")
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name       string
		n          int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{"first retry: base with equal jitter", 1, 0, 50 * ms, 100 * ms},
		{"doubles", 3, 0, 200 * ms, 400 * ms},
		{"capped", 10, 0, 500 * ms, time.Second},
		{"huge n does not overflow", 200, 0, 500 * ms, time.Second},
		{"never sooner than Retry-After", 1, 3 * time.Second, 3 * time.Second, 3 * time.Second},
		{"Retry-After below the backoff changes nothing", 3, ms, 200 * ms, 400 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(tt.n, 100*ms, time.Second, tt.retryAfter)
				require.GreaterOrEqual(t, d, tt.lo)
				require.LessOrEqual(t, d, tt.hi)
				seen[d] = true
			}
			if tt.lo != tt.hi {
				assert.Greater(t, len(seen), 100, "jittered")
			}
		})
	}
}
