package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Check is the dry run's row check: every value is checked as Map checks
// it, but no Record is built when the schema has no cross-field rules,
// since nothing would read it; only the unique key's values are kept, in
// keys (len(Schema.Key), in Key order, "" when absent, filled only when the
// row has no problem). A valid row costs no allocation. When the schema has
// rules, they need the typed values: the row is mapped into rec (which the
// caller clears) as MapInto does. Safe for concurrent use with distinct rec
// and keys.
func (m *Mapper) Check(rec Record, cells []string, keys []string) []FieldError {
	if len(m.s.Rules) > 0 {
		errs := m.MapInto(rec, cells)
		if !Failed(errs) {
			for i, k := range m.s.Key {
				keys[i], _ = rec[k].(string)
			}
		}
		return errs
	}
	clear(keys)
	cells, errs, masked := m.prelude(cells)
	for i := range m.sources {
		src := &m.sources[i]
		f := src.field
		if len(masked) > 0 && slices.Contains(masked, src.col) && !src.hasConst {
			continue
		}
		if f.Name == m.s.Extra {
			// Unmapped columns are free-form: only a JSON object in the
			// field's own column has anything to check.
			if src.col >= 0 || src.hasConst || src.hasDef {
				if raw := src.value(cells); raw != "" {
					if _, fe := parse(f, raw, m.dateFormat); fe != nil {
						errs = append(errs, *fe)
					}
				}
			}
			continue
		}
		raw := src.value(cells)
		if raw == "" {
			if src.required {
				errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: m.missingMessage(src)})
			}
			continue
		}
		var fe *FieldError
		present := true
		switch f.Type {
		case String:
			raw, fe = f.checkText(raw, src.plain)
		case Integer:
			_, fe = f.checkInteger(raw)
		case Number:
			_, fe = f.checkNumber(raw, src.plain)
		case Boolean:
			_, fe = f.checkBoolean(raw)
		default: // dates, lists, objects: rarer, and parse owns their forms
			var v any
			v, fe = parse(f, raw, m.dateFormat)
			present = fe != nil || v != nil
		}
		if fe != nil {
			errs = append(errs, *fe)
			if !fe.Warning {
				continue
			}
		}
		switch {
		case !present:
			if src.required {
				errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: m.missingMessage(src)})
			}
		case src.key >= 0 && f.Type == String:
			keys[src.key] = raw
		}
	}
	if Failed(errs) {
		clear(keys)
	}
	return errs
}

// MaskInPlace is Mask on cells the caller owns, in place, with no copy:
// the fix file's formula guard undone, secret cells replaced by Mask.
func (m *Mapper) MaskInPlace(cells []string) {
	if m.guarded {
		for i, c := range cells {
			cells[i] = strings.TrimPrefix(c, "'")
		}
	}
	if !m.anySecret {
		return
	}
	for i, s := range m.secret {
		if s && i < len(cells) && cells[i] != "" {
			cells[i] = Mask
		}
	}
}

// LimitCells makes every cell longer than n characters (UTF-16 code units,
// as spreadsheets count) an error on its row, CELL_TOO_LONG: an output
// that holds at most n (format says which: "an XLSX cell") would otherwise
// have to cut the value, and a value is never changed silently. Call it
// before the Mapper is used (and before CheckOnly).
func (m *Mapper) LimitCells(n int, format string) {
	m.maxCell, m.cellFormat = n, format
}

func (m *Mapper) checkCellLengths(cells []string, errs []FieldError) []FieldError {
	if m.maxCell <= 0 {
		return errs
	}
	for i, c := range cells {
		if len(c) <= m.maxCell { // a code unit takes at least one byte
			continue
		}
		if n := utf16Len(c); n > m.maxCell {
			name := fmt.Sprintf("column %d", i+1)
			if i < len(m.header) {
				name = m.header[i]
			}
			errs = append(errs, FieldError{Field: name, Code: CellTooLong,
				Message: fmt.Sprintf("is %d characters, more than %s holds (%d); it is not cut: shorten it, or write the output as .csv", n, m.cellFormat, m.maxCell)})
		}
	}
	return errs
}

// utf16Len is s's length in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}
