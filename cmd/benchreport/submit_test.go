package main

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers/sim"
)

func TestBusiest(t *testing.T) {
	t0 := time.Now()
	at := func(ms ...int) []time.Time {
		var ts []time.Time
		for _, m := range ms {
			ts = append(ts, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return ts
	}
	for _, tt := range []struct {
		name string
		ts   []time.Time
		want int
	}{
		{"none", nil, 0},
		{"one", at(5), 1},
		{"a second is half-open: 0 and 1000 ms are in different ones", at(0, 500, 1000), 2},
		{"any order", at(1999, 0, 1000, 1001, 1500), 4},
		{"a bunch", at(0, 0, 0, 2000), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, busiest(tt.ts, time.Second))
		})
	}
}

func TestMiddle(t *testing.T) {
	assert.Zero(t, middle(nil))
	assert.Equal(t, 2.0, middle([]float64{3, 1, 2}), "unsorted")
	assert.Equal(t, 2.5, middle([]float64{4, 1, 3, 2}))
}

// TestRateFigureStamps: the pool's clock has one stamp per create, and a
// paced run's busiest second holds no more than the rate and the burst.
func TestRateFigureStamps(t *testing.T) {
	sends := &stamps{}
	opt := submit.Options{Workers: 4, Rate: 50}
	_, v, err := measureWith(t.Context(), sim.Options{}, opt, 60, sends.wrap)
	require.NoError(t, err)
	require.Len(t, sends.times(), 60)
	assert.Len(t, v.times(), 60)
	assert.LessOrEqual(t, busiest(sends.times(), time.Second), 51)
	assert.Greater(t, busiest(sends.times(), time.Second), 1, "the stamps are the sends' times, not one")
}

func TestLoadAvg(t *testing.T) {
	if _, err := os.Stat("/proc/loadavg"); err != nil {
		t.Skip("no /proc/loadavg here:", err)
	}
	_, err := strconv.ParseFloat(loadAvg(), 64)
	assert.NoError(t, err)
}
