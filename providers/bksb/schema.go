package bksb

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// compile registers the package's Go extensions, then compiles the file:
// package variables are set before init runs, so they are registered on
// the way.
func compile() *vendorfile.Vendor {
	vendorfile.RegisterEncoder("bksb_date", encodeDate)
	vendorfile.RegisterWarn("bksb_birth_date", checkBirthDate)
	vendorfile.RegisterErrorReader("aspnet_modelstate", readModelState)
	return vendorfile.MustParse("providers/bksb/vendor.yaml", vendorFile)
}

// simpleDateTime is bksb's date object; every part is an integer.
type simpleDateTime struct {
	Year, Month, Day, Hour, Minute, Second, Millisecond int
}

// encodeDate sends a date as the SimpleDateTime object.
func encodeDate(v any) any {
	if t, ok := v.(time.Time); ok {
		return simpleDateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
	}
	return v
}

// answer is ASP.NET Web API's error body: {"Message": ..., "ModelState":
// {"request.Username": ["..."]}}, with ExceptionMessage on some 500s.
type answer struct {
	Message          string              `json:"Message"`
	MessageDetail    string              `json:"MessageDetail"`
	ExceptionMessage string              `json:"ExceptionMessage"`
	ModelState       map[string][]string `json:"ModelState"`
}

// readModelState reads an error body: the message, with the first
// ModelState message appended because "The request is invalid." alone
// does not say what to fix, and the field that entry names.
func readModelState(body []byte, s *schema.Schema) (message, field string) {
	var a answer
	_ = json.Unmarshal(body, &a) // a non-JSON page keeps its text (the caller's excerpt)
	field, detail := firstModelError(a.ModelState, s)
	switch {
	case detail != "" && a.Message != "":
		return a.Message + " " + detail, field
	case detail != "":
		return detail, field
	}
	return a.Message, field
}

// firstModelError returns the schema field and message of the first
// ModelState entry (in key order, for a stable report). Keys look like
// "request.Username" or "request.DateOfBirth.Year"; the field is the first
// part that names one.
func firstModelError(ms map[string][]string, s *schema.Schema) (field, msg string) {
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, part := range strings.Split(k, ".") {
			if s.Field(part) != nil {
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

// minBirthDate is the earliest plausible date of birth.
var minBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// checkBirthDate warns of a date of birth in the future or before 1900:
// such a date is almost always a typo (a swapped century, today's date in
// the wrong column) and bksb would store it as given. The doc sets no
// range, so it is a warning, not a refusal.
func checkBirthDate(s string) string {
	const want = "is a date of birth before 1900 or in the future: check it (bksb stores it as given)"
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return want
	}
	y, m, d := time.Now().UTC().Date()
	if t.Before(minBirthDate) || t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return want
	}
	return ""
}
