package batch_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// missingSink is a memSink that also lists missing people.
type missingSink struct {
	memSink
	missing []batch.MissingPerson
	calls   int
}

func (m *missingSink) WriteMissing(list func(fn func(batch.MissingPerson) error) (int, error)) error {
	m.calls++
	_, err := list(func(p batch.MissingPerson) error {
		m.missing = append(m.missing, p)
		return nil
	})
	return err
}

// dayRun is one run of a day-two test: its rows, summary and missing list.
type dayRun struct {
	out     []batch.Outcome
	sum     *batch.Summary
	missing []batch.MissingPerson
	runID   int64
}

// byLine finds the outcome of a roster row.
func (d *dayRun) byLine(t *testing.T, line int) batch.Outcome {
	t.Helper()
	for _, o := range d.out {
		if o.Line == line {
			return o
		}
	}
	t.Fatalf("no outcome for row %d", line)
	return batch.Outcome{}
}

// runDay writes csv to a file and runs it against v with st, the mapping
// and --update as given.
func (v *vendorRun) runDay(t *testing.T, st *state.Store, csv string, mp *schema.Mapping, update bool) *dayRun {
	t.Helper()
	return v.runDayWith(t, st, csv, mp, batch.RunOptions{Update: update})
}

// runDayWith is runDay with the day-two options of ro (Update, NoMissing,
// MissingSince); like cmd, it marks the missing people listed once the
// list is written.
func (v *vendorRun) runDayWith(t *testing.T, st *state.Store, csv string, mp *schema.Mapping, ro batch.RunOptions) *dayRun {
	t.Helper()
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, []byte(csv), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(v.reg.Schema, r.Header(), mp)
	require.NoError(t, err)
	runID, err := st.BeginRun(p, "hash", v.scope)
	require.NoError(t, err)
	ro.Submit, ro.State, ro.Scope, ro.RunID = submit.Options{Workers: 2}, st, v.scope, runID
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sink := &missingSink{}
	sum := batch.NewSummary("run", v.reg.ID, p)
	require.NoError(t, batch.Run(ctx, r, v.reg.Schema, m, v.client, sink, sum, ro))
	if sum.MissingChecked {
		require.NoError(t, st.MarkMissing(v.scope, sum.MissingSince, runID))
	}
	require.NoError(t, st.EndRun(runID, state.Counts{}, state.RunDone))
	if ro.NoMissing == "" {
		require.Equal(t, 1, sink.calls, "the missing list is written once per run with a state store")
	} else {
		require.Zero(t, sink.calls, "no missing list: %s", ro.NoMissing)
		require.False(t, sum.MissingChecked)
		require.Equal(t, ro.NoMissing, sum.MissingNote)
	}
	return &dayRun{out: sink.out, sum: sum, missing: sink.missing, runID: runID}
}

const smartappHead = "Employee ID,firstName,lastName,email,phone,companyName,companyLocationName\n"

func smartappRow(id, first, last, email, phone string) string {
	return strings.Join([]string{id, first, last, email, phone, "Acme Corp", "Boston"}, ",") + "\n"
}

