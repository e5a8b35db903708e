package vendorfile

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/providers"
)

// FuzzDecodeWhole holds decodeWhole's "one object" to what
// providers.JSONObject accepts: Create skips JSONObject when it says yes.
func FuzzDecodeWhole(f *testing.F) {
	for _, s := range []string{`{"id":"1"}`, " {\"id\":1}\n", `{"a":1} x`, `{"a":1}{}`, "\u00a0{}", `[]`, `null`, ``, `{"a":`, "{}\t\r\n ", `{"a":"\xff"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok, object := decodeWhole(b)
		v2, ok2 := decodeAnswer(b)
		assert.Equal(t, ok, ok2)
		assert.Equal(t, v, v2)
		if object {
			assert.True(t, providers.JSONObject(b), "%q", b)
		}
	})
}

func TestDecodeWhole(t *testing.T) {
	for _, c := range []struct {
		in     string
		object bool
	}{
		{`{"id":"1"}`, true}, {" {\"id\":1}\n", true}, {`{"a":1} x`, false}, {`{"a":1}{}`, false},
		{"\u00a0{}", false}, {`[]`, false}, {``, false}, {"{}\t\r\n ", true},
	} {
		_, _, object := decodeWhole([]byte(c.in))
		assert.Equal(t, c.object, object, "%q", c.in)
	}
}
