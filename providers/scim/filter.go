package scim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// filterString is s as a filter's comparison value: a JSON string (RFC
// 7644 §3.4.2.2 "compValue … JSON string"), so `"` and `\` are escaped with
// a backslash and control characters as \n, \t or \u00XX. HTML characters
// stay as they are (<, >, & are not JSON's business).
func filterString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// userNameFilter is the lookup's filter: userName eq "…".
func userNameFilter(userName string) string {
	return "userName eq " + filterString(userName)
}

// queryValue is s URL-encoded for a query string, a space as %20: some
// servers read "+" literally, none misread %20.
func queryValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
