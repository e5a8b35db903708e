package vendorfile

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
)

func small(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/small.yaml")
	require.NoError(t, err)
	return string(b)
}

func TestCheckValid(t *testing.T) {
	v, err := Parse("small.yaml", []byte(small(t)))
	require.NoError(t, err)
	assert.Equal(t, "acme", v.ID)
	assert.Len(t, v.Schema.Fields, 6)
	assert.Len(t, v.Schema.Rules, 1)
}

// TestCheckMessages seeds one mistake at a time into a valid file: each
// gives exactly one line file:line:col: what is wrong.
func TestCheckMessages(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           string
	}{
		{"unknown key", "  - {name: firstName, type: string, required: true}", "  - {name: firstName, type: string, requird: true}",
			"small.yaml:13:37: unknown key fields[1].requird (did you mean required?)"},
		{"unknown top key", "key: [email]", "kee: [email]", "small.yaml:10:1: unknown key kee (did you mean key?)"},
		{"wrong type", "  - {name: notify, type: boolean}", "  - {name: notify, type: boolean, required: maybe}",
			`small.yaml:16:45: fields[4].required: want true or false, got "maybe"`},
		{"unknown field type", "  - {name: notify, type: boolean}", "  - {name: notify, type: bool}",
			`small.yaml:16:26: field notify: type "bool": want one of string, integer, number, boolean, date, list, object (did you mean boolean?)`},
		{"look-behind", `pattern: '^[0-9]{6,15}$'`, `pattern: '^(?<=x)[0-9]{6,15}$'`,
			"small.yaml:15:42: field phone: pattern does not compile in Go (RE2: no look-ahead, look-behind or back-references; name a Go check: instead): invalid named capture: `(?<=x)[0-9]{6,15}$`"},
		{"unanchored", `pattern: '^[0-9]{6,15}$'`, `pattern: '[0-9]{6,15}'`,
			"small.yaml:15:42: field phone: pattern must match the whole value: start it with ^ and end it with $"},
		{"rule names missing field", "field: message, when", "field: mesage, when",
			`small.yaml:19:26: rules[0].required_if names field "mesage", which the file does not define (did you mean message?)`},
		{"duplicate field", "  - {name: message, type: string}", "  - {name: message, type: string}\n  - {name: phone, type: integer}",
			"small.yaml:18:12: field phone is defined twice"},
		{"duplicate error code", "    - {status: 401, as: AUTH_FAILED}", "    - {vendor_code: E_ROLE, as: AUTH_FAILED}",
			"small.yaml:31:21: errors.rules[2]: vendor code E_ROLE is already mapped at line 30 (the first rule wins; remove one)"},
		{"bad pointer", "created_id: /id", "created_id: id",
			`small.yaml:24:15: create.created_id: JSON pointer "id" must start with / (did you mean /id?)`},
		{"bad pointer escape", "vendor_code: /code", "vendor_code: /co~de",
			`small.yaml:26:16: errors.vendor_code: JSON pointer "/co~de": ~ must be followed by 0 (for ~) or 1 (for /)`},
		{"undeclared env", `token: "${env.ACME_TOKEN}"`, `token: "${env.HOME}"`,
			"small.yaml:8:29: auth.token: ${env.HOME} is not declared under credentials: (a file reads only the environment names it declares)"},
		{"unknown extension", "  - {name: message, type: string}", "  - {name: message, type: string, check: sp_pasword}",
			`small.yaml:17:42: field message: check "sp_pasword" is no Go check this onboard knows`},
		{"rate 0", "requests_per_second: 5", "requests_per_second: 0",
			"small.yaml:9:31: limits.requests_per_second: want more than 0 (leave limits out when the vendor documents none)"},
		{"unknown code", "as: AUTH_FAILED}", "as: AUTH_FAIL}",
			`small.yaml:31:25: errors.rules[2].as "AUTH_FAIL": want one of ALREADY_EXISTS, LICENSE_EXHAUSTED, AUTH_FAILED, RATE_LIMITED, VENDOR_REJECTED, VENDOR_ERROR (did you mean AUTH_FAILED?)`},
		{"computing template", `query: {email: "${row.email}"}`, `query: {email: "${row.email | lower}"}`,
			"small.yaml:34:10: find.query.email: ${row.email | lower}: a template substitutes a value, it does not compute (no filters or functions)"},
		{"unknown row", `query: {email: "${row.email}"}`, `query: {email: "${row.mail}"}`,
			"small.yaml:34:10: find.query.email: ${row.mail}: no such field (did you mean email?)"},
		{"version", "onboard: vendor/v1", "onboard: vendor/v2", `small.yaml:1:10: onboard: want vendor/v1, got "vendor/v2"`},
		{"auth type", "type: bearer", "type: beerer", `small.yaml:8:14: auth.type "beerer": want bearer, header, basic, none or go (did you mean bearer?)`},
		{"plain http", "https://api.acme.example/v1", "http://api.acme.example/v1", "small.yaml:5:11: base_url: http://api.acme.example/v1: plain http://"},
		{"credential in a query", `query: {email: "${row.email}"}`, `query: {email: "${row.email}", key: "${env.ACME_TOKEN}"}`,
			"small.yaml:34:10: find.query.key: ${env.ACME_TOKEN} cannot be used here (allowed: row, page.first)"},
		{"not yaml", "key: [email]", "key: [email", "small.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := small(t)
			require.Contains(t, src, tt.from)
			_, err := Parse("small.yaml", []byte(strings.Replace(src, tt.from, tt.to, 1)))
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, 1, "one mistake, one line: %s", err)
			assert.True(t, strings.HasPrefix(lines[0], tt.want), "got  %s\nwant %s", lines[0], tt.want)
		})
	}
}

