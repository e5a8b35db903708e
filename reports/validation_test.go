package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidationGolden(t *testing.T) {
	for _, ext := range []string{"csv", "xlsx"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report."+ext)
			sink, err := NewValidation(path, rosterHeader, ValidationOptions{FieldColumns: map[string][]int{"firstName": {1}, "password": {2}}})
			require.NoError(t, err)
			outs := validationOutcomes()
			writeAll(t, sink, outs, summaryOf("validate", outs))
			checkFileGolden(t, path, "validation."+ext+".golden")
		})
	}
}

func TestValidationDoesNotChangeCallerCells(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	sink, err := NewValidation(path, rosterHeader)
	require.NoError(t, err)
	outs := validationOutcomes()
	require.NoError(t, sink.Write(outs[1]))
	require.NoError(t, sink.Close(nil))
	assert.Equal(t, "hunter2", outs[1].Cells[2], "masking must work on a copy")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(got), "hunter2")
}
