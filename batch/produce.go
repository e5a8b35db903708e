package batch

import (
	"context"
	"errors"
	"io"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// chunk is how many rows travel together between stages: channel costs are
// paid per chunk, not per row.
const chunk = 256

// item is one roster row after map and validate.
type item struct {
	seq      int
	line     int
	cells    []string // masked
	rec      schema.Record
	key      string
	problems []Problem
	warnings []Problem
}

func (it *item) valid() bool { return len(it.problems) == 0 }

// readChunks reads rows in chunks on its own goroutine so that parsing and
// validation overlap. It closes out when the file ends or fails.
func readChunks(ctx context.Context, r read.Reader, size int, out chan<- []read.Row) error {
	defer close(out)
	buf := make([]read.Row, 0, size)
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		buf = append(buf, row)
		if len(buf) == size {
			select {
			case out <- buf:
			case <-ctx.Done():
				return ctx.Err()
			}
			buf = make([]read.Row, 0, size)
		}
	}
	if len(buf) > 0 {
		select {
		case out <- buf:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// validator maps and validates rows in order, flagging duplicates inside
// the file.
type validator struct {
	s     *schema.Schema
	m     *schema.Mapper
	dedup *schema.Dedup
	seq   int
}

func newValidator(s *schema.Schema, m *schema.Mapper) *validator {
	return &validator{s: s, m: m, dedup: schema.NewDedup(s)}
}

func (v *validator) item(row read.Row) item {
	rec, errs := v.m.Map(row.Cells)
	errs = rowProblems(row, errs)
	if !schema.Failed(errs) {
		errs = append(errs, v.dedup.Check(rec, row.Line)...)
	}
	it := item{seq: v.seq, line: row.Line, cells: v.m.Mask(row.Cells), rec: rec}
	v.seq++
	it.problems, it.warnings = problems(errs)
	if it.valid() {
		it.key = v.s.KeyOf(rec)
	}
	return it
}

// rowProblems adds what the reader found wrong with the row as a whole
// (values beyond the last column) to its field errors.
func rowProblems(row read.Row, errs []schema.FieldError) []schema.FieldError {
	if row.Malformed == "" {
		return errs
	}
	return append([]schema.FieldError{{Code: schema.MalformedRow, Message: row.Malformed}}, errs...)
}

// problems turns validation errors into report problems and warnings;
// nil for none.
func problems(errs []schema.FieldError) (probs, warns []Problem) {
	for _, e := range errs {
		p := Problem{Code: string(e.Code), Field: e.Field, Message: e.Message}
		if e.Warning {
			warns = append(warns, p)
		} else {
			probs = append(probs, p)
		}
	}
	return probs, warns
}
