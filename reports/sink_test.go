package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every sink, in both formats.
var sinkMakers = map[string]func(path string, header []string) (batch.Sink, error){
	"validation": func(p string, h []string) (batch.Sink, error) { return NewValidation(p, h) },
	"results":    func(p string, h []string) (batch.Sink, error) { return NewResults(p, h) },
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

// Excel on Windows reads a CSV without a BOM in the local code page: the
// report and the results start with one unless asked not to; the fix file
// does not (it mirrors the input, which i8a's reader keeps).
func TestCSVOutputsStartWithBOM(t *testing.T) {
	header := []string{"First Name", "email"}
	outs := []batch.Outcome{{Line: 2, Status: batch.Invalid, Cells: []string{"Stéphane", "s@x"},
		Problems: []batch.Problem{{Code: "INVALID_VALUE", Field: "email", Message: "not an email"}}}}
	dir := t.TempDir()
	open := map[string]func(p string, noBOM bool) (batch.Sink, error){
		"results": func(p string, noBOM bool) (batch.Sink, error) {
			return NewResults(p, header, ResultsOptions{NoBOM: noBOM})
		},
		"validation": func(p string, noBOM bool) (batch.Sink, error) {
			return NewValidation(p, header, ValidationOptions{NoBOM: noBOM})
		},
	}
	for name, newSink := range open {
		for _, noBOM := range []bool{false, true} {
			p := filepath.Join(dir, fmt.Sprintf("%s-%v.csv", name, noBOM))
			sink, err := newSink(p, noBOM)
			require.NoError(t, err)
			writeAll(t, sink, outs, summaryOf("run", outs))
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, !noBOM, strings.HasPrefix(string(b), utf8BOM), "%s noBOM=%v", name, noBOM)
			assert.LessOrEqual(t, strings.Count(string(b), utf8BOM), 1, "one BOM at most, at the start")
			assert.Contains(t, string(b), "Stéphane")
		}
	}
	p := filepath.Join(dir, "failed.csv")
	sink, err := NewFailedOut(p, header, FailedOutOptions{})
	require.NoError(t, err)
	writeAll(t, sink, outs, summaryOf("run", outs))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.False(t, strings.HasPrefix(string(b), utf8BOM), "the fix file keeps the input's encoding")
}
