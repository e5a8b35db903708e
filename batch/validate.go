package batch

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// checked is one chunk after mapping: per row its masked cells, problems
// and unique-key values, ready for the in-order duplicate check.
type checked struct {
	n     int // chunk number, for the ordered merge
	rows  []read.Row
	cells [][]string
	probs [][]schema.FieldError
	keys  [][]string
}

// Validate is the dry run: every row is mapped and checked against s, and
// one Outcome per row (valid, or invalid with every failing field) goes to
// sink in roster order. No network call is made. Rows are mapped by one
// worker per CPU; duplicates are found and outcomes written in roster order
// by one goroutine. It returns the first reader or sink error; sum is
// filled either way.
func Validate(ctx context.Context, r read.Reader, s *schema.Schema, m *schema.Mapper, sink Sink, sum *Summary, progress func(*Summary)) error {
	g, ctx := errgroup.WithContext(ctx)
	rows := make(chan []read.Row, 4)
	numbered := make(chan checked, 4)
	mapped := make(chan checked, 4)
	g.Go(func() error { return readChunks(ctx, r, chunk, rows) })
	g.Go(func() error { // number the chunks so workers may finish out of order
		defer close(numbered)
		n := 0
		for c := range rows {
			select {
			case numbered <- checked{n: n, rows: c}:
			case <-ctx.Done():
				return ctx.Err()
			}
			n++
		}
		return nil
	})
	check := m.CheckOnly()
	workers := max(1, runtime.GOMAXPROCS(0))
	var mg errgroup.Group
	for range workers {
		mg.Go(func() error {
			rec := schema.Record{}
			for c := range numbered {
				c.cells = make([][]string, len(c.rows))
				c.probs = make([][]schema.FieldError, len(c.rows))
				c.keys = make([][]string, len(c.rows))
				for i, row := range c.rows {
					clear(rec)
					c.probs[i] = rowProblems(row, check.MapInto(rec, row.Cells))
					c.cells[i] = check.Mask(row.Cells)
					if len(c.probs[i]) == 0 {
						c.keys[i] = s.KeyValues(rec, nil)
					}
				}
				select {
				case mapped <- c:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(mapped)
		return mg.Wait()
	})
	g.Go(func() error {
		dedup := schema.NewDedup(s)
		waiting := map[int]checked{}
		next := 0
		for c := range mapped {
			waiting[c.n] = c
			for {
				c, ok := waiting[next]
				if !ok {
					break
				}
				delete(waiting, next)
				next++
				if err := writeChecked(c, dedup, sink, sum); err != nil {
					return err
				}
				if progress != nil {
					progress(sum)
				}
			}
		}
		return nil
	})
	err := g.Wait()
	sum.End = time.Now()
	return err
}

func writeChecked(c checked, dedup *schema.Dedup, sink Sink, sum *Summary) error {
	for i, row := range c.rows {
		errs := c.probs[i]
		if len(errs) == 0 {
			errs = dedup.CheckKeys(c.keys[i], row.Line)
		}
		o := Outcome{Line: row.Line, Cells: c.cells[i], Status: Valid, Problems: problems(errs)}
		if len(errs) > 0 {
			o.Status = Invalid
		}
		sum.Add(&o)
		if err := sink.Write(o); err != nil {
			return err
		}
	}
	return nil
}
