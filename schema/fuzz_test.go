package schema

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMappingFile: any bytes give a Mapping or an error, never a panic.
func FuzzMappingFile(f *testing.F) {
	for _, s := range []string{
		"columns:\n  E-mail: email\nconstants:\n  role: learner\n",
		"transforms:\n  firstName: [trim, title]\nsplit:\n  Name: [firstName, lastName]\n",
		"values:\n  role:\n    Student: learner\nheader_row: 3\n",
		"columns: {a: b, a: c}\n",
		"- a\n- b\n",
		"&a [*a, *a]\n",
		"columns:\n  ? [a, b]\n  : c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Mapping
		_ = decodeMapping(data, &m)
	})
}

// FuzzHeaderMatch: any header maps or is refused with an error; a header
// that maps maps any row without a panic, and secrets never reach Extra.
func FuzzHeaderMatch(f *testing.F) {
	f.Add("First Name\x00Last Name\x00E-mail\x00Password", "Ann\x00Lee\x00a@x.org\x00pw")
	f.Add("email\x00email\x00EMAIL", "a\x00b\x00c")
	f.Add("\ufeffemail\x00onboard_row\x00Old Password", "a@x.org\x002\x00secret")
	f.Add("e-mail\x00\x00\x00", "")
	s := &Schema{Provider: "fuzz", Extra: "meta", Key: []string{"email"}, Fields: []Field{
		{Name: "email", Type: String, Required: true, Aliases: []string{"E-mail"}},
		{Name: "firstName", Type: String},
		{Name: "lastName", Type: String},
		{Name: "password", Type: String, Secret: true, MinLen: 8},
		{Name: "role", Type: String, Enum: []string{"learner", "admin"}},
		{Name: "meta", Type: Object},
	}}
	f.Fuzz(func(t *testing.T, header, row string) {
		h := strings.Split(header, "\x00")
		if len(h) > 64 {
			return
		}
		mp, err := NewMapper(s, h, nil)
		if err != nil {
			return
		}
		rec, _ := mp.Map(strings.Split(row, "\x00"))
		if meta, ok := rec["meta"].(map[string]any); ok {
			for k := range meta {
				if SecretHeader(k) {
					t.Fatalf("secret column %q collected into meta", k)
				}
			}
		}
		for _, fn := range transforms {
			if out := fn(row); utf8.ValidString(row) && !utf8.ValidString(out) {
				t.Fatalf("a transform broke UTF-8: %q → %q", row, out)
			}
		}
	})
}
