package smartapp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// Statuses with a smartapp-specific meaning. The doc shows no auth scheme
// and gives 401 to licences, so a bad token answering 403 is our
// assumption (the simulator does so).
const (
	statusInvalid   = http.StatusBadRequest      // "Invalid emailId, Company, CompanyLocation, or Email"
	statusLicences  = http.StatusUnauthorized    // "Insufficient user licences": not an auth failure
	statusDuplicate = http.StatusPaymentRequired // "email already exists"
	statusForbidden = http.StatusForbidden       // bad or missing token (assumed)
)

// invalidFields are the fields the documented 400 names, our spelling.
const invalidFields = "email, companyName, companyLocationName"

// toError maps a smartapp answer that is not a success to a
// *providers.Error, keeping the raw status and message.
func toError(resp *providers.Response, now time.Time) *providers.Error {
	e := &providers.Error{Status: resp.Status, Message: message(resp.Body)}
	switch resp.Status {
	case statusInvalid:
		// The documented 400 names its fields only as "emailId, Company,
		// CompanyLocation, or Email": the row's field says which of ours
		// those are, so the person knows where to look.
		e.Code, e.Field = providers.VendorRejected, invalidFields
	case statusLicences:
		e.Code = providers.LicenseExhausted
	case statusDuplicate:
		e.Code, e.Field = providers.AlreadyExists, "email"
	case statusForbidden:
		e.Code = providers.AuthFailed
	default:
		e.Code = providers.ByStatus(resp.Status)
	}
	if e.Code == providers.RateLimited {
		e.RetryAfter = providers.RetryAfter(resp.Header, now)
	}
	return e
}

// message is the vendor's text: error bodies are not documented, so a JSON
// {"message"} (or "error"), a JSON string, or the plain text itself.
func message(body []byte) string {
	body = bytes.TrimSpace(body)
	var obj struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &obj) == nil {
		if obj.Message != "" {
			return obj.Message
		}
		if obj.Error != "" {
			return obj.Error
		}
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	const max = 500 // an HTML error page is not a message
	if len(body) > max {
		body = body[:max]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), ""))
}
