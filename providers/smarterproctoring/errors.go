package smarterproctoring

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// answer is every error shape the vendor uses: hapi's Boom
// {statusCode, error, message, validation} and the platform's
// {code, message, status} (403 permission failures).
type answer struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
	Code       any    `json:"code"` // "5003" in the docs; a number is tolerated
	Validation struct {
		Keys []string `json:"keys"`
	} `json:"validation"`
}

// joiKeyRE finds the key a Joi message names: `"email" must be a valid
// email`, or the older `child "email" fails because [...]`.
var joiKeyRE = regexp.MustCompile(`"([A-Za-z0-9_.\[\]]+)"`)

// mapError turns a non-2xx answer into a *providers.Error. The Status,
// VendorCode and Message stay raw for the results sheet.
func mapError(resp *providers.Response) *providers.Error {
	var a answer
	_ = json.Unmarshal(resp.Body, &a) // a non-JSON page keeps its text below
	e := &providers.Error{Status: resp.Status, VendorCode: codeString(a.Code), Message: a.Message}
	if e.Message == "" {
		e.Message = providers.BodyText(resp.Body)
	}
	switch s := resp.Status; {
	case s == http.StatusUnauthorized:
		e.Code = providers.AuthFailed
	case s == http.StatusForbidden:
		// A permissions failure (code 5003) is about the token, not the
		// row: every later row would get the same answer, so it is fatal.
		e.Code = providers.AuthFailed
	case s == http.StatusNotFound:
		// The create path has one variable, the install SID: a 404 means
		// ONBOARD_INSTALL_SID names no install this token can see, which
		// no later row can fix either.
		e.Code = providers.AuthFailed
	case s == http.StatusConflict,
		s == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "exist"):
		e.Code = providers.AlreadyExists
	case s == http.StatusTooManyRequests:
		e.Code = providers.RateLimited
		e.RetryAfter = providers.RetryAfter(resp.Header, time.Now())
	case s >= 400 && s < 500:
		e.Code = providers.VendorRejected
		e.Field = fieldOf(a)
	default:
		e.Code = providers.ByStatus(s)
	}
	return e
}

// fieldOf returns the schema field a validation answer names, or "".
func fieldOf(a answer) string {
	var keys []string
	for _, m := range joiKeyRE.FindAllStringSubmatch(a.Message, -1) {
		keys = append(keys, m[1])
	}
	keys = append(keys, a.Validation.Keys...)
	for _, k := range keys {
		// A nested path ("user.email") names its last part.
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			k = k[i+1:]
		}
		if k == "externalId" { // the documented response spelling
			k = "exernalId"
		}
		if Schema.Field(k) != nil {
			return k
		}
	}
	return ""
}

func codeString(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	return ""
}