// TestIdentityAcrossRuns: Bob's email changes between two runs on one
// state file; he is not created twice but refused as IDENTITY_CHANGED,
// naming his old key, vendor ID and run. A new employee who takes Ann's
// email is refused as KEY_TAKEN.
func TestIdentityAcrossRuns(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	mp := &schema.Mapping{Identity: "Employee ID"}
	day1 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "555-0102"), mp, false)
	require.Equal(t, 2, day1.sum.ByStatus[batch.Created], "%+v", day1.out)
	bobID := day1.byLine(t, 3).ID
	require.Equal(t, 2, v.sim.Store.Len())

	day2 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102")+
		smartappRow("E9", "Ann", "Other", "ann@acme.test", "555-0199"), mp, false)
	assert.Equal(t, batch.Skipped, day2.byLine(t, 2).Status)

	bob := day2.byLine(t, 3)
	assert.Equal(t, batch.Conflict, bob.Status)
	require.Len(t, bob.Problems, 1)
	assert.Equal(t, batch.IdentityChanged, bob.Problems[0].Code)
	assert.Contains(t, bob.Problems[0].Message, "email:bob@acme.test")
	assert.Contains(t, bob.Problems[0].Message, "vendor ID "+bobID)
	assert.Contains(t, bob.Problems[0].Message, "created by run 1")

	// Row 4 repeats Ann's email in the file, so the file's own duplicate
	// check refuses it before the store is asked.
	assert.Equal(t, batch.Invalid, day2.byLine(t, 4).Status)
	assert.Equal(t, 2, v.sim.Store.Len(), "nobody created twice")
	assert.Empty(t, day2.missing, "Bob's old key stands for a person in today's file")

	// Another day: Ann's email now arrives with a new employee ID.
	day3 := v.runDay(t, st, smartappHead+smartappRow("E9", "Ann", "Other", "ann@acme.test", "555-0199"), mp, false)
	ann := day3.byLine(t, 2)
	assert.Equal(t, batch.Conflict, ann.Status)
	require.Len(t, ann.Problems, 1)
	assert.Equal(t, batch.KeyTaken, ann.Problems[0].Code)
	assert.Contains(t, ann.Problems[0].Message, "identity E1")
	assert.Equal(t, 2, v.sim.Store.Len())

	// Without identity: people stay keyed on the vendor key, so Bob's new
	// email is a new person.
	day4 := v.runDay(t, st, smartappHead+smartappRow("E2", "Bob", "Ray", "bob.ray@acme.test", "555-0102"), nil, false)
	assert.Equal(t, batch.Created, day4.byLine(t, 2).Status)
}

// TestIdentityWithinOneFile: one identity on two rows with two emails is
// one person: the second row is refused.
func TestIdentityWithinOneFile(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	day := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "")+
		smartappRow("E1", "Ann", "Lee", "ann.lee@acme.test", ""), &schema.Mapping{Identity: "Employee ID"}, false)
	assert.Equal(t, batch.Created, day.byLine(t, 2).Status)
	second := day.byLine(t, 3)
	assert.Equal(t, batch.Conflict, second.Status)
	assert.Equal(t, batch.IdentityChanged, second.Problems[0].Code)
	assert.Equal(t, 1, v.sim.Store.Len())
}

// TestChangedPeople: a person skipped as ALREADY_ONBOARDED whose values
// changed says which ones and since which run; the Summary counts them.
func TestChangedPeople(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "555-0102"), nil, false)
	day2 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Rae", "bob@acme.test", "555-0999"), nil, false)
	ann := day2.byLine(t, 2)
	assert.Equal(t, batch.Skipped, ann.Status)
	assert.Empty(t, ann.Changed)
	assert.NotContains(t, ann.Problems[0].Message, "changed")
	bob := day2.byLine(t, 3)
	assert.Equal(t, batch.Skipped, bob.Status)
	assert.Equal(t, []string{"lastName", "phone"}, bob.Changed)
	assert.Contains(t, bob.Problems[0].Message, "changed since run 1: lastName, phone")
	assert.Equal(t, 1, day2.sum.Changed)
}

