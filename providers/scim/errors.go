package scim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// errorBody is what the client reads of a SCIM error response (RFC 7644
// §3.12).
type errorBody struct {
	ScimType string `json:"scimType"`
	Detail   string `json:"detail"`
}

// scimTypeUniqueness is the scimType of "One or more of the attribute
// values are already in use or are reserved" (RFC 7644 Table 9).
const scimTypeUniqueness = "uniqueness"

// mapError turns a non-2xx answer into a *providers.Error: the status,
// scimType (as the vendor code) and detail (as the message) stay raw for
// the results sheet. A body that is not a SCIM error (an HTML page from a
// gateway, a vendor's own JSON) keeps an excerpt of its text.
func mapError(resp *providers.Response, now time.Time) *providers.Error {
	var b errorBody
	_ = json.Unmarshal(resp.Body, &b) // a non-JSON page keeps its text below
	e := &providers.Error{Status: resp.Status, VendorCode: providers.CleanText(b.ScimType),
		Message: providers.CleanText(b.Detail)}
	if e.Message == "" {
		e.Message = providers.BodyText(resp.Body)
	}
	switch s := resp.Status; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		// The token is wrong, expired or lacks the scope: every next row
		// would get the same answer.
		e.Code = providers.AuthFailed
	case s == http.StatusConflict,
		// FusionAuth, WSO2 (by default) and others answer 400.
		s == http.StatusBadRequest && strings.EqualFold(b.ScimType, scimTypeUniqueness):
		// RFC 7644 §3.3: 409 with scimType uniqueness; some servers leave
		// scimType out. On a create it means a taken value: the userName
		// unless the detail names another ("Email … already in use").
		e.Code = providers.AlreadyExists
		e.Field = cmp.Or(fieldIn(b.Detail), "userName")
	case s == http.StatusTooManyRequests:
		e.Code = providers.RateLimited
		e.RetryAfter = providers.RetryAfter(resp.Header, now)
	case s == http.StatusServiceUnavailable:
		e.Code = providers.VendorError
		e.RetryAfter = providers.RetryAfter(resp.Header, now)
	case s >= 400 && s < 500:
		e.Code = providers.VendorRejected
		e.Field = fieldIn(b.Detail)
	default:
		e.Code = providers.ByStatus(s)
	}
	return e
}

// createError is mapError for POST /Users, where a 404 means the base URL
// has no /Users endpoint: no later row can fix that, so it stops the run
// like a bad token, saying what to check.
func createError(resp *providers.Response, now time.Time, baseWhere string) *providers.Error {
	e := mapError(resp, now)
	if resp.Status == http.StatusNotFound {
		e.Code = providers.AuthFailed
		e.Message = fmt.Sprintf("POST /Users answered 404: the base URL (%s) must be the SCIM root, ending before /Users: %s", baseWhere, e.Message)
	}
	return e
}
