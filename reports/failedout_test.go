package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailedOutGolden(t *testing.T) {
	tests := []struct {
		file  string
		delim rune
	}{
		{"failed.csv", ';'}, // the input's own delimiter
		{"failed.tsv", 0},   // .tsv means tabs
		{"failed.xlsx", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			sink, err := NewFailedOut(path, rosterHeader, FailedOutOptions{Delimiter: tt.delim})
			require.NoError(t, err)
			writeAll(t, sink, resultOutcomes(), nil)
			checkFileGolden(t, path, tt.file+".golden")
		})
	}
}

// A failed-out file run again has an "error" column: it is reused, not
// doubled.
func TestFailedOutReusesErrorColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "again.csv")
	sink, err := NewFailedOut(path, []string{"email", "Error", "role"}, FailedOutOptions{})
	require.NoError(t, err)
	writeAll(t, sink, []batch.Outcome{
		{Line: 2, Status: batch.Created, Cells: []string{"a@x.org", "old", "member"}},
		{Line: 3, Status: batch.Failed, Cells: []string{"b@x.org", "MISSING_REQUIRED email", "member"},
			Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "try later"}}},
	}, nil)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "email,Error,role\nb@x.org,VENDOR_ERROR: try later,member\n", string(got))
}

func TestProblemText(t *testing.T) {
	tests := []struct {
		name string
		o    batch.Outcome
		want string
	}{
		{"several", batch.Outcome{Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "one of a, b"},
		}}, "MISSING_REQUIRED email: required; INVALID_ENUM role: one of a, b"},
		{"no field", batch.Outcome{Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "boom"}}}, "VENDOR_ERROR: boom"},
		{"no message", batch.Outcome{Problems: []batch.Problem{{Code: "INTERRUPTED"}}}, "INTERRUPTED"},
		{"message only", batch.Outcome{Problems: []batch.Problem{{Message: "odd"}}}, "odd"},
		{"no problem says the status", batch.Outcome{Status: batch.NotAttempted, Note: "stopped"}, "not_attempted [stopped]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, problemText(&tt.o))
		})
	}
}

func TestFailedOutBadDelimiter(t *testing.T) {
	_, err := NewFailedOut(filepath.Join(t.TempDir(), "f.csv"), rosterHeader, FailedOutOptions{Delimiter: '"'})
	require.ErrorContains(t, err, "invalid CSV delimiter")
}
