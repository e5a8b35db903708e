package batch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// missingKeys are the keys of a day's missing list, in its order.
func (d *dayRun) missingKeys() []string {
	var out []string
	for _, p := range d.missing {
		out = append(out, p.Key)
	}
	return out
}

// TestDuplicateNeverBecomesAnUpdate: Alex Kim and Alexandra Kimball share
// one email. Day one creates Alex and refuses Alexandra as
// DUPLICATE_IN_FILE; her row, run back alone (the fix file), is another
// person on Alex's key: KEY_TAKEN, never "changed: firstName, lastName",
// and --update leaves Alex as he is. With identity: the identities decide;
// without, the names do (both differ: another person; one differs: a
// change, sent by --update).
func TestDuplicateNeverBecomesAnUpdate(t *testing.T) {
	for _, tt := range []struct {
		name string
		mp   *schema.Mapping
	}{{"by names", nil}, {"by identity", &schema.Mapping{Identity: "Employee ID"}}} {
		t.Run(tt.name, func(t *testing.T) {
			v := newVendorRun(t, "smartapp", sim.Options{})
			st := openState(t)
			alex := smartappRow("E6", "Alex", "Kim", "alex@acme.test", "555-0106")
			alexandra := smartappRow("E7", "Alexandra", "Kimball", "alex@acme.test", "555-0107")
			day1 := v.runDay(t, st, smartappHead+alex+alexandra, tt.mp, false)
			require.Equal(t, batch.Created, day1.byLine(t, 2).Status)
			require.Equal(t, batch.Invalid, day1.byLine(t, 3).Status)
			assert.Equal(t, "DUPLICATE_IN_FILE", day1.byLine(t, 3).Problems[0].Code)
			alexID := day1.byLine(t, 2).ID

			fix := v.runDayWith(t, st, smartappHead+alexandra, tt.mp, batch.RunOptions{Update: true, NoMissing: batch.NoMissingFixFile})
			o := fix.byLine(t, 2)
			assert.Equal(t, batch.Conflict, o.Status, "%+v", o)
			require.Len(t, o.Problems, 1)
			assert.Equal(t, batch.KeyTaken, o.Problems[0].Code)
			assert.Contains(t, o.Problems[0].Message, "vendor ID "+alexID)
			if tt.mp == nil {
				assert.Contains(t, o.Problems[0].Message, "firstName and lastName both differ from theirs")
			} else {
				assert.Contains(t, o.Problems[0].Message, "belongs to identity E6")
			}
			assert.Empty(t, o.Changed, "another person is no change")
			assert.Zero(t, fix.sum.Changed)
			assert.Zero(t, fix.sum.ByStatus[batch.Updated])
			u, ok := v.sim.Store.ByID(alexID)
			require.True(t, ok)
			assert.Equal(t, "Alex", u.Fields["firstName"], "the vendor's Alex Kim is not renamed")
			assert.Equal(t, "Kim", u.Fields["lastName"])

			// Alex himself, one name changed (a marriage), is a change:
			// --update sends it to Alex, the person the key belongs to.
			renamed := smartappRow("E6", "Alex", "Kim-Park", "alex@acme.test", "555-0106")
			day3 := v.runDay(t, st, smartappHead+renamed, tt.mp, true)
			o = day3.byLine(t, 2)
			assert.Equal(t, batch.Updated, o.Status, "%+v", o)
			assert.Equal(t, []string{"lastName"}, o.Changed)
			u, _ = v.sim.Store.ByID(alexID)
			assert.Equal(t, "Kim-Park", u.Fields["lastName"])
			assert.Equal(t, 1, v.sim.Store.Len())
		})
	}
}

// TestFixFileAndPartialListNobodyMissing: a fix file (onboard's own
// columns) or a --partial file holds some people, not the roster: no
// Missing list, the Summary says why, and nobody is marked listed, so the
// next whole roster still lists a leaver once.
func TestFixFileAndPartialListNobodyMissing(t *testing.T) {
	assert.True(t, batch.IsFixFile([]string{"Email", "First", "onboard_row", "onboard_error"}))
	assert.True(t, batch.IsFixFile([]string{"Email", " Onboard_Error "}))
	assert.False(t, batch.IsFixFile([]string{"Email", "onboard"}))

	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	ann := smartappRow("E1", "Ann", "Lee", "ann@acme.test", "")
	bob := smartappRow("E2", "Bob", "Ray", "bob@acme.test", "")
	v.runDay(t, st, smartappHead+ann+bob, nil, false)
	for _, why := range []string{batch.NoMissingFixFile, batch.NoMissingPartial} {
		d := v.runDayWith(t, st, smartappHead+ann, nil, batch.RunOptions{NoMissing: why})
		assert.Empty(t, d.missing)
		assert.Zero(t, d.sum.Missing)
	}
	d := v.runDay(t, st, smartappHead+ann, nil, false)
	assert.Equal(t, []string{"email:bob@acme.test"}, d.missingKeys(), "Bob listed by the first whole roster without him")
}

