package reports_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/providers/smarterproctoring"
	"github.com/onboard/onboard/reports"
	"github.com/onboard/onboard/schema"
)

// benchmarkValidate runs the dry run on the roster in $ONBOARD_BENCH_CSV
// (make one with `go run ./cmd/benchreport -gensp FILE ROWS`), into a
// report with extension ext ("" for none), for CPU profiles of the whole
// validate path without the binary around it.
func benchmarkValidate(b *testing.B, ext string) {
	path := os.Getenv("ONBOARD_BENCH_CSV")
	if path == "" {
		b.Skip("ONBOARD_BENCH_CSV names no SmarterProctoring roster")
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		r, err := read.Open(path, read.Options{})
		require.NoError(b, err)
		m, err := schema.NewMapper(smarterproctoring.Schema, r.Header(), nil)
		require.NoError(b, err)
		var sink batch.Sink = discard{}
		if ext != "" {
			sink, err = reports.NewValidation(filepath.Join(dir, "report"+ext), m.Header(), reports.ValidationOptions{FieldColumns: m.FieldColumns()})
			require.NoError(b, err)
		}
		sum := batch.NewSummary("validate", "smarterproctoring", path)
		require.NoError(b, batch.Validate(context.Background(), r, smarterproctoring.Schema, m, sink, sum, nil))
		require.NoError(b, sink.Close(sum))
		require.NoError(b, r.Close())
	}
}

type discard struct{}

func (discard) Write(batch.Outcome) error  { return nil }
func (discard) Close(*batch.Summary) error { return nil }

func BenchmarkValidateNoReport(b *testing.B) { benchmarkValidate(b, "") }
func BenchmarkValidateCSV(b *testing.B)      { benchmarkValidate(b, ".csv") }
func BenchmarkValidateXLSX(b *testing.B)     { benchmarkValidate(b, ".xlsx") }
