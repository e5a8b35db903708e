package submit

import (
	"context"
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

	// Existing is what a vendor's "already exists" for a person onboard
	// did not create means; the zero value is ExistingAdopt.
	Existing Existing
	// Breaker is how many rows in a row ending with the same cause that
	// is not about the row (network error, 5xx, 429 after every retry, the
	// same vendor code and message) stop the run, and so do as many calls
	// in a row that got no answer at all (a dead host: each costs a
	// timeout); default 10, negative turns it off.
	Breaker int
	// MaxCreates stops the run once that many people may have been created
	// (created, or an unknown outcome); 0 means no limit.
	MaxCreates int
	// MaxFailures stops the run once that many rows have failed or ended
	// unknown; 0 means no limit.
	MaxFailures int
	// Observer, when set, hears every request's answer and every wait for
	// a token (metrics); nil costs nothing.
	Observer Observer
	// Shared, when set, is a rate other processes share (the tenant's
	// bucket in a PostgreSQL state store): every request, lookups
	// included, also takes a token from it, and every 429 slows it for
	// all of them.
	Shared SharedRate
}

// SharedRate is a rate many processes take from.
type SharedRate interface {
	// Take waits for and takes one token; an error means stop.
	Take(ctx context.Context) error
	// Limited tells every process the vendor answered 429, asking to
	// wait retryAfter (0: not said).
	Limited(retryAfter time.Duration)
}

// Existing says what to do with a person the vendor already has.
type Existing int

// The --existing choices.
const (
	// ExistingAdopt looks the person up and records them as onboarded,
	// with the vendor's ID (status adopted).
	ExistingAdopt Existing = iota
	// ExistingSkip leaves them alone: status skipped, no lookup.
	ExistingSkip
	// ExistingFail reports the vendor's answer as a failure.
	ExistingFail
)

var existingNames = [...]string{"adopt", "skip", "fail"}

func (e Existing) String() string {
	if e >= 0 && int(e) < len(existingNames) {
		return existingNames[e]
	}
	return fmt.Sprintf("Existing(%d)", int(e))
}

// ParseExisting reads an --existing value.
func ParseExisting(s string) (Existing, error) {
	for i, n := range existingNames {
		if s == n {
			return Existing(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not adopt, skip or fail", s)
}

// Defaults.
const (
	DefaultWorkers     = 4
	DefaultRetries     = 3
	DefaultBaseBackoff = 200 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultBreaker     = 10
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
	case o.Existing < ExistingAdopt || o.Existing > ExistingFail:
		return o, fmt.Errorf("%w: existing %v is not adopt, skip or fail", errOptions, o.Existing)
	case o.MaxCreates < 0 || o.MaxFailures < 0:
		return o, fmt.Errorf("%w: max creates %d or max failures %d is negative (0 means no limit)", errOptions, o.MaxCreates, o.MaxFailures)
	}
	switch {
	case o.Breaker == 0:
		o.Breaker = DefaultBreaker
	case o.Breaker < 0:
		o.Breaker = 0
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
