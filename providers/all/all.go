// Package all registers every vendor: cmd imports it for its side effects.
package all

import (
	// Each vendor registers itself in init.
	_ "github.com/onboard/onboard/providers/alphalearn"
	_ "github.com/onboard/onboard/providers/bksb"
	_ "github.com/onboard/onboard/providers/ispring"
	_ "github.com/onboard/onboard/providers/scim"
	_ "github.com/onboard/onboard/providers/smartapp"
	_ "github.com/onboard/onboard/providers/smarterproctoring"
)
