package reports

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
)

func planOutcomes() []batch.Outcome {
	return []batch.Outcome{
		{Line: 2, Status: batch.PlanCreate, Attempts: 1, Cells: []string{"ann@x.org", "Ann", "hunter2", "member", ""}},
		{Line: 3, Status: batch.PlanAlreadyOnboarded, ID: "u-1", Cells: []string{"bob@x.org", "Bob", "", "member", ""},
			Problems: []batch.Problem{{Code: "ALREADY_ONBOARDED", Message: "created by run 1 on 2025-01-02"}}},
		{Line: 4, Status: batch.PlanExistsAtVendor, ID: "v-9", Attempts: 1, Cells: []string{"cy@x.org", "=Cy", "", "admin", ""},
			Problems: []batch.Problem{{Code: "ALREADY_EXISTS", Message: "the vendor has this person (ID v-9); a run adopts them"}}},
		{Line: 5, Status: batch.Invalid, Cells: []string{"", "Dee", "", "boss", ""}, Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "is required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "must be one of admin, member, guest"}}},
	}
}

func TestPlanGolden(t *testing.T) {
	for _, name := range []string{"plan.csv", "plan.xlsx"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			est := &batch.PlanEstimate{}
			sink, err := NewPlan(path, rosterHeader, est, false)
			require.NoError(t, err)
			outs := planOutcomes()
			sum := summaryOf("plan", outs)
			*est = batch.PlanEstimate{Calls: 3, Lookups: 2, MeanLatency: 40 * time.Millisecond, Duration: 400 * time.Millisecond, Rate: 5, Workers: 4}
			writeAll(t, sink, outs, sum)
			checkFileGolden(t, path, name+".golden")
		})
	}
}

func TestPlanLines(t *testing.T) {
	outs := planOutcomes()
	sum := summaryOf("plan", outs)
	lines := PlanLines(sum, &batch.PlanEstimate{Calls: 3, Duration: 90 * time.Second, Rate: 5, Workers: 4, LookupFailures: 1})
	assert.Equal(t, []string{
		"plan: 4 rows read",
		"  create             1",
		"  already_onboarded  1",
		"  exists_at_vendor   1",
		"  conflict           0",
		"  changed            0",
		"  invalid            1",
		"a run would make 3 API calls: about 1m30s (rate 5/s, 4 workers)",
		"1 lookups failed: those rows are planned as create (see their message)",
	}, lines)
	assert.Equal(t, "unknown at an unlimited rate without lookups (the vendor's answer time decides)",
		EstimateWords(&batch.PlanEstimate{Calls: 3}))
	assert.Equal(t, "nothing to send", EstimateWords(&batch.PlanEstimate{}))
}
