package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A secret column (by header) that no field takes is never collected into
// the Extra object (Smartapp's metadata): it is not sent at all.
func TestSecretColumnNeverGoesIntoExtra(t *testing.T) {
	s := &Schema{Provider: "v", Extra: "metadata", Fields: []Field{
		{Name: "email", Type: String, Required: true},
		{Name: "metadata", Type: Object},
	}}
	header := []string{"email", "Password", "Initial password", "client_secret", "Department", "User Can Choose Password"}
	mp, err := NewMapper(s, header, nil)
	require.NoError(t, err)
	rec, errs := mp.Map([]string{"a@x.org", "Pw-SECRET-1", "Pw-SECRET-2", "cs-SECRET-3", "Sales", "1"})
	require.Empty(t, errs)
	meta, _ := rec["metadata"].(map[string]any)
	assert.Equal(t, map[string]any{"Department": "Sales", "User Can Choose Password": "1"}, meta)
	for _, v := range meta {
		assert.NotContains(t, v, "SECRET")
	}
	warned := 0
	for _, w := range mp.Warnings() {
		if strings.Contains(w, "holds a secret") {
			warned++
		}
	}
	assert.Equal(t, 3, warned, "each dropped secret column is named: %v", mp.Warnings())
}
