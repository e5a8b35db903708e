package submit

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Options tune the pool. Zero values mean the defaults.
type Options struct {
	Workers int     // goroutines, i.e. requests in flight; default 4
	Rate    float64 // requests per second; 0 means unlimited
	// Burst is how many requests may go at once after an idle spell;
	// default 1, the honest reading of "N per second".
	Burst int
	// Retries is how many extra attempts a retryable error gets; default
	// 3, negative means none.
	Retries     int
	BaseBackoff time.Duration // first retry wait before jitter; default 200ms
	MaxBackoff  time.Duration // cap on the computed wait; default 30s
}

// Defaults.
const (
	DefaultWorkers     = 4
	DefaultRetries     = 3
	DefaultBaseBackoff = 200 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
)

// errOptions is wrapped by every option error.
var errOptions = errors.New("invalid submit options")

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Workers < 0:
		return o, fmt.Errorf("%w: workers %d is negative", errOptions, o.Workers)
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return o, fmt.Errorf("%w: rate %v is not a non-negative number (0 means unlimited)", errOptions, o.Rate)
	case o.Burst < 0:
		return o, fmt.Errorf("%w: burst %d is negative", errOptions, o.Burst)
	case o.BaseBackoff < 0 || o.MaxBackoff < 0:
		return o, fmt.Errorf("%w: backoff is negative", errOptions)
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.Burst == 0 {
		// A burst of 0 lets nothing through a finite limiter.
		o.Burst = 1
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.BaseBackoff)
	return o, nil
}
