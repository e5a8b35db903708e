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

// TestCheckMoreMessages: the rest of the checker's messages, one seeded
// mistake each (a whole file where from/to is nil); the first line is
// the mistake itself.
func TestCheckMoreMessages(t *testing.T) {
	tests := []struct {
		name string
		edit *[2]string
		file string
		want string
	}{
		{"two rule kinds", &[2]string{"  - required_if: {field: message, when: {field: notify, equals: true}}", "  - {required_if: {field: message, when: {field: notify, equals: true}}, all_or_none: [phone, role]}"}, "", "small.yaml:19:5: rules[0]: want exactly one of required_if, all_or_none, at_most_one_of, go"},
		{"no rule kind", &[2]string{"  - required_if: {field: message, when: {field: notify, equals: true}}", "  - {}"}, "", "small.yaml:19:5: rules[0]: want exactly one of required_if, all_or_none, at_most_one_of, go"},
		{"synonym not in enum", &[2]string{"{name: role, type: string, enum: [learner, admin]}", "{name: role, type: string, enum: [learner, admin], synonyms: {student: lerner}}"}, "", "small.yaml:14:66: field role: synonym \"student\" → \"lerner\": not one of enum (did you mean learner?)"},
		{"synonym upper case", &[2]string{"{name: role, type: string, enum: [learner, admin]}", "{name: role, type: string, enum: [learner, admin], synonyms: {Student: learner}}"}, "", "small.yaml:14:66: field role: synonym \"Student\": write it in lower case (matching ignores case)"},
		{"pattern without text", &[2]string{"pattern: '^[0-9]{6,15}$', pattern_text: 6 to 15 digits", "pattern: '^[0-9]{6,15}$'"}, "", "small.yaml:15:42: field phone: pattern needs pattern_text, the rule in words for people (e.g. \"6 to 15 digits\")"},
		{"min over max", &[2]string{"{name: message, type: string}", "{name: message, type: string, min_length: 5, max_length: 2}"}, "", "small.yaml:17:5: field message: min_length/max_length: want 0 ≤ min ≤ max"},
		{"minimum on a string", &[2]string{"{name: message, type: string}", "{name: message, type: string, minimum: 1}"}, "", "small.yaml:17:44: field message: minimum and maximum are for type number"},
		{"unknown format", &[2]string{"format: email}", "format: mail}"}, "", "small.yaml:12:57: field email: format \"mail\": want email (did you mean email?)"},
		{"key names no field", &[2]string{"key: [email]", "key: [mail]"}, "", "small.yaml:10:6: key names field \"mail\", which the file does not define (did you mean email?)"},
		{"extra not an object", &[2]string{"key: [email]", "key: [email]\nextra: message"}, "", "small.yaml:11:8: extra names field message, which must be of type object"},
		{"missing created_id", &[2]string{"  created_id: /id\n", ""}, "", "small.yaml:21:3: create.created_id is missing: the JSON pointer to the new person's ID in the answer, e.g. /id (\"\" for the whole answer)"},
		{"bad status", &[2]string{"success: {status: 201}", "success: {status: 2x1}"}, "", "small.yaml:23:21: create.success.status \"2x1\": want an HTTP status such as 201 or a class such as 2xx"},
		{"unknown method", &[2]string{"  method: POST", "  method: SEND"}, "", "small.yaml:21:11: create.method \"SEND\": want one of POST, PUT, PATCH, GET"},
		{"field_from_message without group", &[2]string{"    - {status: 401, as: AUTH_FAILED}", "    - {status: 401, as: AUTH_FAILED, field_from_message: 'missing \\w+'}"}, "", "small.yaml:31:58: errors.rules[2].field_from_message needs a group ( … ) around the field name"},
		{"second default", &[2]string{"    - {status: 401, as: AUTH_FAILED}", "    - {default: true, as: AUTH_FAILED}\n    - {default: true, as: VENDOR_ERROR}"}, "", "small.yaml:32:17: errors.rules[3]: a second default rule is never reached"},
		{"rule matches nothing", &[2]string{"    - {status: 401, as: AUTH_FAILED}", "    - {as: AUTH_FAILED}"}, "", "small.yaml:31:7: errors.rules[2] matches nothing: give status, vendor_code, in_codes, message_matches or default: true"},
		{"code rule without vendor_code", &[2]string{"  vendor_code: /code\n", ""}, "", "small.yaml:29:21: errors.rules[1] matches a vendor code, but errors.vendor_code (where the code is) is not given"},
		{"in_codes without codes", &[2]string{"    - {status: 401, as: AUTH_FAILED}", "    - {in_codes: true, as: VENDOR_REJECTED}"}, "", "small.yaml:31:18: errors.rules[2].in_codes: errors.codes is empty"},
		{"credential declared twice", &[2]string{"  - {env: ACME_TOKEN, what: the API token}", "  - {env: ACME_TOKEN, what: the API token}\n  - {env: ACME_TOKEN, what: again}"}, "", "small.yaml:8:11: credential ACME_TOKEN is declared twice"},
		{"bad env name", &[2]string{"  - {env: ACME_TOKEN, what: the API token}", "  - {env: ACME_TOKEN, what: the API token}\n  - {env: acme-key}"}, "", "small.yaml:8:11: credentials[1].env \"acme-key\": want an environment name such as ONBOARD_TOKEN"},
		{"needs undeclared", &[2]string{"auth: {type: bearer", "needs: ACME_TOKEN | ACME_KEY\nauth: {type: bearer"}, "", "small.yaml:8:8: needs: ACME_KEY is not declared under credentials:"},
		{"bearer without token", &[2]string{"auth: {type: bearer, token: \"${env.ACME_TOKEN}\"}", "auth: {type: bearer}"}, "", "small.yaml:8:7: auth type bearer needs token"},
		{"unknown auth flow", &[2]string{"auth: {type: bearer, token: \"${env.ACME_TOKEN}\"}", "auth: {type: go, flow: ispring_tokn}"}, "", "small.yaml:8:24: auth.flow \"ispring_tokn\" is no Go auth flow this onboard knows"},
		{"burst 0", &[2]string{"burst: 5}", "burst: 0}"}, "", "small.yaml:9:41: limits.burst: want 1 or more"},
		{"retry_after", &[2]string{"burst: 5}", "burst: 5, retry_after: honor}"}, "", "small.yaml:9:57: limits.retry_after \"honor\": want honour or ignore (did you mean honour?)"},
		{"bad id", &[2]string{"id: acme", "id: Acme HR"}, "", "small.yaml:2:5: id \"Acme HR\": want lower-case letters, digits, - and _ (at most 40), e.g. acme-lms"},
		{"missing doc", &[2]string{"doc: https://developer.acme.example/users#create\n", ""}, "", "small.yaml:1:1: doc is missing: the vendor documentation the file follows (a file name or an address)"},
		{"no base url", &[2]string{"base_url: https://api.acme.example/v1\n", ""}, "", "small.yaml:1:1: base_url is missing: the vendor's API host, e.g. https://api.example.com/v1"},
		{"find without match", &[2]string{"  match: {item: /email, equals: \"${row.email}\", fold_case: true}\n", ""}, "", "small.yaml:33:3: find.match is missing: which item is the person ({item: /email, equals: \"${row.email}\", fold_case: true})"},
		{"update without id", &[2]string{"  id: /id\n", "  id: /id\nupdate: {path: /users, fields: [role]}"}, "", "small.yaml:38:16: update: the path or the query must hold ${id}, the person's vendor ID"},
		{"paginate size 0", &[2]string{"  items: /users", "  paginate: {style: offset, size: 0}\n  items: /users"}, "", "small.yaml:35:35: find.paginate.size: want 1 or more (the page size)"},
		{"unclosed template", &[2]string{"query: {email: \"${row.email}\"}", "query: {email: \"${row.email\"}"}, "", "small.yaml:34:10: find.query.email: ${ is not closed by }"},
		{"unknown reference", &[2]string{"query: {email: \"${row.email}\"}", "query: {email: \"${user.email}\"}"}, "", "small.yaml:34:10: find.query.email: ${user.email}: unknown reference (want env.NAME, row.FIELD, base_url, page.first or id)"},
		{"wrong kind list", &[2]string{"key: [email]", "key: {email: 1}"}, "", "small.yaml:10:6: key: want a list, got a mapping"},
		{"duplicate key", &[2]string{"key: [email]", "key: [email]\nkey: [email]"}, "", "small.yaml:11:1: key is given twice"},
		{"empty file", nil, "", "small.yaml:1:1: the file is empty (want onboard: vendor/v1 and a vendor)"},
		{"not a mapping", nil, "- a\n- b\n", "small.yaml:1:1: not a vendor file: want key: value lines starting with onboard: vendor/v1, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.file
			if tt.edit != nil {
				src = small(t)
				require.Contains(t, src, tt.edit[0])
				src = strings.Replace(src, tt.edit[0], tt.edit[1], 1)
			}
			_, err := Parse("small.yaml", []byte(src))
			require.Error(t, err)
			first := strings.Split(err.Error(), "\n")[0]
			assert.True(t, strings.HasPrefix(first, tt.want), "got  %s\nwant %s", first, tt.want)
		})
	}
}
