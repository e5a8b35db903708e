package providers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// No secret in a URL: a query or a fragment in --base-url is refused like
// user info, and the message never repeats what follows the ? or #.
func TestCheckBaseURLRefusesQueryAndFragment(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for accepted
	}{
		{"https://api.vendor.com/v1", ""},
		{"https://api.vendor.com/v1?token=s3cr3t", "https://api.vendor.com/v1?…: holds a query or fragment"},
		{"https://api.vendor.com?token=s3cr3t", "https://api.vendor.com?…: holds a query or fragment"},
		{"https://api.vendor.com/?", "holds a query or fragment"},
		{"https://api.vendor.com/#s3cr3t", "holds a query or fragment"},
		{"https://api.vendor.com/#", "holds a query or fragment"},
		{"https://me:s3cr3t@api.vendor.com/?token=s3cr3t", "holds a query or fragment"},
		{"http://10.0.0.5/?token=s3cr3t", "holds a query or fragment"},
		{"api.vendor.com?token=s3cr3t", "holds a query or fragment"},
		{"https://exa mple.com/?token=s3cr3t", "invalid character"},
		{"https://api.vendor.com/%zz?token=s3cr3t", "invalid URL escape"},
	}
	for _, tt := range tests {
		err := CheckBaseURL(tt.in, false)
		if tt.want == "" {
			assert.NoError(t, err, tt.in)
			continue
		}
		if assert.Error(t, err, tt.in) {
			assert.Contains(t, err.Error(), tt.want, tt.in)
			assert.NotContains(t, err.Error(), "s3cr3t", tt.in)
			assert.Contains(t, err.Error(), "--base-url", tt.in)
		}
	}
}

// 0.0.0.0 and :: as a destination are this host: plain http to them stays
// on this machine, as to 127.0.0.1.
func TestIsLoopbackUnspecifiedAndMapped(t *testing.T) {
	for _, h := range []string{"0.0.0.0", "::", "[::]", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "127.0.0.2", "localhost", "a.localhost"} {
		assert.True(t, IsLoopback(h), h)
	}
	for _, h := range []string{"10.0.0.5", "::ffff:10.0.0.5", "0.0.0.1", "example.com", "localhost.example.com"} {
		assert.False(t, IsLoopback(h), h)
	}
	assert.NoError(t, CheckBaseURL("http://0.0.0.0:8080", false))
	assert.NoError(t, CheckBaseURL("http://[::ffff:127.0.0.1]:8080", false))
}
