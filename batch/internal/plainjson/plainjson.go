// Package plainjson writes the JSON strings that need no escape as
// encoding/json writes them, without its reflection: the change digests
// hash those bytes and the state store keeps them, for every row of a run.
package plainjson

import "slices"

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

// AppendObject appends m as json.Marshal writes a map (keys sorted) when
// every key and value is a string that satisfies Is; otherwise it returns
// dst as it was and false. V is string, or any for a decoded object.
func AppendObject[V any](dst []byte, m map[string]V) ([]byte, bool) {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if s, ok := any(v).(string); !ok || !Is(k) || !Is(s) {
			return dst, false
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(Append(dst, k), ':')
		dst = Append(dst, any(m[k]).(string))
	}
	return append(dst, '}'), true
}
