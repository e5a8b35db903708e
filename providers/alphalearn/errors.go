package alphalearn

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// decode reads an answer's envelope; nil when the body is not one.
func decode(b []byte) *envelope {
	var env envelope
	if json.Unmarshal(b, &env) != nil {
		return nil
	}
	return &env
}

// hasSuccess reports whether b is a JSON object with a boolean success:
// the one thing a 2xx answer must say to be read.
func hasSuccess(b []byte) bool {
	var probe struct {
		Success *bool `json:"success"`
	}
	return providers.JSONObject(b) && json.Unmarshal(b, &probe) == nil && probe.Success != nil
}

// classify maps an answer that is not a success (HTTP error, or HTTP 200
// with success false) to a *providers.Error. The vendor's code wins over
// the HTTP status, except that 401/403 always mean the token.
func classify(r *providers.Response, env *envelope, now time.Time) *providers.Error {
	e := &providers.Error{Status: r.Status}
	if env != nil {
		e.VendorCode = string(env.Data.Response.Error.Code)
		e.Message = env.Data.Response.Error.InternalMessage
		if e.Message == "" && !strings.EqualFold(env.Data.Response.Acknowledgement, "success") {
			e.Message = env.Data.Response.Acknowledgement
		}
	}
	if e.Message == "" {
		e.Message = providers.BodyText(r.Body)
	}
	code := e.VendorCode
	switch {
	case code == codeDuplicate:
		e.Code = providers.AlreadyExists
		e.Field = "email"
	case authCodes[code], r.Status == http.StatusUnauthorized, r.Status == http.StatusForbidden:
		e.Code = providers.AuthFailed
	case code == codeAmbiguous || codeField(code) != "":
		e.Code = providers.VendorRejected
		e.Field = codeField(code)
		if e.Field == "" {
			e.Field = fieldIn(e.Message) // 1055: "Invalid companyName" or "Missing zipCode"
		}
	case r.Status == http.StatusTooManyRequests:
		e.Code = providers.RateLimited
		e.RetryAfter = providers.RetryAfter(r.Header, now)
	case r.Status >= 500:
		e.Code = providers.VendorError
	default:
		// success false with an unknown or no code, or another 4xx.
		e.Code = providers.VendorRejected
		e.Field = fieldIn(e.Message)
	}
	if e.Message == "" {
		e.Message = "the vendor answered success false without a message"
	}
	return e
}

// fieldRE finds the field in the vendor's "Missing X" / "Invalid X"
// messages.
var fieldRE = regexp.MustCompile(`(?i)\b(?:missing|invalid)\s+([A-Za-z]+)`)

// fieldIn returns the schema field a message names, or "". The vendor's
// zipCode is the schema's zipcode.
func fieldIn(msg string) string {
	m := fieldRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, m[1]) {
			return f.Name
		}
	}
	return ""
}
