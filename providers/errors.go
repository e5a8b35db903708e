package providers

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code is a normalized error code for a row that reached (or tried to reach)
// the vendor. The list is append-only: users filter on these values.
type Code string

// Normalized vendor codes.
const (
	AlreadyExists    Code = "ALREADY_EXISTS"
	LicenseExhausted Code = "LICENSE_EXHAUSTED"
	AuthFailed       Code = "AUTH_FAILED"
	RateLimited      Code = "RATE_LIMITED"
	VendorRejected   Code = "VENDOR_REJECTED" // any other 4xx
	VendorError      Code = "VENDOR_ERROR"    // 5xx
	NetworkError     Code = "NETWORK_ERROR"
	Interrupted      Code = "INTERRUPTED" // the run stopped before this row was sent
)

// Error is a failed create: the normalized code plus the vendor's raw
// answer, kept verbatim for the results sheet.
type Error struct {
	Code       Code
	Status     int    // HTTP status; 0 when no answer came
	VendorCode string // the vendor's own code ("1023"), verbatim
	Message    string // the vendor's raw message
	Field      string // the field the vendor names, vendor spelling
	RetryAfter time.Duration
	// Sent is true when the request may have reached the vendor but no
	// answer came back (timeout, connection reset after writing): the
	// person may exist. Such a create is never retried blindly.
	Sent bool
	Err  error
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.VendorCode != "" {
			msg += " code " + e.VendorCode
		}
		msg += ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same request may be sent again.
func (e *Error) Retryable() bool {
	switch e.Code {
	case RateLimited, VendorError, NetworkError:
		return true
	}
	return false
}

// Fatal reports whether the whole run must stop: the next row would fail
// the same way.
func (e *Error) Fatal() bool {
	return e.Code == AuthFailed || e.Code == LicenseExhausted
}

// AsError returns err as *Error. A context cancellation is Interrupted, and
// anything else unclassified is a NetworkError, so the pool never sees an
// untyped error.
func AsError(ctx context.Context, err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	var re *RedirectError
	if errors.As(err, &re) {
		return &Error{Code: VendorRejected, Status: re.Status, Message: re.Error(), Err: re}
	}
	if ctx.Err() != nil {
		return &Error{Code: Interrupted, Message: "run stopped", Err: err}
	}
	return &Error{Code: NetworkError, Message: err.Error(), Err: err}
}
