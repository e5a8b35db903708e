package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every sink, in both formats.
var sinkMakers = map[string]func(path string, header []string) (batch.Sink, error){
	"validation": func(p string, h []string) (batch.Sink, error) { return NewValidation(p, h) },
	"results":    NewResults,
	"failed-out": func(p string, h []string) (batch.Sink, error) { return NewFailedOut(p, h, FailedOutOptions{}) },
}

// A path that cannot be written fails at once, before any row is
// processed, not when the report is closed.
func TestSinkFailsEarlyOnUnwritablePath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	for name, mk := range sinkMakers {
		for _, ext := range []string{".csv", ".xlsx"} {
			_, err := mk(filepath.Join(dir, "out"+ext), rosterHeader)
			assert.ErrorIs(t, err, os.ErrNotExist, name+ext)
		}
	}
}

func TestSinkRejectsUnknownFormat(t *testing.T) {
	for name, mk := range sinkMakers {
		_, err := mk(filepath.Join(t.TempDir(), "out.json"), rosterHeader)
		assert.ErrorIs(t, err, ErrFormat, name)
	}
	assert.ErrorIs(t, WriteTemplate(filepath.Join(t.TempDir(), "t.ods"), testSchema()), ErrFormat)
}

func TestSinkWriteAfterClose(t *testing.T) {
	for name, mk := range sinkMakers {
		for _, ext := range []string{".csv", ".xlsx"} {
			sink, err := mk(filepath.Join(t.TempDir(), "out"+ext), rosterHeader)
			require.NoError(t, err)
			require.NoError(t, sink.Close(nil))
			require.NoError(t, sink.Close(nil), "a second Close does nothing")
			assert.Error(t, sink.Write(batch.Outcome{Line: 2, Status: batch.Failed}), name+ext)
		}
	}
}

// Without a summary (nil) an XLSX report has no Summary sheet, and a
// report without rows still has its header and filter.
func TestEmptyXLSXWithoutSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	sink, err := NewResults(path, []string{"email"})
	require.NoError(t, err)
	require.NoError(t, sink.Close(nil))
	dump := dumpXLSX(t, path)
	assert.NotContains(t, dump, "Summary")
	assert.Contains(t, dump, "autofilter: 'Results'!$A$1:$J$1")
}
