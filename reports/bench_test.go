package reports

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/require"
)

// benchmarkResults writes 100k results rows per iteration and reports
// rows per second.
func benchmarkResults(b *testing.B, ext string) {
	benchmarkResultsOf(b, ext, []batch.Outcome{
		{Status: batch.Created, ID: "u-123456", VendorStatus: 201, Attempts: 1},
		{Status: batch.Invalid, Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "email is required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "must be one of admin, member, guest"},
		}},
		{Status: batch.Failed, VendorStatus: 422, VendorCode: "1023", Attempts: 1,
			Problems: []batch.Problem{{Code: "VENDOR_REJECTED", Field: "email", Message: "Email already used"}}},
	})
}

// benchmarkResultsOf writes 100k rows per iteration, outs in turn.
func benchmarkResultsOf(b *testing.B, ext string, outs []batch.Outcome) {
	const rows = 100_000
	header := []string{"email", "firstName", "lastName", "password", "role", "department", "startDate", "notes"}
	cells := []string{"ann.lee@example.org", "Ann", "Lee", "********", "member", "Engineering", "2025-03-01", "+33 6 12 34 56 78"}
	dir := b.TempDir()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink, err := NewResults(filepath.Join(dir, "r"+strconv.Itoa(i)+ext), header)
		require.NoError(b, err)
		for r := range rows {
			o := outs[r%len(outs)]
			o.Line, o.Cells = r+2, cells
			require.NoError(b, sink.Write(o))
		}
		require.NoError(b, sink.Close(batch.NewSummary("run", "acme", "in.csv")))
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkResultsCSV(b *testing.B)  { benchmarkResults(b, ".csv") }
func BenchmarkResultsXLSX(b *testing.B) { benchmarkResults(b, ".xlsx") }

// The all-skipped re-run's rows: the results sheet is most of what the
// reconciler does for them.
func BenchmarkResultsCSVSkipped(b *testing.B) {
	benchmarkResultsOf(b, ".csv", []batch.Outcome{{Status: batch.Skipped, ID: "bcf058f7-10c3-41b3-bb0e-dda6490a9344",
		Problems: []batch.Problem{{Code: batch.AlreadyOnboarded, Message: "onboarded by run 1 on 2026-12-07"}}}})
}
