package providers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBasic(t *testing.T) {
	want, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	want.SetBasicAuth("AKID-7", "s3:cr/et")
	assert.Equal(t, want.Header.Get("Authorization"), Basic("AKID-7", "s3:cr/et").Get("Authorization"))
}

func TestBodyText(t *testing.T) {
	long := strings.Repeat("x", 250)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"white space runs become one space", "<html>\n  <h1>502 Bad Gateway</h1>\n</html>\n", "<html> <h1>502 Bad Gateway</h1> </html>"},
		{"200 bytes kept whole", long[:200], long[:200]},
		{"longer cut with an ellipsis", long, long[:200] + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, BodyText([]byte(tt.in)))
		})
	}
}
