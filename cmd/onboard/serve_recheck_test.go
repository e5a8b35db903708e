package main

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
)

// verdict is what the grid shows of a validation.
type verdict struct {
	Probs   map[int][]batch.Problem
	Warns   map[int][]batch.Problem
	ByCode  map[string]int
	Invalid []int
}

func verdictOf(v *validation) verdict {
	return verdict{Probs: v.probs, Warns: v.warns, ByCode: v.byCode, Invalid: v.invalid}
}

// A corrected cell re-checks its row and the rows sharing its old or new
// key: after every edit of a series (duplicates made, undone, moved to
// another first row, a row failing its own checks and coming back), the
// page's verdict equals batch.Validate's over the whole corrected file.
func TestServeRecheckEqualsWholeFile(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	j := s.srv.jobs.get(id)
	const first, email = 1, 3 // First Name, E-mail
	edits := []struct {
		line, col int
		value     string
	}{
		{10, email, "other@acmelearning.example"},     // the file's duplicate (rows 2 and 10) undone
		{4, email, "ANANYA.rao@acmelearning.example"}, // a new one, case aside: row 4 repeats row 2
		{2, email, "x@acmelearning.example"},          // row 4 is first now: no duplicate
		{2, email, "ananya.rao@acmelearning.example"}, // row 4 repeats row 2 again
		{2, first, ""},                                 // row 2 fails its own checks: out of the index
		{2, first, "Ananya"},                           // and back
		{3, email, "trio@acmelearning.example"},        // three rows, one value: two duplicates
		{5, email, "trio@acmelearning.example"},        //
		{12, email, "TRIO@acmelearning.example"},       //
		{3, email, "vikram.iyer@acmelearning.example"}, // the first of three leaves: row 12 repeats row 5
		{5, email, "not-an-email"},                     // row 5 invalid: row 12 is alone
		{8, email, "vikram.iyer@acmelearning.example"}, // an invalid row's key takes no part
		{10, email, ""},                                // a missing value neither
		{4, email, "trio@acmelearning.example"},        // row 12 repeats row 4
	}
	dupCounts := map[int]bool{}
	for n, e := range edits {
		res := s.post(fmt.Sprintf("/jobs/%s/cell?line=%d&col=%d", id, e.line, e.col), url.Values{"value": {e.value}})
		require.Equal(t, http.StatusOK, res.StatusCode, body(t, res))
		j.mu.Lock()
		got := verdictOf(j.val)
		whole, err := j.validateAll()
		j.mu.Unlock()
		require.NoError(t, err)
		require.Equal(t, verdictOf(whole), got, "after edit %d (row %d col %d = %q)", n+1, e.line, e.col, e.value)
		dupCounts[got.ByCode["DUPLICATE_IN_FILE"]] = true
	}
	// The series made and undid duplicates: none, one, two at once.
	assert.True(t, dupCounts[0] && dupCounts[1] && dupCounts[2], "duplicate counts seen: %v", dupCounts)
}
