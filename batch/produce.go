package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

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
	identity string // the mapping file's identity: column; "" for none
	// seenKey is the vendor key of an invalid row whose key still parsed:
	// the person is in today's file, so not missing.
	seenKey  string
	problems []Problem
	warnings []Problem
	conflict *conflict   // set by the dispatcher from the state store
	digests  rowDigests  // per-field digests of rec (no secrets), when the run keeps state
	update   *updatePlan // set when the row is sent as an --update
}

func (it *item) valid() bool { return len(it.problems) == 0 }

// readChunks reads rows in chunks on its own goroutine so that parsing and
// validation overlap. It closes out when the file ends or fails. Chunks
// are size rows; size 0 takes the reader's own (a read.RowsReader's
// blocks, a few hundred rows), else chunk.
// first, when set, is called with the first chunk before it is sent, on
// the reading goroutine.
func readChunks(ctx context.Context, r read.Reader, size int, out chan<- []read.Row, first func([]read.Row)) error {
	defer close(out)
	var buf []read.Row
	send := func() bool {
		if first != nil {
			first(buf)
			first = nil
		}
		select {
		case out <- buf:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if rr, ok := r.(read.RowsReader); ok && size <= 0 {
		// Chunks of the reader's own size, with no copy; the first of
		// chunk rows at least, as first may estimate from it.
		for {
			rows, err := rr.ReadRows()
			if err != nil {
				if len(buf) > 0 && !send() && errors.Is(err, io.EOF) {
					return ctx.Err()
				}
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if first != nil && len(buf)+len(rows) < chunk {
				buf = append(buf, rows...)
				continue
			}
			if len(buf) > 0 {
				rows = append(buf, rows...)
			}
			if buf = rows; !send() {
				return ctx.Err()
			}
			buf = nil
		}
	}
	if size <= 0 {
		size = chunk
	}
	buf = make([]read.Row, 0, size)
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(buf) > 0 { // the rows before a bad one still count
				send()
			}
			return err
		}
		buf = append(buf, row)
		if len(buf) == size {
			if !send() {
				return ctx.Err()
			}
			buf = make([]read.Row, 0, size)
		}
	}
	if len(buf) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// validator maps and validates rows in order, flagging duplicates inside
// the file.
type validator struct {
	s     *schema.Schema
	m     *schema.Mapper
	dedup *schema.Dedup
	rows  *rowChecks
	dig   *digester // when set, valid rows get their change digests
	seq   int
}

func newValidator(s *schema.Schema, m *schema.Mapper) *validator {
	return &validator{s: s, m: m, dedup: schema.NewDedup(s), rows: newRowChecks(m)}
}

// items maps and validates a chunk of rows in roster order. The
// duplicate check comes after the chunk is mapped: its index's slots are
// loaded for the whole chunk at once (Dedup.Warm), where a check a row
// waited for its cache miss alone.
func (v *validator) items(rows []read.Row) []item {
	nk := len(v.s.Key)
	items := make([]item, len(rows))
	errs := make([][]schema.FieldError, len(rows))
	keys := make([]string, 0, len(rows)*nk)
	hashes := make([]uint64, 0, len(rows)*nk)
	for i, row := range rows {
		rec, e := v.m.Map(row.Cells)
		e = v.rows.add(row, e)
		errs[i] = e
		items[i] = item{line: row.Line, cells: v.m.Mask(row.Cells), rec: rec, identity: v.m.Identity(row.Cells)}
		if !schema.Failed(e) {
			keys = v.s.KeyValues(rec, keys)
			hashes = v.dedup.Hashes(keys[len(keys)-nk:], hashes)
		}
	}
	v.dedup.Warm(hashes)
	var hexes strings.Builder // the chunk's change digests, one string
	var spans [][3]int        // item, start, end in hexes
	if v.dig != nil {
		hexes.Grow(len(rows) * v.dig.rowLen())
		spans = make([][3]int, 0, len(rows))
	}
	k := 0
	for i := range items {
		it, e := &items[i], errs[i]
		if !schema.Failed(e) {
			e = append(e, v.dedup.CheckHashed(keys[k:k+nk], hashes[k:k+nk], it.line)...)
			k += nk
		}
		it.seq = v.seq
		v.seq++
		it.problems, it.warnings = problems(e)
		if it.valid() {
			it.key = v.s.KeyOf(it.rec)
			if v.dig != nil && it.key != "" {
				start := hexes.Len()
				v.dig.writeRowDigests(&hexes, it.rec)
				spans = append(spans, [3]int{i, start, hexes.Len()})
			}
		} else {
			it.seenKey = v.s.KeyOf(it.rec)
		}
	}
	all := hexes.String()
	for _, sp := range spans {
		items[sp[0]].digests = rowDigests{hex: all[sp[1]:sp[2]], made: true}
	}
	return items
}

// rowChecks adds what the reader found about a row as a whole to its
// field errors: values beyond the last column (MALFORMED_ROW), and cells
// holding a formula with no saved result (FORMULA_NO_VALUE: an error in
// place of a required field's MISSING_REQUIRED, else a warning).
type rowChecks struct {
	header   []string
	fieldsOf map[int][]string // roster column → the fields read from it
}

func newRowChecks(m *schema.Mapper) *rowChecks {
	rc := &rowChecks{header: m.Header(), fieldsOf: map[int][]string{}}
	for field, cols := range m.FieldColumns() {
		for _, c := range cols {
			rc.fieldsOf[c] = append(rc.fieldsOf[c], field)
		}
	}
	for _, fields := range rc.fieldsOf {
		slices.Sort(fields)
	}
	return rc
}

func (rc *rowChecks) add(row read.Row, errs []schema.FieldError) []schema.FieldError {
	if row.Malformed == "" && len(row.Formulas) == 0 && len(row.Merged) == 0 {
		return errs
	}
	for _, m := range row.Merged {
		for _, field := range rc.fieldsOf[m.Col] {
			for i := range errs {
				if errs[i].Field == field && errs[i].Code == schema.MissingRequired {
					errs[i].Message += fmt.Sprintf(" (cell %s is inside the merged range %s, whose value is in %s only: unmerge the cells and fill in each row)", m.Cell, m.Range, m.First)
				}
			}
		}
	}
	if row.Malformed != "" {
		errs = append([]schema.FieldError{{Code: schema.MalformedRow, Message: row.Malformed}}, errs...)
	}
	for _, f := range row.Formulas {
		name := fmt.Sprintf("cell %s", f.Cell)
		if f.Col < len(rc.header) {
			name = fmt.Sprintf("column %q (cell %s)", rc.header[f.Col], f.Cell)
		}
		msg := name + " holds a formula with no saved result (as files written by scripts such as openpyxl do), so it reads as empty: open the file in Excel or LibreOffice and save it, which stores the results, or export it as CSV"
		for _, field := range rc.fieldsOf[f.Col] {
			replaced := false
			for i := range errs {
				if errs[i].Field == field && errs[i].Code == schema.MissingRequired {
					errs[i] = schema.FieldError{Field: field, Code: schema.FormulaNoValue, Message: msg}
					replaced = true
				}
			}
			if !replaced {
				errs = append(errs, schema.FieldError{Field: field, Code: schema.FormulaNoValue, Message: msg, Warning: true})
			}
		}
	}
	return errs
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
