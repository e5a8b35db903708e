package submit

import (
	"context"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Measurement is what one Measure run saw.
type Measurement struct {
	Jobs    int
	Failed  int           // jobs that did not succeed
	Elapsed time.Duration // Run's wall time
	Stats   Stats
}

// PerSecond is the create rate achieved (Stats.Achieved).
func (m Measurement) PerSecond() float64 { return m.Stats.Achieved() }

// Measure sends n records made by rec through Run with opt and reports how
// fast they went. It is for benchmarks and capacity checks against a
// simulator (make bench); the error is Run's.
func Measure(ctx context.Context, c providers.Client, opt Options, n int, rec func(i int) schema.Record) (Measurement, error) {
	m := Measurement{Jobs: n}
	if _, err := opt.withDefaults(); err != nil {
		return m, err
	}
	in := make(chan Job, max(opt.Workers, DefaultWorkers))
	out := make(chan Result, max(opt.Workers, DefaultWorkers))
	go func() {
		defer close(in)
		for i := range n {
			in <- Job{Seq: i, Line: i + 2, Record: rec(i)}
		}
	}()
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		for range n {
			if r := <-out; r.Err != nil {
				m.Failed++
			}
		}
	}()
	start := time.Now()
	stats, err := Run(ctx, c, opt, in, out)
	m.Elapsed = time.Since(start)
	m.Stats = stats
	<-counted
	return m, err
}