// TestMissingPeople: people the store knows that today's file does not
// hold are listed (key order, with vendor ID and identity) and counted;
// skipped, invalid and conflicting rows all count as present; nothing is
// deactivated.
func TestMissingPeople(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	mp := &schema.Mapping{Identity: "Employee ID"}
	day1 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "")+
		smartappRow("E3", "Cy", "Day", "cy@acme.test", "")+
		smartappRow("E4", "Di", "Fox", "di@acme.test", ""), mp, false)
	require.Equal(t, 4, day1.sum.ByStatus[batch.Created])
	assert.Empty(t, day1.missing)
	assert.True(t, day1.sum.MissingChecked)

	// Ann skipped, Bob under a new email (conflict), Cy invalid today, Di gone.
	day2 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "")+
		smartappRow("E2", "Bob", "Ray", "bob.ray@acme.test", "")+
		"E3,,Day,cy@acme.test,,Acme Corp,Boston\n", mp, false)
	require.Equal(t, batch.Conflict, day2.byLine(t, 3).Status)
	require.Equal(t, batch.Invalid, day2.byLine(t, 4).Status, "no first name")
	require.Len(t, day2.missing, 1, "%+v", day2.missing)
	di := day2.missing[0]
	assert.Equal(t, "email:di@acme.test", di.Key)
	assert.Equal(t, "E4", di.Identity)
	assert.Equal(t, day1.byLine(t, 5).ID, di.VendorID)
	assert.Equal(t, int64(1), di.CreatedRun)
	assert.Equal(t, 1, day2.sum.Missing)
	assert.Equal(t, 4, v.sim.Store.Len(), "nothing deleted")

	// Last-seen moved for the people in the file, not for Di (Lookup
	// reads the newest sightings; Get the people rows, see state.Person).
	annNow, diNow := lookupOne(t, st, "email:ann@acme.test"), lookupOne(t, st, "email:di@acme.test")
	assert.Equal(t, day2.runID, annNow.SeenRun)
	assert.True(t, annNow.LastSeen.After(diNow.LastSeen))
}

// lookupOne is the one person st holds under key, as lookup reads them.
func lookupOne(t *testing.T, st state.Ledger, key string) state.Person {
	t.Helper()
	found, err := st.Lookup(key)
	require.NoError(t, err)
	require.Len(t, found, 1, key)
	return found[0]
}

// TestBaselineOnRerun: a person the store holds without identity or
// digests (created before they were kept) takes today's on the next run
// that skips them, and a change after that is seen; a person who has them
// keeps their own, so a changed row still reads as changed.
func TestBaselineOnRerun(t *testing.T) {
	v := newVendorRun(t, "smartapp", sim.Options{})
	st := openState(t)
	mp := &schema.Mapping{Identity: "Employee ID"}
	day1 := v.runDay(t, st, smartappHead+smartappRow("E2", "Bob", "Ray", "bob@acme.test", "555-0102"), mp, false)
	require.Equal(t, 1, day1.sum.ByStatus[batch.Created], "%+v", day1.out)

	// Ann, as an older onboard left her: created, no identity, no digests.
	old, err := st.BeginRun("old.csv", "h0", v.scope)
	require.NoError(t, err)
	require.NoError(t, st.MarkInFlight(v.scope, old, []string{"email:ann@acme.test"}))
	require.NoError(t, st.Record(v.scope, old, []state.Outcome{{Key: "email:ann@acme.test", Status: state.StatusCreated, VendorID: "V-ANN"}}))
	require.NoError(t, st.EndRun(old, state.Counts{}, state.RunDone))

	day2 := v.runDay(t, st, smartappHead+
		smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0101")+
		smartappRow("E2", "Bob", "Ray", "bob@acme.test", "555-0199"), mp, false)
	assert.Equal(t, batch.Skipped, day2.byLine(t, 2).Status)
	assert.Empty(t, day2.byLine(t, 2).Changed, "no baseline yet: nothing to compare with")
	assert.Equal(t, []string{"phone"}, day2.byLine(t, 3).Changed, "Bob's own digests kept")
	ann, err := st.Get(v.scope, []string{"email:ann@acme.test"})
	require.NoError(t, err)
	assert.Equal(t, "E1", ann["email:ann@acme.test"].Identity, "identity taken on the skip")
	assert.NotEmpty(t, ann["email:ann@acme.test"].Digests, "digests taken as the baseline")
	assert.Equal(t, day2.runID, ann["email:ann@acme.test"].SeenRun)
	bob, err := st.Get(v.scope, []string{"email:bob@acme.test"})
	require.NoError(t, err)
	assert.Equal(t, day1.runID, bob["email:bob@acme.test"].DigestRun, "a person with digests keeps them")
	assert.Equal(t, day2.runID, lookupOne(t, st, "email:bob@acme.test").SeenRun, "and is stamped seen")

	day3 := v.runDay(t, st, smartappHead+smartappRow("E1", "Ann", "Lee", "ann@acme.test", "555-0777"), mp, false)
	assert.Equal(t, []string{"phone"}, day3.byLine(t, 2).Changed, "compared with the baseline")
}
