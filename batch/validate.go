package batch

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// Validate is the dry run: every row is mapped and checked against s, and
// one Outcome per row (valid, or invalid with every failing field) goes to
// sink in roster order. No network call is made. It returns the first
// reader or sink error; sum is filled either way.
func Validate(ctx context.Context, r read.Reader, s *schema.Schema, m *schema.Mapper, sink Sink, sum *Summary, progress func(*Summary)) error {
	g, ctx := errgroup.WithContext(ctx)
	rows := make(chan []read.Row, 4)
	g.Go(func() error { return readChunks(ctx, r, rows) })
	g.Go(func() error {
		v := newValidator(s, m)
		for batch := range rows {
			for _, row := range batch {
				it := v.item(row)
				o := Outcome{Line: it.line, Cells: it.cells, Status: Valid, Problems: it.problems}
				if !it.valid() {
					o.Status = Invalid
				}
				sum.Add(&o)
				if err := sink.Write(o); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(sum)
			}
		}
		return nil
	})
	err := g.Wait()
	sum.End = time.Now()
	return err
}
