package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/schema"
)

var orderSchema = &schema.Schema{Provider: "test", Key: []string{"email"}, Fields: []schema.Field{
	{Name: "email", Type: schema.String, Required: true, Check: schema.CheckEmail},
	{Name: "name", Type: schema.String},
}}

// outSink keeps outcomes in the order they are written.
type outSink struct{ out []Outcome }

func (s *outSink) Write(o Outcome) error { s.out = append(s.out, o); return nil }
func (s *outSink) Close(*Summary) error  { return nil }
func (s *outSink) lines() (l []int)      { return lineNumbers(s.out) }
func lineNumbers(outs []Outcome) (l []int) { // in the order written
	for _, o := range outs {
		l = append(l, o.Line)
	}
	return l
}

// orderRoster writes rows people over several plan chunks: every 97th
// email is malformed, and every 131st row (from row 300 on) repeats the
// email of the row 300 rows before it, in an earlier chunk.
func orderRoster(t *testing.T, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email,name\n")
	email := func(i int) string { return fmt.Sprintf("u%d@x.org", i) }
	for i := range rows {
		e := email(i)
		switch {
		case i%97 == 5:
			e = "not-an-email"
		case i >= 300 && i%131 == 0:
			e = email(i - 300)
		}
		fmt.Fprintf(&b, "%s,Person %d\n", e, i)
	}
	p := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p
}

func planPath(t *testing.T, path string, st state.Ledger) ([]Outcome, error) {
	t.Helper()
	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(orderSchema, r.Header(), nil)
	require.NoError(t, err)
	sink := &outSink{}
	_, err = Plan(context.Background(), r, orderSchema, m, sink, NewSummary("plan", "test", path), PlanOptions{State: st, Scope: state.Scope{Provider: "test", BaseURL: "https://vendor.test"}})
	return sink.out, err
}

// The plan maps its chunks on several workers and finds duplicates in
// roster order after: its invalid rows, and why, are validate's, a
// duplicate of a row chunks earlier included, and its rows come in roster
// order.
func TestPlanChunksAgreeWithValidate(t *testing.T) {
	const rows = 6*planChunk + 17
	path := orderRoster(t, rows)
	got, err := planPath(t, path, nil)
	require.NoError(t, err)

	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(orderSchema, r.Header(), nil)
	require.NoError(t, err)
	want := &outSink{}
	require.NoError(t, Validate(context.Background(), r, orderSchema, m, want, NewSummary("validate", "test", path), nil))

	require.Len(t, got, rows)
	require.Equal(t, want.lines(), lineNumbers(got))
	dups := 0
	for i, o := range got {
		w := want.out[i]
		assert.Equal(t, w.Status == Invalid, o.Status == Invalid, "row %d", o.Line)
		assert.Equal(t, w.Problems, o.Problems, "row %d", o.Line)
		if o.Status != Invalid {
			assert.Equal(t, PlanCreate, o.Status, "row %d", o.Line)
		}
		if slices.ContainsFunc(o.Problems, func(p Problem) bool { return p.Code == string(schema.DuplicateInFile) }) {
			dups++
		}
	}
	assert.Greater(t, dups, 5, "duplicates of rows in earlier chunks")
}

// failingGet is a store whose Get fails for one key.
type failingGet struct {
	state.Ledger
	bad string
}

func (f failingGet) Get(sc state.Scope, keys []string) (map[string]state.Person, error) {
	if slices.Contains(keys, f.bad) {
		return nil, errors.New("disk I/O error")
	}
	return f.Ledger.Get(sc, keys)
}

// A store error stops the plan where one stage at a time stopped it: the
// chunks before the failing one are decided and written, none after,
// though the workers asked about later chunks meanwhile.
func TestPlanStopsAtTheStoresError(t *testing.T) {
	path := orderRoster(t, 8*planChunk)
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	require.NoError(t, err)
	defer st.Close()
	// Row 3*planChunk+10 of the roster is in the fourth chunk.
	bad := fmt.Sprintf("email:u%d@x.org", 3*planChunk+10)
	got, err := planPath(t, path, failingGet{Ledger: st, bad: bad})
	require.ErrorContains(t, err, "state store: disk I/O error")
	require.Len(t, got, 3*planChunk)
	for i, o := range got {
		require.Equal(t, i+2, o.Line) // the header is line 1
	}
}
