package providertest

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/schema"
)

func TestWrongValue(t *testing.T) {
	sid := regexp.MustCompile(`^AI[a-f0-9]{32}$`)
	tests := []struct {
		name, in, want string
	}{
		{"install SID keeps prefix and hex", "AI0123456789abcdef0123456789abcdef", "AI1234567890bcdefa1234567890bcdefa"},
		{"token", "sim-token-09af", "tjn-uplfo-10ba"},
		{"all capitals", "ABZ", "BCG"},
		{"punctuation kept", "a.b-c", "b.c-d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WrongValue(tt.in)
			assert.Equal(t, tt.want, got)
			assert.NotEqual(t, tt.in, got)
			assert.Len(t, got, len(tt.in))
		})
	}
	assert.Regexp(t, sid, WrongValue("AI0123456789abcdef0123456789abcdef"), "a SID stays SID-shaped")
}

func TestSatisfied(t *testing.T) {
	want := []string{"ONBOARD_TOKEN|ONBOARD_CLIENT_ID+ONBOARD_CLIENT_SECRET", "ONBOARD_INSTALL_SID"}
	tests := []struct {
		name  string
		creds map[string]string
		ok    bool
	}{
		{"token", map[string]string{"ONBOARD_TOKEN": "t", "ONBOARD_INSTALL_SID": "s"}, true},
		{"client pair", map[string]string{"ONBOARD_CLIENT_ID": "i", "ONBOARD_CLIENT_SECRET": "x", "ONBOARD_INSTALL_SID": "s"}, true},
		{"half a pair", map[string]string{"ONBOARD_CLIENT_ID": "i", "ONBOARD_INSTALL_SID": "s"}, false},
		{"empty value", map[string]string{"ONBOARD_TOKEN": "", "ONBOARD_INSTALL_SID": "s"}, false},
		{"second entry missing", map[string]string{"ONBOARD_TOKEN": "t"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, satisfied(want, tt.creds))
		})
	}
	assert.Equal(t, map[string]bool{"ONBOARD_TOKEN": true, "ONBOARD_CLIENT_ID": true, "ONBOARD_CLIENT_SECRET": true, "ONBOARD_INSTALL_SID": true},
		credentialNames(want))
}

func TestOther(t *testing.T) {
	s := &schema.Schema{Key: []string{"login", "email"}}
	good := schema.Record{"login": "ann", "email": "Ann@x.org", "firstName": "Ann"}
	other := Other(s, good)
	assert.Equal(t, schema.Record{"login": "otherann", "email": "otherAnn@x.org", "firstName": "Ann"}, other)
	assert.Equal(t, "ann", good["login"], "good is not changed")
}
