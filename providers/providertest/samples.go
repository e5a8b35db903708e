package providertest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// SamplePath is the path of samples/<id>/<name> from a vendor package's
// folder, where its tests run. The files are read from disk rather than
// from samples.FS so that a workbook rewritten with -update is the one
// checked.
func SamplePath(id, name string) string {
	return filepath.Join("..", "..", "samples", id, name)
}

// SampleRows reads the CSV samples/<id>/<name>, header first.
func SampleRows(t *testing.T, id, name string) [][]string {
	t.Helper()
	f, err := os.Open(SamplePath(id, name))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows, "a sample has a header")
	return rows
}

// Sample is one roster of a vendor's samples folder, with the mapping it
// is read through.
type Sample struct {
	Reg     *providers.Registration
	Rows    [][]string      // the CSV, header first
	Mapping *schema.Mapping // nil for a roster in the schema's column names
}

// LoadSample reads samples/<id>/<csv> and, unless mapping is "", the
// mapping file samples/<id>/<mapping>, for the vendor registered as id.
func LoadSample(t *testing.T, id, csv, mapping string) *Sample {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	s := &Sample{Reg: reg, Rows: SampleRows(t, id, csv)}
	if mapping != "" {
		s.Mapping, err = schema.LoadMapping(SamplePath(id, mapping))
		require.NoError(t, err)
	}
	return s
}

// Mapper is the engine's mapper for the sample's header, which must map or
// ignore every column.
func (s *Sample) Mapper(t *testing.T) *schema.Mapper {
	t.Helper()
	mp, err := schema.NewMapper(s.Reg.Schema, s.Rows[0], s.Mapping)
	require.NoError(t, err)
	assert.Empty(t, mp.Warnings(), "every sample column is mapped or ignored")
	return mp
}

// Map maps the row at line (the header is line 1).
func (s *Sample) Map(t *testing.T, line int) (schema.Record, []schema.FieldError) {
	t.Helper()
	require.Less(t, line-1, len(s.Rows), "the sample has no line %d", line)
	return s.Mapper(t).Map(s.Rows[line-1])
}

// Row is what a sample row must come to: its problems by field, or for a
// valid row the vendor's answer ("" for created).
type Row struct {
	Problems map[string]schema.Code
	Warnings map[string]schema.Code // on a valid row, which is sent
	Vendor   providers.Code
}

// Check maps every row through the engine, with in-file duplicate
// detection, sends the valid ones in order to a fresh simulator of the
// vendor, and compares each row with want, keyed by line number (the
// header is line 1). want must name every row.
func (s *Sample) Check(t *testing.T, want map[int]Row) {
	t.Helper()
	mp := s.Mapper(t)
	c := start(t, s.Reg, sim.Options{}).client(t)
	dedup := schema.NewDedup(s.Reg.Schema)
	require.Len(t, want, len(s.Rows)-1, "one outcome per row")
	for i, cells := range s.Rows[1:] {
		line := i + 2
		w, ok := want[line]
		require.True(t, ok, "no outcome for line %d", line)
		rec, errs := mp.Map(cells)
		errs = append(errs, dedup.Check(rec, line)...)
		var got, warned map[string]schema.Code
		for _, fe := range errs {
			m := &got
			if fe.Warning {
				m = &warned
			}
			if *m == nil {
				*m = map[string]schema.Code{}
			}
			(*m)[fe.Field] = fe.Code
		}
		assert.Equal(t, w.Warnings, warned, "line %d: warnings %v", line, errs)
		if !assert.Equal(t, w.Problems, got, "line %d: %v", line, errs) || len(got) > 0 {
			continue
		}
		_, err := c.Create(Context(t), rec)
		if w.Vendor == "" {
			assert.NoError(t, err, "line %d", line)
			continue
		}
		var pe *providers.Error
		if assert.ErrorAs(t, err, &pe, "line %d", line) {
			assert.Equal(t, w.Vendor, pe.Code, "line %d", line)
		}
	}
}

// ByFirstCell turns want keyed by each row's first cell (an employee
// number, say) into want keyed by line, for Check. Every row's first cell
// must be in want.
func (s *Sample) ByFirstCell(t *testing.T, want map[string]Row) map[int]Row {
	t.Helper()
	require.Len(t, want, len(s.Rows)-1, "one outcome per row")
	out := make(map[int]Row, len(want))
	for i, cells := range s.Rows[1:] {
		w, ok := want[cells[0]]
		require.True(t, ok, "unexpected row %s", cells[0])
		out[i+2] = w
	}
	return out
}
