package providers

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequire(t *testing.T) {
	needs := []Need{{Env: "ONBOARD_KEY_ID", What: "the key ID"}, {Env: "ONBOARD_SECRET", What: "the secret"}}
	tests := []struct {
		name    string
		creds   map[string]string
		want    []string
		wantErr string
	}{
		{"all set", map[string]string{"ONBOARD_KEY_ID": "id-1", "ONBOARD_SECRET": "s3cret"}, []string{"id-1", "s3cret"}, ""},
		{"first missing", map[string]string{"ONBOARD_SECRET": "s3cret"}, nil, "v: ONBOARD_KEY_ID is not set (the key ID)"},
		{"second empty", map[string]string{"ONBOARD_KEY_ID": "id-1", "ONBOARD_SECRET": ""}, nil, "v: ONBOARD_SECRET is not set (the secret)"},
		{"none", nil, nil, "v: ONBOARD_KEY_ID is not set (the key ID)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Config{Credentials: tt.creds}.Require("v", needs...)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				for _, v := range tt.creds {
					if v != "" {
						assert.NotContains(t, err.Error(), v, "no credential value in errors")
					}
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	hc := &http.Client{}
	assert.Same(t, hc, Config{HTTP: hc}.HTTPClient())
	assert.NotNil(t, Config{}.HTTPClient().Transport, "the default client")
	assert.Equal(t, "http://given", Config{BaseURL: "http://given"}.BaseURLOr("https://prod"))
	assert.Equal(t, "https://prod", Config{}.BaseURLOr("https://prod"))
}
