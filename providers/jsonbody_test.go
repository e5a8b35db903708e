package providers

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncodeBodyIsMarshal holds encodeBody to json.Marshal byte for byte,
// on the bodies vendors send and on what falls back to it.
func TestEncodeBodyIsMarshal(t *testing.T) {
	bodies := []any{
		nil,
		map[string]any{},
		map[string]any{"firstName": "Ana", "lastName": "Ñúñez", "email": "a@example.com", "roles": []string{"member"},
			"metadata": map[string]any{"employee_id": "E0000001", "n": 3, "ok": true, "none": nil}},
		map[string]any{"user": map[string]any{"name": map[string]string{"b": "2", "a": "1"}}, "list": []any{"x", int64(-4), false, nil, []string{}}},
		map[string]any{"html": "<a href=\"x\">&</a>", "ctl": "\x00\x01\b\f\n\r\t\x1f\x7f", "bs": `a\b`, "sep": "x\u2028y\u2029z", "bad": "a\xffb\xc3", "emoji": "😀"},
		map[string]any{"float": 1.5e-7, "num": json.Number("12")}, // falls back
		map[string]any{"nilmap": map[string]any(nil), "nilslice": []string(nil), "nilany": []any(nil)},
		struct{ A string }{"x"}, // falls back
		[]string{"a", "<b>"},
	}
	for _, b := range bodies {
		want, err := json.Marshal(b)
		require.NoError(t, err)
		got, err := encodeBody(b)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%#v", b)
	}
	_, err := encodeBody(map[string]any{"c": make(chan int)})
	assert.Error(t, err, "what json.Marshal cannot encode is still an error")
}

// FuzzEncodeString holds appendString to json.Marshal on any string, as a
// key and as a value.
func FuzzEncodeString(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\u2028", "\xff", "a\"b\\c\n", "Ñúñez", "\x7f\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := map[string]any{s: s, "l": []string{s}}
		want, err := json.Marshal(m)
		require.NoError(t, err)
		got, ok := appendJSON(nil, m)
		require.True(t, ok)
		require.Equal(t, string(want), string(got))
	})
}

func BenchmarkEncodeBody(b *testing.B) {
	body := map[string]any{"firstName": "Ana", "lastName": "Ñúñez", "email": "bench1@example.com", "phone": "4155550000",
		"companyName": "smartapp.com", "applicationRoles": []string{"member"},
		"metadata": map[string]any{"employee_id": "E0000001", "department": "Sales", "country": "GB"}}
	b.Run("encodeBody", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = encodeBody(body)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(body)
		}
	})
}

// TestReadAnswer reads an answer whole whatever its Content-Length says
// (a hand-made Response may say 0), and at most maxAnswer bytes.
func TestReadAnswer(t *testing.T) {
	big := strings.Repeat("x", maxAnswer+10)
	for _, c := range []struct {
		name string
		body string
		n    int64
		want int
	}{
		{"announced", `{"id":"1"}`, 10, 10},
		{"unknown", `{"id":"1"}`, -1, 10},
		{"announced 0, body anyway", `{"id":"1"}`, 0, 10},
		{"announced short", `{"id":"1"}`, 3, 10},
		{"empty", "", 0, 0},
		{"over the cap", big, -1, maxAnswer},
		{"over the cap, announced", big, int64(len(big)), maxAnswer},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := readAnswer(&http.Response{ContentLength: c.n, Body: io.NopCloser(strings.NewReader(c.body))})
			require.NoError(t, err)
			assert.Equal(t, c.body[:c.want], string(b))
		})
	}
	_, err := readAnswer(&http.Response{ContentLength: 10, Body: io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))})
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}
