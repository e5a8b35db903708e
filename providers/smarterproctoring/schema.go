package smarterproctoring

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/onboard/onboard/schema"
)

// Patterns from the doc (Model26 and the path parameter).
var (
	installSIDRE  = regexp.MustCompile(`^AI[a-f0-9]{32}$`)
	userSIDRE     = regexp.MustCompile(`^US[a-f0-9]{32}$`)
	timeZoneSIDRE = regexp.MustCompile(`^TZ[a-f0-9]{32}$`)
	// currencyRE: the doc only says length 3; ISO 4217 codes are three
	// upper-case letters (GET /v1/currencies lists them), so a mapping file
	// can add `transforms: {currencyCode: [upper]}` for lower-case rosters.
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Schema is SmarterProctoring's create-user body (Model26), field names
// exactly as documented, including the misspelled "exernalId".
var Schema = &schema.Schema{
	Provider: "smarterproctoring",
	Key:      []string{"email"},
	Fields: []schema.Field{
		{Name: "firstName", Type: schema.String, Required: true, Description: "First Name",
			Aliases: []string{"Given Name", "First", "Forename"}, Example: "Ann"},
		{Name: "lastName", Type: schema.String, Required: true, Description: "Last Name",
			Aliases: []string{"Surname", "Family Name", "Last"}, Example: "Lee"},
		{Name: "email", Type: schema.String, Required: true, Description: "Email",
			Check:   schema.CheckEmail,
			Aliases: []string{"E-mail", "Email Address", "Work Email", "Primary Email"}, Example: "ann.lee@example.edu"},
		{Name: "preferredEmail", Type: schema.String, Description: "Preferred Email",
			Check:   schema.CheckEmail,
			Aliases: []string{"Personal Email", "Alternate Email", "Preferred E-mail"}, Example: "ann@example.org"},
		{Name: "homePhone", Type: schema.String, Description: "Home Phone",
			Aliases: []string{"Phone", "Home Telephone", "Telephone"}, Example: "+1 480 555 0100"},
		{Name: "mobilePhone", Type: schema.String, Description: "Mobile Phone",
			Aliases: []string{"Mobile", "Cell", "Cell Phone", "Mobile Number"}, Example: "+1 480 555 0101"},
		{Name: "currencyCode", Type: schema.String, Description: "Currency code (ISO 4217, length 3)",
			MinLen: 3, MaxLen: 3, Pattern: currencyRE,
			PatternText: "three upper-case letters, an ISO 4217 currency code such as USD",
			Aliases:     []string{"Currency"}, Example: "USD"},
		{Name: "timeZoneSid", Type: schema.String, Description: "Time Zone Sid (list via GET /v1/timeZones)",
			Pattern: timeZoneSIDRE, PatternText: "TZ followed by 32 lowercase hex digits (a time zone SID from GET /v1/timeZones)",
			Aliases: []string{"Time Zone SID", "TimeZone Sid"}, Example: "TZ" + strings.Repeat("0a", 16)},
		{Name: "latitude", Type: schema.Number, Description: "Location Latitude",
			CheckNumber: rangeCheck(-90, 90), Aliases: []string{"Lat"}, Example: "33.4255"},
		{Name: "longitude", Type: schema.Number, Description: "Location Longitude",
			CheckNumber: rangeCheck(-180, 180), Aliases: []string{"Long", "Lng", "Lon"}, Example: "-111.94"},
		{Name: "username", Type: schema.String, Description: "Username for user",
			Aliases: []string{"Login", "User Name", "Login Name"}, Example: "alee"},
		{Name: "password", Type: schema.String, Description: "Password for user",
			Secret: true, Check: checkPassword, Example: "Exam#2024ok"},
		{Name: "enabled", Type: schema.Boolean, Description: "If login as this user is enabled",
			Aliases: []string{"Active", "Login Enabled"}, Example: "true"},
		{Name: "lmsId", Type: schema.String, Description: "The id for the user as defined in the LMS as defined in the LTI launch.",
			Aliases: []string{"LMS User ID"}, Example: "lti-4411"},
		{Name: "sisId", Type: schema.String, Description: "The id for the user as defined in the SIS.",
			Aliases: []string{"Student ID", "SIS User ID"}, Example: "S0012345"},
		{Name: "exernalId", Type: schema.String, Description: "The id for the user as defined in any external system for tracking. (Spelled exernalId in the API.)",
			Aliases: []string{"External ID", "externalId"}, Example: "HR-20931"},
	},
}

// passwordSpecials are the symbols the vendor's password rule allows.
const passwordSpecials = "#$@!%&*?"

// checkPassword is the doc's rule
// ^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[#$@!%&*?])[A-Za-z\d#$@!%&*?]{8,30}$
// written as plain checks, because RE2 has no look-ahead.
func checkPassword(s string) string {
	const want = "must be 8-30 characters of letters, digits and #$@!%&*? with at least one lower-case letter, one upper-case letter, one digit and one of #$@!%&*?"
	if len(s) < 8 || len(s) > 30 {
		return want
	}
	var lower, upper, digit, special bool
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSpecials, r):
			special = true
		default:
			return want
		}
	}
	if !lower || !upper || !digit || !special {
		return want
	}
	return ""
}

// rangeCheck bounds a coordinate. The doc gives no range; latitude outside
// -90..90 or longitude outside -180..180 is no place on Earth, so it is
// rejected before the vendor stores nonsense.
func rangeCheck(lo, hi float64) func(float64) string {
	want := "must be a number from " + strconv.FormatFloat(lo, 'f', -1, 64) + " to " + strconv.FormatFloat(hi, 'f', -1, 64)
	return func(f float64) string {
		if f < lo || f > hi || f != f {
			return want
		}
		return ""
	}
}
