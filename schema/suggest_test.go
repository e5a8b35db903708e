package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	names := []string{"alphalearn", "bksb", "ispring", "smartapp", "smarterproctoring"}
	tests := []struct{ word, want string }{
		{"smartap", "smartapp"},
		{"SMARTAPP", "smartapp"},
		{"ispirng", "ispring"},
		{"bksv", "bksb"},
		{"smarterproctor", "smarterproctoring"}, // a prefix
		{"nope", ""},
		{"", ""},
		{"x", ""},
		{"isprnig", "ispring"}, // a swap is one edit
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Closest(tc.word, names), tc.word)
	}
	assert.Equal(t, "rate", Closest("rat", []string{"rate", "retries", "burst"}))
	assert.Equal(t, "output", Closest("out", []string{"output", "quiet"}))
	assert.Equal(t, " (did you mean columns?)", DidYouMean("colums", []string{"columns", "values"}))
	assert.Empty(t, DidYouMean("zzz", []string{"columns"}))
}
