package providers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// An answer whose body is cut off is coded from its status, never as a
// network error: the vendor answered.
func TestDoCutBodyIsCodedFromTheStatus(t *testing.T) {
	tests := []struct {
		status int
		want   Code
	}{
		{http.StatusInternalServerError, VendorError},
		{http.StatusBadRequest, VendorRejected},
		{http.StatusCreated, VendorError},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"message":`))
				w.(http.Flusher).Flush()
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
			}))
			defer srv.Close()
			_, err := Do(t.Context(), srv.Client(), http.MethodPost, srv.URL, nil, map[string]string{})
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.want, pe.Code)
			assert.Equal(t, tt.status, pe.Status)
			assert.True(t, pe.Sent)
		})
	}
}

func TestRetryAfterNeverOverflows(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"junk", 0}, {"-5", 0}, {"0", 0}, {"7", 7 * time.Second},
		{"999999999", 24 * time.Hour}, {"9700000000", 24 * time.Hour},
		{"99999999999999999999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
	}
	for _, tt := range tests {
		got := RetryAfter(http.Header{"Retry-After": {tt.in}}, now)
		assert.Equal(t, tt.want, got, "%q", tt.in)
		assert.GreaterOrEqual(t, got, time.Duration(0), "%q", tt.in)
	}
}

// A Retry-After date is read on the vendor's clock: against the answer's
// Date header, so a vendor 10 minutes fast (or slow) asking for 2 s gets
// 2 s; without a Date, against ours.
func TestRetryAfterDateOnTheVendorsClock(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	date := func(t time.Time) string { return t.Format(http.TimeFormat) }
	tests := []struct {
		name       string
		after, day string
		want       time.Duration
	}{
		{"vendor 10 min fast", date(now.Add(10*time.Minute + 2*time.Second)), date(now.Add(10 * time.Minute)), 2 * time.Second},
		{"vendor 10 min slow", date(now.Add(-10*time.Minute + 2*time.Second)), date(now.Add(-10 * time.Minute)), 2 * time.Second},
		{"same clock", date(now.Add(3 * time.Second)), date(now), 3 * time.Second},
		{"date before the vendor's now", date(now.Add(-time.Second)), date(now), 0},
		{"no Date: our clock", date(now.Add(4 * time.Second)), "", 4 * time.Second},
		{"unreadable Date: our clock", date(now.Add(4 * time.Second)), "yesterday", 4 * time.Second},
		{"far date still capped", "Fri, 31 Dec 9999 23:59:59 GMT", date(now), 24 * time.Hour},
		{"seconds ignore Date", "5", date(now.Add(time.Hour)), 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Retry-After": {tt.after}}
			if tt.day != "" {
				h.Set("Date", tt.day)
			}
			assert.Equal(t, tt.want, RetryAfter(h, now))
		})
	}
}

func TestVendorTextIsValidUTF8(t *testing.T) {
	page := []byte("<h1>Fehler: Ung\xfcltig \xe9t\xe9</h1>\x1b[31m" + strings.Repeat("é", 150))
	got := BodyText(page)
	assert.True(t, utf8.ValidString(got), "%q", got)
	assert.Contains(t, got, "Ung\uFFFDltig")
	assert.True(t, strings.HasSuffix(got, "é…"), "cut on a character boundary: %q", got[len(got)-8:])
	c := CleanText("bad \xff byte\x1b[2J and\nnewline\ttab")
	assert.Equal(t, "bad \uFFFD byte [2J and newline\ttab", c)
	assert.Equal(t, "plain", CleanText("plain"))
}
