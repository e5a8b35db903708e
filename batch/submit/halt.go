package submit

import (
	"fmt"

	"github.com/onboard/onboard/providers"
)

// HaltKind says which guard stopped a run.
type HaltKind int

// The guards that stop a run before its end.
const (
	HaltBreaker     HaltKind = iota + 1 // Options.Breaker rows in a row failed the same way, or calls got no answer
	HaltMaxCreates                      // Options.MaxCreates reached
	HaltMaxFailures                     // Options.MaxFailures reached
)

// Halt is returned by Run when a guard stopped it: the breaker or a limit.
// (A fatal vendor answer is returned as the *providers.Error itself.)
type Halt struct {
	Kind   HaltKind
	Reason string           // what happened, one line
	Check  string           // what to check or do before the next run
	Last   *providers.Error // the breaker: the last of the repeated answers
}

func (h *Halt) Error() string {
	if h.Check == "" {
		return h.Reason
	}
	return h.Reason + "; " + h.Check
}

// breaker counts rows, in the order they end, that end with the same cause
// not about the row. Anything else resets it; rows the run never sent
// leave it as it is.
type breaker struct {
	limit int // 0: off
	cause string
	n     int
	last  *providers.Error
}

// observe takes one row's result and returns a Halt when the breaker trips.
func (b *breaker) observe(r Result) *Halt {
	if b.limit <= 0 {
		return nil
	}
	if r.Err != nil && r.Err.Code == providers.Interrupted && r.Attempts == 0 {
		return nil // not sent: says nothing about the vendor
	}
	cause := causeOf(r)
	if cause == "" || cause != b.cause {
		b.cause, b.n = cause, 0
	}
	if cause == "" {
		return nil
	}
	b.n++
	b.last = r.Err
	if b.n < b.limit {
		return nil
	}
	return &Halt{
		Kind:   HaltBreaker,
		Reason: fmt.Sprintf("stopped sending: %d rows in a row ended with %s", b.n, describe(r.Err)),
		Check:  advice(r.Err),
		Last:   r.Err,
	}
}

// silence counts calls (creates, lookups, updates), in the order their
// answers come back, that got no answer at all: a dead host that accepts
// and never answers costs a timeout per call, and a row makes up to
// 2×(retries+1) of them, so counting rows would take minutes. Any answer
// resets it; calls the run stopped say nothing.
type silence struct {
	limit int // 0: off
	n     int
}

// observe takes one call's error (nil: answered) and returns a Halt when
// limit calls in a row went unanswered.
func (s *silence) observe(e *providers.Error) *Halt {
	if s.limit <= 0 {
		return nil
	}
	switch {
	case e == nil || e.Status != 0:
		s.n = 0
		return nil
	case e.Code != providers.NetworkError:
		return nil // not an answer, nor a silence (interrupted)
	}
	if s.n++; s.n < s.limit {
		return nil
	}
	return &Halt{
		Kind:   HaltBreaker,
		Reason: fmt.Sprintf("stopped sending: %d calls in a row to the vendor got no answer (last: %s)", s.n, e.Message),
		Check:  advice(e),
		Last:   e,
	}
}

// causeOf is the cause a failed row shares with the rows around it, or ""
// when its end is about the row itself (a success, a duplicate, a skip).
func causeOf(r Result) string {
	e := r.Err
	if e == nil || r.Skipped {
		return ""
	}
	switch e.Code {
	case providers.NetworkError, providers.VendorError, providers.RateLimited:
		// Each answer's text differs (ports, request IDs): the class is
		// the cause.
		return string(e.Code)
	case providers.AlreadyExists, providers.Interrupted:
		return ""
	}
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s", e.Code, e.Status, e.VendorCode, e.Message)
}

// describe names a repeated answer for the stop message.
func describe(e *providers.Error) string {
	switch e.Code {
	case providers.NetworkError:
		return "a network error (last: " + e.Message + ")"
	case providers.VendorError:
		return fmt.Sprintf("a vendor server error (last: HTTP %d %s)", e.Status, e.Message)
	case providers.RateLimited:
		return "RATE_LIMITED after every retry"
	}
	return "the same vendor answer: " + e.Error()
}

// advice says what to check for a repeated answer.
func advice(e *providers.Error) string {
	switch e.Code {
	case providers.NetworkError:
		return "check the network, --base-url and that the vendor's host is up, then run again (the state store skips whoever was created)"
	case providers.VendorError:
		return "the vendor is failing: check its status page or support, then run again (the state store skips whoever was created)"
	case providers.RateLimited:
		return "lower --rate or --workers, or ask the vendor for a higher limit, then run again"
	}
	return "every row is refused the same way: check the mapping, the values the vendor requires and the account's settings, then run again"
}
