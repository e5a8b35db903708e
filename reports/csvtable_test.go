package reports

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCSVTableMatchesEncodingCSV: the hand-written line encoder writes
// exactly what encoding/csv writes for the guarded cells, for every
// delimiter, over awkward and random fields.
func TestCSVTableMatchesEncodingCSV(t *testing.T) {
	awkward := []string{"", " ", " lead", "trail ", "\tTab", "a,b", "a;b", "a\tb", "a|b", "a§b", `say "hi"`, "\"", "line\nbreak",
		"cr\rhere", "crlf\r\n", `\.`, "=1+1", "+33 6", "-5", "@admin", "\t=x", "\r=x", "= spaced, comma", "=\"q\"", "é", "\u00a0nbsp", "\u3000ideo", "'", "''x"}
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", " ", ",", ";", "\t", "|", "§", "\"", "\n", "\r", "=", "+", "-", "@", "é", "'", `\`, "."}
	var rows [][]string
	for i := 0; i < len(awkward); i += 5 {
		rows = append(rows, awkward[i:min(i+5, len(awkward))])
	}
	for range 500 {
		row := make([]string, 1+r.IntN(6))
		for c := range row {
			var b strings.Builder
			for range r.IntN(5) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			row[c] = b.String()
		}
		rows = append(rows, row)
	}
	for _, comma := range []rune{',', ';', '\t', '|', '§'} {
		for _, guard := range []bool{true, false} {
			path := filepath.Join(t.TempDir(), "t.csv")
			tb, err := newCSVTable(path, []string{"h1", "h2"}, comma, guard, false)
			require.NoError(t, err)
			var want bytes.Buffer
			w := csv.NewWriter(&want)
			w.Comma = comma
			require.NoError(t, w.Write([]string{"h1", "h2"}))
			for _, row := range rows {
				require.NoError(t, tb.row(row, nil))
				cells := append([]string(nil), row...)
				if guard {
					guardAll(cells)
				}
				require.NoError(t, w.Write(cells))
			}
			w.Flush()
			require.NoError(t, tb.close(nil))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, want.String(), string(got), "delimiter %q guard %v", comma, guard)
		}
	}
}
