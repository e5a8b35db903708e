package batch

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// checked is one chunk after checking: per row its problems and its
// unique-key values (len(Schema.Key) per row, flat), ready for the
// in-order duplicate check. The rows' cells are masked in place.
type checked struct {
	n      int // chunk number, for the ordered merge
	rows   []read.Row
	probs  [][]schema.FieldError
	keys   []string
	hashes []uint64 // the duplicate index's hashes of keys, made on the workers
	enc    [][]byte // per row, the sink's Encoder's bytes (nil without one)
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
	// A file that goes bad part way ends the rows like the end of the file
	// does, so every row before it is checked and written; the error is
	// returned after.
	var readErr error
	// The duplicate index is made by the ordered stage at the size the
	// reader estimates once it has read the first chunk.
	var expect atomic.Int64
	g.Go(func() error {
		err := readChunks(ctx, r, 0, rows, func(first []read.Row) {
			expect.Store(int64(expectRows(r, sum.Input, first)))
		})
		if re := (*read.Error)(nil); errors.As(err, &re) {
			readErr = err
			return nil
		}
		return err
	})
	// Chunks between numbering and writing, at most: a worker the system
	// stops for a moment while the other goes on would otherwise leave
	// the other's chunks waiting, without bound, for its one.
	workers := max(1, runtime.GOMAXPROCS(0))
	inflight := make(chan struct{}, 2*workers+2)
	g.Go(func() error { // number the chunks so workers may finish out of order
		defer close(numbered)
		n := 0
		for c := range rows {
			select {
			case inflight <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
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
	// The index's hash seed is fixed now so that the workers can hash the
	// keys in parallel.
	hasher := schema.NewDedupSized(s, 0)
	rowChecks := newRowChecks(m)
	nk := len(s.Key)
	enc, _ := sink.(Encoder)
	var mg errgroup.Group
	for range workers {
		mg.Go(func() error {
			rec := schema.Record{} // only for schemas with cross-field rules
			for c := range numbered {
				// Per chunk, not per row: a valid row allocates nothing.
				c.probs = make([][]schema.FieldError, len(c.rows))
				c.keys = make([]string, len(c.rows)*nk)
				c.hashes = make([]uint64, 0, len(c.rows)*nk)
				for i, row := range c.rows {
					clear(rec)
					keys := c.keys[i*nk : (i+1)*nk]
					c.probs[i] = rowChecks.add(row, check.Check(rec, row.Cells, keys))
					c.hashes = hasher.Hashes(keys, c.hashes)
					check.MaskInPlace(row.Cells)
				}
				if enc != nil {
					c.enc = encodeChunk(enc, c.rows)
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
		var dedup *schema.Dedup
		return inOrder(mapped, func(c checked) int { return c.n }, func(c checked) error {
			if c.n == 0 {
				dedup = hasher.Sized(int(expect.Load()))
			}
			if err := writeChecked(c, dedup, sink, sum); err != nil {
				return err
			}
			<-inflight
			if progress != nil {
				progress(sum)
			}
			return nil
		})
	})
	err := g.Wait()
	sum.End = time.Now()
	if err == nil {
		err = readErr
	}
	return err
}

func writeChecked(c checked, dedup *schema.Dedup, sink Sink, sum *Summary) error {
	nk := len(dedup.Key())
	dedup.Warm(c.hashes)
	ks, _ := sink.(KeySink)
	valid := 0
	defer func() {
		if valid > 0 {
			sum.ByStatus[Valid] += valid
		}
	}()
	for i, row := range c.rows {
		errs := c.probs[i]
		if !schema.Failed(errs) {
			errs = append(errs, dedup.CheckHashed(c.keys[i*nk:(i+1)*nk], c.hashes[i*nk:(i+1)*nk], row.Line)...)
			if ks != nil {
				ks.Keys(row.Line, c.keys[i*nk:(i+1)*nk:(i+1)*nk])
			}
		}
		o := Outcome{Line: row.Line, Cells: row.Cells, Status: Valid}
		if c.enc != nil {
			o.Encoded = c.enc[i]
		}
		o.Problems, o.Warnings = problems(errs)
		if len(o.Problems) > 0 {
			o.Status = Invalid
		}
		if len(errs) == 0 {
			// What Add does for a valid row with nothing to say, without
			// a map update per row.
			sum.RowsRead++
			valid++
		} else {
			sum.Add(&o)
		}
		if err := sink.Write(o); err != nil {
			return err
		}
	}
	return nil
}

// encodeChunk encodes each row's cells into one buffer for the chunk.
func encodeChunk(enc Encoder, rows []read.Row) [][]byte {
	n := 0
	for _, row := range rows {
		for _, c := range row.Cells {
			n += len(c) + 1
		}
	}
	buf := make([]byte, 0, n+n/8) // room for quotes and guards: no regrowth
	out := make([][]byte, len(rows))
	for i, row := range rows {
		start := len(buf)
		buf = enc.Encode(buf, row.Cells)
		out[i] = buf[start:len(buf):len(buf)] // still right if buf regrew: bytes before are never rewritten
	}
	return out
}

// expectRows estimates the input's data rows from the first chunk, so the
// duplicate index is made at its final size instead of growing (and
// rehashing, the old and new tables both live) from empty: the reader's
// own estimate when it has one (an XLSX file's size is compressed), else
// the file's size over the bytes per row of the first chunk (cells,
// delimiters, line end). 0 when neither can say (a pipe).
func expectRows(r read.Reader, path string, first []read.Row) int {
	const most = 1 << 26
	if e, ok := r.(read.RowEstimator); ok {
		return min(e.EstimateRows(), most)
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || len(first) == 0 {
		return 0
	}
	var n int
	for _, r := range first {
		for _, c := range r.Cells {
			n += len(c) + 1
		}
	}
	perRow := max(1, n/len(first))
	return int(min(st.Size()/int64(perRow)+int64(len(first)), most))
}
