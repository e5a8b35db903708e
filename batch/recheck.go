package batch

import (
	"slices"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// Rechecker validates one row at a time as Validate does, for a caller
// that keeps the duplicate index itself: the page re-checks a corrected
// row and the rows whose duplicate status the correction can change,
// not the whole file. Check gives the row's own errors and its key
// values; Problems adds the duplicate errors (schema.DuplicateError) the
// caller found and splits them as Validate's outcomes do.
type Rechecker struct {
	check *schema.Mapper
	rows  *rowChecks
	nk    int
}

// NewRechecker returns a Rechecker for s and m.
func NewRechecker(s *schema.Schema, m *schema.Mapper) *Rechecker {
	return &Rechecker{check: m.CheckOnly(), rows: newRowChecks(m), nk: len(s.Key)}
}

// Check returns row's errors (duplicates aside), its key values in
// schema.Key order ("" when empty or when the row failed), and whether
// it failed: a failed row takes no part in the duplicate check.
func (c *Rechecker) Check(row read.Row) (errs []schema.FieldError, keys []string, failed bool) {
	cells := slices.Clone(row.Cells) // the check may undo a formula guard in place
	keys = make([]string, c.nk)
	row.Cells = cells
	errs = c.rows.add(row, c.check.Check(schema.Record{}, cells, keys))
	if schema.Failed(errs) {
		return errs, make([]string, c.nk), true
	}
	return errs, keys, false
}

// Problems splits a row's errors into problems and warnings as the
// outcomes of Validate carry them.
func Problems(errs []schema.FieldError) (probs, warns []Problem) { return problems(errs) }
