package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
)

// TestReportDayTwo: the morning report carries the day-two counts; the
// missing ones are null when not checked, with the reason, and the text a
// webhook shows says them.
func TestReportDayTwo(t *testing.T) {
	s := batch.NewSummary("run", "smartapp", "roster.csv")
	s.ByStatus[batch.Updated], s.ByStatus[batch.Conflict], s.Changed = 2, 1, 3
	s.MissingChecked, s.Missing, s.StillMissing = true, 4, 7
	r := NewReport(s)
	r.Results = "out/results.csv"
	r.DayTwo(s)
	assert.Equal(t, 3, r.Changed)
	assert.Equal(t, 2, r.Updated)
	assert.Equal(t, 1, r.Conflict)
	require.NotNil(t, r.Missing)
	assert.Equal(t, 4, *r.Missing)
	assert.Equal(t, 7, *r.StillMissing)
	assert.Equal(t, "out/results-missing.csv", r.MissingList)
	assert.Contains(t, r.Text(), "day two: 3 changed, 2 updated, 1 conflict")
	assert.Contains(t, r.Text(), "missing: 4 newly missing (listed in out/results-missing.csv), 7 still missing (listed before)")
	assert.Contains(t, r.Next, "1 conflict (decide who the person is")

	x := batch.NewSummary("run", "smartapp", "fix.csv")
	x.MissingNote = "not checked: a fix file"
	r = NewReport(x)
	r.Results = "out/results.xlsx"
	r.DayTwo(x)
	assert.Nil(t, r.Missing)
	assert.Nil(t, r.StillMissing)
	assert.Empty(t, r.MissingList)
	assert.Contains(t, r.Text(), "missing: not checked: a fix file")

	four, one := 4, 1
	n := &Report{Kind: "night", Provider: "smartapp", File: "/srv/inbox", Missing: &four, StillMissing: &one,
		MissingList: "/srv/inbox/results/missing-20261207T020000Z.csv", Next: "check the 4 people"}
	assert.Equal(t, "onboard smartapp: the night's drop in /srv/inbox is complete\n"+
		"missing: 4 newly missing (listed in /srv/inbox/results/missing-20261207T020000Z.csv), 1 still missing (listed before)\n"+
		"next: check the 4 people", n.Text())
}
