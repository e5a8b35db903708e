package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A number in a date column that looks like an Excel date serial (a date
// cell shown as General) is refused saying which date it would be.
func TestDateSerialIsNamed(t *testing.T) {
	f := &Field{Name: "startDate", Type: Date}
	for _, tc := range []struct{ in, want string }{
		{"45123", `must be a date as YYYY-MM-DD (read "45123"); 45123 looks like an Excel date serial (2023-07-16): format the column as a date in the spreadsheet, or write the dates as YYYY-MM-DD`},
		{"45123.5", `45123.5 looks like an Excel date serial (2023-07-16)`},
		{"36526", `(2000-01-01)`},
	} {
		_, fe := parse(f, tc.in, "")
		require.NotNil(t, fe, tc.in)
		assert.Equal(t, InvalidValue, fe.Code)
		assert.Contains(t, fe.Message, tc.want)
	}
	for _, in := range []string{"12", "tomorrow", "4512a", "99999999"} {
		_, fe := parse(f, in, "")
		require.NotNil(t, fe, in)
		assert.NotContains(t, fe.Message, "serial", in)
	}
}
