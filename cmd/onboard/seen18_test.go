package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A mistyped command with flags after it is named as the mistake, not
// its first flag (issue 18: "onboard rnu -p …" said "unknown flag -p").
func TestMistypedCommandWithFlags(t *testing.T) {
	for _, args := range [][]string{
		{"rnu", "-p", "smartapp", "x.csv"},
		{"rnu", "--simulate", "x.csv"},
		{"rnu"},
	} {
		code, _, stderr := onboard(t, args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `onboard: unknown command "rnu": did you mean run? The commands are `, args)
		assert.NotContains(t, stderr, "unknown flag", args)
	}
	code, _, stderr := onboard(t, "-p", "smartapp")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown flag -p", "a flag before any command is the mistake")
}

// validate without -o prints the warnings it counts, after the problems
// of their row (issue 18: it said "1 with warnings" and showed none).
func TestValidatePrintsWarnings(t *testing.T) {
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Phone\n"+
		"Ann,Lee,a@b.co,smartapp.com,hq,4.47712E+11\n"+
		"Bob,Ray,bob,smartapp.com,hq,4.47712E+11\n")
	code, stdout, stderr := onboard(t, "validate", "-q", "-p", "smartapp", roster)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "1 valid, 1 invalid")
	assert.Contains(t, stderr, "2 with warnings")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if assert.Len(t, lines, 3, stdout) {
		assert.True(t, strings.HasPrefix(lines[0], "row 2: warning ROUNDED_NUMBER phone: 4.47712E+11 is a number in scientific notation"), lines[0])
		assert.True(t, strings.HasPrefix(lines[1], "row 3: INVALID_VALUE email: "), lines[1])
		assert.True(t, strings.HasPrefix(lines[2], "row 3: warning ROUNDED_NUMBER phone: "), lines[2])
	}
}
