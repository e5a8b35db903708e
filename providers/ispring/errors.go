package ispring

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// errorResponse is ErrorResponse, the body of every 4xx answer.
type errorResponse struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Messages the doc lists for addUser, lower-cased for matching.
const (
	msgDuplicate = "is already registered" // "User with the same email/login is already registered."
	msgLicences  = "number of user accounts is exceeded"
)

// classify maps a non-2xx answer to a *providers.Error. The message is
// judged before the status: the licence message may come with any 4xx.
//
// 403 "Permission denied" is AuthFailed, so fatal: the API key's role may
// not add users (or not to these departments), and every following row
// sent with the same key would be refused the same way; the fix is a key
// of an Account Administrator, not a change to the row.
func classify(r *providers.Response, now time.Time) *providers.Error {
	e := &providers.Error{Status: r.Status}
	var er errorResponse
	if json.Unmarshal(r.Body, &er) == nil && (er.Message != "" || er.Code != 0) {
		e.Message = er.Message
		if er.Code != 0 {
			e.VendorCode = strconv.Itoa(er.Code)
		}
	} else {
		e.Message = rawText(r.Body)
	}
	msg := strings.ToLower(e.Message)
	switch {
	case strings.Contains(msg, msgLicences):
		e.Code = providers.LicenseExhausted
	case r.Status == http.StatusConflict || strings.Contains(msg, msgDuplicate):
		e.Code = providers.AlreadyExists
		e.Field = "login"
		if strings.Contains(msg, "same email") {
			e.Field = "email"
		}
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		e.Code = providers.AuthFailed
	case r.Status == http.StatusTooManyRequests:
		e.Code = providers.RateLimited
		e.RetryAfter = providers.RetryAfter(r.Header, now)
	case r.Status >= 500:
		e.Code = providers.VendorError
	case r.Status >= 400:
		e.Code = providers.VendorRejected
		e.Field = fieldIn(e.Message)
	default:
		e.Code = providers.ByStatus(r.Status)
	}
	return e
}

// rawText is a non-JSON answer body, trimmed and capped, for the report.
func rawText(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// wireNames maps every name the vendor may use in a message, lower-cased,
// to the schema field it means.
var wireNames = func() map[string]string {
	m := map[string]string{"groupids": "groups"}
	for _, f := range fields {
		m[strings.ToLower(f.Name)] = f.Name
	}
	return m
}()

// fieldRE finds field names as whole words, longest first so that
// "roleId" wins over "role".
var fieldRE = func() *regexp.Regexp {
	names := make([]string, 0, len(wireNames))
	for n := range wireNames {
		names = append(names, regexp.QuoteMeta(n))
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	return regexp.MustCompile(`(?i)\b(` + strings.Join(names, "|") + `)\b`)
}()

// fieldIn returns the schema field named first in a vendor message, or "".
func fieldIn(msg string) string {
	if m := fieldRE.FindString(msg); m != "" {
		return wireNames[strings.ToLower(m)]
	}
	return ""
}