// TestInvalidRowOfKnownPersonIsSeen: an onboarded person whose row is
// invalid today, even in the key itself, is a person seen (found by
// identity), not missing.
func TestInvalidRowOfKnownPersonIsSeen(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	mp := &schema.Mapping{Identity: "Employee ID"}
	v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "")+
		smartappRow("E3", "Cy", "Day", "cy@acme.test", ""), mp, false)
	d := v.runDay(t, st, smartappHead+
		smartappRow("E1", "", "Lee", "ann@acme.test", "")+ // no first name
		smartappRow("E2", "Bob", "Ray", "bob@", ""), mp, false) // the key itself is invalid
	require.Equal(t, batch.Invalid, d.byLine(t, 2).Status)
	require.Equal(t, batch.Invalid, d.byLine(t, 3).Status)
	assert.Equal(t, []string{"email:cy@acme.test"}, d.missingKeys(), "Ann and Bob are in the file")
}

// TestThirtyNightsAtOnePercentChurn: 200 people, and every night two leave
// and two join. Each night lists exactly that night's leavers, once; the
// earlier ones are counted as still missing, never listed again; a leaver
// who comes back is seen and no longer counted.
func TestThirtyNightsAtOnePercentChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("30 runs against the simulator")
	}
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	row := func(i int) string {
		return smartappRow(fmt.Sprintf("E%d", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i), fmt.Sprintf("p%d@acme.test", i), "")
	}
	key := func(i int) string { return fmt.Sprintf("email:p%d@acme.test", i) }
	const size = 200
	active := make([]int, size)
	for i := range active {
		active[i] = i
	}
	next := size
	roster := func() string {
		var b strings.Builder
		b.WriteString(smartappHead)
		for _, i := range active {
			b.WriteString(row(i))
		}
		return b.String()
	}
	day := v.runDay(t, st, roster(), nil, false)
	require.Equal(t, size, day.sum.ByStatus[batch.Created])
	var gone []int
	for night := 1; night <= 30; night++ {
		leavers := []int{active[0], active[1]}
		active = append(active[2:], next, next+1)
		next += 2
		if night == 20 {
			// The first night's first leaver comes back.
			active = append(active, gone[0])
			gone = gone[1:]
		}
		day := v.runDay(t, st, roster(), nil, false)
		want := []string{key(leavers[0]), key(leavers[1])}
		assert.ElementsMatch(t, want, day.missingKeys(), "night %d lists its own leavers only", night)
		assert.Equal(t, 2, day.sum.Missing, "night %d", night)
		assert.Equal(t, len(gone), day.sum.StillMissing, "night %d: the earlier leavers, counted", night)
		assert.Equal(t, 2, day.sum.ByStatus[batch.Created], "night %d", night)
		assert.Equal(t, len(active)-2, day.sum.ByStatus[batch.Skipped], "night %d", night)
		gone = append(gone, leavers...)
	}
	assert.Equal(t, 59, len(gone), "60 left over 30 nights, one came back")
}

// TestUpdateThatCannotBeSent: iSpring's update needs the login and the
// email; a person whose row has no email is skipped saying why, up front,
// and plan counts no call for them; one with both is updated.
func TestUpdateThatCannotBeSent(t *testing.T) {
	v := newVendorRun(t, "ispring", sim.Options{})
	st := openState(t)
	head := "login,email,first_name,last_name,departmentId\n"
	dept := "6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7"
	v.runDay(t, st, head+
		"ann,,Ann,Lee,"+dept+"\n"+
		"bob,bob@acme.test,Bob,Ray,"+dept+"\n", nil, false)
	d := v.runDay(t, st, head+
		"ann,,Ann,Lee-Park,"+dept+"\n"+
		"bob,bob@acme.test,Bob,Ray-Park,"+dept+"\n", nil, true)
	ann := d.byLine(t, 2)
	assert.Equal(t, batch.Skipped, ann.Status, "%+v", ann)
	assert.Equal(t, []string{"last_name"}, ann.Changed)
	assert.Contains(t, ann.Problems[0].Message, "not updated: iSpring's update call needs the person's login and email, and this row has no email")
	assert.Equal(t, batch.Updated, d.byLine(t, 3).Status, "%+v", d.byLine(t, 3))
	assert.Zero(t, d.sum.ByStatus[batch.Failed], "nothing the vendor refuses is sent")

	// plan: Ann changes again; only Bob's update is a call.
	est, sum, outs := v.planDay(t, st, head+
		"ann,,Ann,Lee-Kim,"+dept+"\n"+
		"bob,bob@acme.test,Bob,Ray-Kim,"+dept+"\n")
	assert.Equal(t, 2, sum.ByStatus[batch.PlanChanged])
	assert.Equal(t, 1, est.Calls, "only the update that can be sent")
	assert.Contains(t, outs[0].Problems[0].Message, "cannot send it")
	assert.Contains(t, outs[1].Problems[0].Message, "sends last_name")
}

// planDay plans csv against v's vendor and st with --update, offline.
func (v *vendorRun) planDay(t *testing.T, st *state.Store, csv string) (batch.PlanEstimate, *batch.Summary, []batch.Outcome) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, []byte(csv), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(v.reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	up, ok := v.client.(providers.Updater)
	require.True(t, ok)
	sink := &memSink{}
	sum := batch.NewSummary("plan", v.reg.ID, p)
	opt := batch.PlanOptions{State: st, Scope: v.scope, Update: true, Updater: up, Submit: submit.Options{Workers: 2, Retries: -1}}
	est, err := batch.Plan(context.Background(), r, v.reg.Schema, m, sink, sum, opt)
	require.NoError(t, err)
	return est, sum, sink.out
}
