package batch_test

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/providers/sim"
)

// TestUpdateChangedPeople covers the three vendors with an update call: a
// person whose values changed is reported as changed without --update, and
// with it gets only the changed fields the call takes, through the
// vendor's update (status updated); the next run finds nothing changed.
func TestUpdateChangedPeople(t *testing.T) {
	tests := []struct {
		id      string
		cells   map[int]string    // roster column → new value, on the first row
		sent    map[string]string // vendor field → value the simulator must hold
		notSent []string          // changed, but not taken by the update call
	}{
		{id: "smartapp", cells: map[int]string{2: "Carr-Smith", 4: "555-999-0000"},
			sent: map[string]string{"lastName": "Carr-Smith", "phone": "555-999-0000"}},
		{id: "smarterproctoring", cells: map[int]string{2: "Lee-Park", 5: "+1 480 555 9999", 10: "HR-99999"},
			sent: map[string]string{"lastName": "Lee-Park", "mobilePhone": "+1 480 555 9999"}, notSent: []string{"exernalId"}},
		{id: "ispring", cells: map[int]string{2: "Smith-Jones", 4: "+1 206 555 9999"},
			sent: map[string]string{"last_name": "Smith-Jones", "phone": "+1 206 555 9999"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			v := newVendorRun(t, tt.id, sim.Options{})
			st := openState(t)
			b, err := os.ReadFile(v.roster)
			require.NoError(t, err)
			day1 := v.runDay(t, st, string(b), nil, false)
			first := day1.byLine(t, 2)
			require.Equal(t, batch.Created, first.Status, "%+v", first)
			created := v.sim.Store.Len()

			rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
			require.NoError(t, err)
			for col, val := range tt.cells {
				rows[1][col] = val
			}
			var sb strings.Builder
			w := csv.NewWriter(&sb)
			require.NoError(t, w.WriteAll(rows))
			changed := sb.String()

			day2 := v.runDay(t, st, changed, nil, false)
			o := day2.byLine(t, 2)
			assert.Equal(t, batch.Skipped, o.Status)
			for f := range tt.sent {
				assert.Contains(t, o.Changed, f)
			}
			assert.Contains(t, o.Problems[0].Message, "changed since run 1: ")
			assert.Contains(t, o.Problems[0].Message, "run with --update")
			assert.Equal(t, 1, day2.sum.Changed, "only the first row changed")
			assert.Empty(t, v.sim.Store.Updates())

			day3 := v.runDay(t, st, changed, nil, true)
			o = day3.byLine(t, 2)
			require.Equal(t, batch.Updated, o.Status, "%+v", o)
			assert.Equal(t, first.ID, o.ID)
			assert.Equal(t, 1, o.Attempts)
			for _, f := range tt.notSent {
				assert.Contains(t, o.Note, f, "named as not sent")
			}
			assert.Equal(t, map[string]int{first.ID: 1}, v.sim.Store.Updates())
			u, ok := v.sim.Store.ByID(first.ID)
			require.True(t, ok)
			for f, want := range tt.sent {
				assert.Equal(t, want, u.Fields[f], "%s at the vendor", f)
			}
			assert.Equal(t, created, v.sim.Store.Len(), "nobody created")
			for _, other := range day3.out[1:] {
				assert.NotEqual(t, batch.Updated, other.Status, "row %d did not change", other.Line)
			}

			day4 := v.runDay(t, st, changed, nil, true)
			o = day4.byLine(t, 2)
			assert.Equal(t, batch.Skipped, o.Status)
			assert.Equal(t, tt.notSent, nilIfEmpty(o.Changed), "what the call could not take is still reported")
			assert.Len(t, v.sim.Store.Updates(), 1)
			assert.Equal(t, 1, v.sim.Store.Updates()[first.ID], "no second update")
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
