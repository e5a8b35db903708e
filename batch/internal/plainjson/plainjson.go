// Package plainjson writes the JSON strings that need no escape as
// encoding/json writes them, without its reflection: the change digests
// hash those bytes and the state store keeps them, for every row of a run.
package plainjson

// Is reports whether s is printable ASCII with nothing json.Marshal
// escapes (quote, backslash, and <, > and & for HTML): then its JSON is s
// in quotes.
func Is(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// Append appends s in quotes; s must satisfy Is.
func Append(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
