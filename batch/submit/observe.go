package submit

import (
	"time"

	"github.com/onboard/onboard/providers"
)

// Observer hears what the pool does, for metrics; Options.Observer nil
// costs nothing. Its methods are called from every worker goroutine at
// once and must not block.
type Observer interface {
	// Request is one vendor call answered or lost: call is "create",
	// "lookup" or "update"; err nil is success.
	Request(call string, err *providers.Error)
	// TokenWait is how long a request waited for leave to go (the rate,
	// a Retry-After gate, the spacing).
	TokenWait(d time.Duration)
}

// Code is an answer's normalized code as metrics label it: "OK" for
// success, else the providers code (RATE_LIMITED, VENDOR_ERROR, …).
func Code(err *providers.Error) string {
	if err == nil {
		return "OK"
	}
	return string(err.Code)
}

func (p *pool) observe(call string, e *providers.Error) {
	if p.opt.Observer != nil {
		p.opt.Observer.Request(call, e)
	}
}
