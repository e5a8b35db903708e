package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/onboard/onboard/batch"
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

// TestValidationEncodedMatches: the CSV report written from cells the
// dry run's workers encoded (batch.Encoder) is byte for byte the one
// written from the cells themselves: mask, formula guard, quoting,
// padding and one line per problem alike.
func TestValidationEncodedMatches(t *testing.T) {
	dir := t.TempDir()
	plain, encoded := filepath.Join(dir, "plain.csv"), filepath.Join(dir, "encoded.csv")
	outs := validationOutcomes()
	s1, err := NewValidation(plain, rosterHeader)
	require.NoError(t, err)
	writeAll(t, s1, outs, summaryOf("validate", outs))

	s2, err := NewValidation(encoded, rosterHeader)
	require.NoError(t, err)
	enc, ok := s2.(batch.Encoder)
	require.True(t, ok, "the CSV validation report encodes on the workers")
	for _, o := range outs {
		o.Encoded = enc.Encode(nil, o.Cells)
		require.NoError(t, s2.Write(o))
	}
	require.NoError(t, s2.Close(summaryOf("validate", outs)))

	want, err := os.ReadFile(plain)
	require.NoError(t, err)
	got, err := os.ReadFile(encoded)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	assert.NotContains(t, string(got), "hunter2")

	x, err := NewValidation(filepath.Join(dir, "r.xlsx"), rosterHeader)
	require.NoError(t, err)
	_, ok = x.(batch.Encoder)
	assert.False(t, ok, "XLSX colours cells per problem: nothing to encode ahead")
	Abort(x)
}
