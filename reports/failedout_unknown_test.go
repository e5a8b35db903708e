package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
)

// A row whose outcome is unknown may exist at the vendor: it is never in the
// fix file as a row to send again by hand, and neither is an adopted one.
func TestFailedOutLeavesOutUnknownAndAdopted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fix.csv")
	sink, err := NewFailedOut(path, []string{"email", "role"}, FailedOutOptions{})
	require.NoError(t, err)
	writeAll(t, sink, []batch.Outcome{
		{Line: 2, Status: batch.Unknown, Cells: []string{"maybe@x.org", "member"},
			Problems: []batch.Problem{{Code: batch.OutcomeUnknown, Message: "may exist at the vendor; the next run settles it"}}},
		{Line: 3, Status: batch.Adopted, Cells: []string{"had@x.org", "member"}},
		{Line: 4, Status: batch.Failed, Cells: []string{"no@x.org", "member"},
			Problems: []batch.Problem{{Code: "VENDOR_REJECTED", Message: "bad role"}}},
	}, nil)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(got), "no@x.org")
	assert.NotContains(t, string(got), "maybe@x.org")
	assert.NotContains(t, string(got), "had@x.org")
}
