package bksb

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// answer is ASP.NET Web API's error body: {"Message": ..., "ModelState":
// {"request.Username": ["..."]}}, with ExceptionMessage on some 500s.
type answer struct {
	Message          string              `json:"Message"`
	MessageDetail    string              `json:"MessageDetail"`
	ExceptionMessage string              `json:"ExceptionMessage"`
	ModelState       map[string][]string `json:"ModelState"`
}

// mapError turns a non-2xx answer into a *providers.Error. Status and the
// message stay raw; the first ModelState message is appended, because
// "The request is invalid." alone does not say what to fix.
func mapError(resp *providers.Response) *providers.Error {
	var a answer
	_ = json.Unmarshal(resp.Body, &a) // a non-JSON page keeps its text below
	e := &providers.Error{Status: resp.Status, Message: a.Message}
	field, detail := firstModelError(a.ModelState)
	switch {
	case detail != "" && e.Message != "":
		e.Message += " " + detail
	case detail != "":
		e.Message = detail
	case e.Message == "":
		e.Message = providers.BodyText(resp.Body)
	}
	// ByStatus is bksb's mapping too: 401 is a bad key, 403 a key whose
	// permissions are not set to Allow (both stop the run), 5xx the server.
	e.Code = providers.ByStatus(resp.Status)
	switch {
	case resp.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "exist"):
		e.Code = providers.AlreadyExists
	case e.Code == providers.RateLimited:
		e.RetryAfter = providers.RetryAfter(resp.Header, time.Now())
	case e.Code == providers.VendorRejected:
		e.Field = field
	}
	return e
}

// firstModelError returns the schema field and message of the first
// ModelState entry (in key order, for a stable report). Keys look like
// "request.Username" or "request.DateOfBirth.Year"; the field is the first
// part that names one.
func firstModelError(ms map[string][]string) (field, msg string) {
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, part := range strings.Split(k, ".") {
			if Schema.Field(part) != nil {
				field = part
				break
			}
		}
		if len(ms[k]) > 0 {
			msg = ms[k][0]
		}
		if field != "" || msg != "" {
			return field, msg
		}
	}
	return "", ""
}