// TestCheckEveryMistake: several mistakes give several lines, in file order.
func TestCheckEveryMistake(t *testing.T) {
	src := strings.NewReplacer("key: [email]", "kee: [email]", "requests_per_second: 5", "requests_per_second: 0").Replace(small(t))
	_, err := Parse("small.yaml", []byte(src))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2, err.Error()) // the rate and the unknown key; not also "key is missing"
	assert.Contains(t, lines[0], "small.yaml:9:")
	assert.Contains(t, lines[1], "small.yaml:10:1: unknown key kee")
}

// TestREADMEExample keeps the README's full example a valid file.
func TestREADMEExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(b)
	i := strings.Index(s, "One full example")
	require.Positive(t, i)
	start := strings.Index(s[i:], "```yaml\n") + i + len("```yaml\n")
	end := strings.Index(s[start:], "```") + start
	v, err := Parse("README example", []byte(s[start:end]))
	require.NoError(t, err)
	assert.Equal(t, "acme-lms", v.ID)
	assert.NotNil(t, v.find)
}

// TestProtocol: a file naming a registered protocol gets its client; an
// unknown one is a checker message.
func TestProtocol(t *testing.T) {
	called := false
	RegisterProtocol("test_proto", Protocol{New: func(v *Vendor, cfg providers.Config) (providers.Client, error) {
		called = true
		return v.New(cfg)
	}})
	src := strings.Replace(small(t), "onboard: vendor/v1\n", "onboard: vendor/v1\nprotocol: test_proto\n", 1)
	v, err := Parse("p.yaml", []byte(src))
	require.NoError(t, err)
	_, err = v.Registration().New(providers.Config{BaseURL: "https://x.example", Credentials: map[string]string{"ACME_TOKEN": "t"}})
	require.NoError(t, err)
	assert.True(t, called)
	_, err = Parse("p.yaml", []byte(strings.Replace(src, "test_proto", "test_prot", 1)))
	require.ErrorContains(t, err, `p.yaml:2:11: protocol "test_prot" is no protocol this onboard knows (did you mean test_proto?)`)
}
