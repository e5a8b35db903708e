package providertest

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/schema"
)

// MapRow maps one roster row (header and cells) through the engine.
func MapRow(t *testing.T, s *schema.Schema, header, cells []string, m *schema.Mapping) (schema.Record, []schema.FieldError) {
	t.Helper()
	mp, err := schema.NewMapper(s, header, m)
	require.NoError(t, err)
	return mp.Map(cells)
}

// MapColumns maps one roster row given as header → cell through the
// engine.
func MapColumns(t *testing.T, s *schema.Schema, row map[string]string, m *schema.Mapping) (schema.Record, []schema.FieldError) {
	t.Helper()
	header := make([]string, 0, len(row))
	cells := make([]string, 0, len(row))
	for h, v := range row {
		header = append(header, h)
		cells = append(cells, v)
	}
	return MapRow(t, s, header, cells, m)
}

// With returns a copy of row changed by header, cell pairs: a cell ""
// deletes the column.
func With(row map[string]string, kv ...string) map[string]string {
	row = maps.Clone(row)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(row, kv[i])
			continue
		}
		row[kv[i]] = kv[i+1]
	}
	return row
}

// WithCell returns a copy of cells with cells[col] set to v.
func WithCell(cells []string, col int, v string) []string {
	c := slices.Clone(cells)
	c[col] = v
	return c
}

// CheckExamples checks that every field of s has an Example and that the
// examples, as one row, map without a problem, so templates and docs
// built from them validate.
func CheckExamples(t *testing.T, s *schema.Schema) {
	t.Helper()
	var header, cells []string
	for _, f := range s.Fields {
		require.NotEmpty(t, f.Example, "field %s has no Example", f.Name)
		header = append(header, f.Name)
		cells = append(cells, f.Example)
	}
	rec, errs := MapRow(t, s, header, cells, nil)
	assert.Empty(t, errs)
	assert.Len(t, rec, len(s.Fields))
}
