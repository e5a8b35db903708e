package smarterproctoring

import (
	"regexp"
	"strings"

	"github.com/onboard/onboard/providers/vendorfile"
)

// Patterns the simulator checks paths with (the doc's path parameters).
var (
	installSIDRE = regexp.MustCompile(`^AI[a-f0-9]{32}$`)
	userSIDRE    = regexp.MustCompile(`^US[a-f0-9]{32}$`)
)

// updateFields are what PUT .../users/{userSid} takes (vendor.yaml's
// update.fields), for the simulator.
var updateFields = []string{"firstName", "lastName", "email", "preferredEmail", "homePhone", "mobilePhone",
	"currencyCode", "timeZoneSid", "username", "password", "enabled"}

// passwordCheck is the name vendor files give checkPassword.
const passwordCheck = "smarterproctoring_password"

// compile registers the package's Go extension, then compiles the file:
// package variables are set before init runs, so the extension must be
// registered on the way.
func compile() *vendorfile.Vendor {
	vendorfile.RegisterCheck(passwordCheck, checkPassword)
	return vendorfile.MustParse("providers/smarterproctoring/vendor.yaml", vendorFile)
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
