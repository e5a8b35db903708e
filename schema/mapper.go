package schema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// source is where one field's value comes from in every row.
type source struct {
	field      *Field
	col        int // roster column, -1 for none
	split      int // 1: first part of a split column, 2: last part
	constant   string
	hasConst   bool
	def        string
	hasDef     bool
	values     map[string]string // lower(roster value) → vendor value
	transforms []func(string) string
	lookup     *lookupTable
	required   bool
	drop       bool         // checked but not kept (CheckOnly)
	plain      plainPattern // field.Pattern without the regexp engine, when it is that simple
	key        int          // index in Schema.Key, -1 for none
}

// Mapper binds a Schema to one file's header once, then maps rows. It is
// read-only after NewMapper, so one Mapper may serve several goroutines.
type Mapper struct {
	s          *Schema
	header     []string
	sources    []source
	extra      []int // columns collected into s.Extra (the mapping file's metadata:)
	unsent     []int // columns no field takes and metadata: does not list
	extraCol   int   // the Extra field's own column, -1 if none
	secret     []bool
	anySecret  bool
	maskCols   []int // secret columns whose value is sent: the mask in them is refused
	own        []int // onboard's own columns (onboard_*)
	guarded    bool  // cells carry the fix-file CSV formula guard
	fieldCols  map[string][]int
	warnings   []string
	dateFormat string
	checkOnly  bool
	identity   int    // the mapping file's identity: column, -1 for none
	maxCell    int    // 0: no limit; see LimitCells
	cellFormat string // what holds at most maxCell characters
}

// NewMapper binds s to header. m may be nil. A mapping that names an unknown
// field, two columns claiming one field, or a required field with no column,
// no constant and no default are errors, found before any row is read.
func NewMapper(s *Schema, header []string, m *Mapping) (*Mapper, error) {
	if m == nil {
		m = &Mapping{}
	}
	mp := &Mapper{s: s, header: header, extraCol: -1, identity: -1, dateFormat: goLayout(m.DateFormat),
		secret: make([]bool, len(header)), fieldCols: map[string][]int{}}
	if err := checkMappingFields(s, m); err != nil {
		return nil, err
	}

	colOf := map[string]int{} // field → column
	claim := func(field string, col int) error {
		if prev, ok := colOf[field]; ok && prev != col {
			return fmt.Errorf("columns %q and %q both map to field %s: map one in the mapping file (columns:) or list the other under ignore:", header[prev], header[col], field)
		}
		colOf[field] = col
		mp.fieldCols[field] = append(mp.fieldCols[field], col)
		return nil
	}
	splitOf := map[string][2]int{} // field → {column, part}
	ignored := map[string]bool{}
	for _, h := range m.Ignore {
		ignored[NormalizeHeader(h)] = true
	}
	explicit := map[string]string{} // normalized header → field
	for h, f := range m.Columns {
		explicit[NormalizeHeader(h)] = f
	}
	splits := map[string][]string{}
	for h, into := range m.Split {
		splits[NormalizeHeader(h)] = into
	}
	meta := map[string]bool{} // normalized header → sent in s.Extra
	for _, h := range m.Metadata {
		meta[NormalizeHeader(h)] = true
	}
	if len(meta) > 0 && s.Extra == "" {
		return nil, fmt.Errorf("%smetadata: %s has no free-form field to send columns in: map each column to a field (columns:) or list it under ignore:",
			m.where("metadata"), s.Provider)
	}
	byName := map[string]string{} // normalized name or alias → field
	for i := range s.Fields {
		f := &s.Fields[i]
		for _, a := range f.Aliases {
			byName[NormalizeHeader(a)] = f.Name
		}
	}
	for i := range s.Fields { // names win over aliases
		byName[NormalizeHeader(s.Fields[i].Name)] = s.Fields[i].Name
	}

	seen := map[string]bool{}
	identity := NormalizeHeader(m.Identity)
	var unsentSecret []int // secret columns no field takes: never sent
	for col, h := range header {
		n := NormalizeHeader(h)
		if identity != "" && n == identity && mp.identity < 0 {
			mp.identity = col
		}
		seen[n] = true
		if IsOwnColumn(h) {
			// onboard's own (a fix file's onboard_row, onboard_error):
			// never mapped, sent, collected or warned about.
			if explicit[n] != "" || splits[n] != nil {
				return nil, fmt.Errorf("mapping file maps column %q, but %s columns are onboard's own and never sent: rename the column", h, OwnPrefix+"*")
			}
			mp.own = append(mp.own, col)
			continue
		}
		mp.secret[col] = SecretHeader(h)
		switch {
		case ignored[n]:
		case explicit[n] != "":
			if err := claim(explicit[n], col); err != nil {
				return nil, err
			}
		case splits[n] != nil:
			for part, f := range splits[n] {
				splitOf[f] = [2]int{col, part + 1}
				mp.fieldCols[f] = append(mp.fieldCols[f], col)
			}
		case meta[n]:
			if mp.secret[col] {
				return nil, fmt.Errorf("%smetadata: column %q holds a secret, and %s is free-form where anyone can read it: take it out of metadata:",
					m.where("metadata."+h), h, s.Extra)
			}
			mp.extra = append(mp.extra, col)
		case byName[n] != "":
			if byName[n] == s.Extra {
				mp.extraCol = col
				mp.fieldCols[s.Extra] = append(mp.fieldCols[s.Extra], col)
				continue
			}
			if err := claim(byName[n], col); err != nil {
				return nil, err
			}
		case s.Extra != "" && mp.secret[col]:
			// A secret goes only into its own field, never into the
			// free-form object (Smartapp's metadata) where anyone can read it.
			// The mask in it is still refused: a fix file run again with
			// the mask means a password was meant to be typed.
			unsentSecret = append(unsentSecret, col)
			mp.warnings = append(mp.warnings, fmt.Sprintf("column %q holds a secret and no %s field takes it: it is not sent (not put into %s)", h, s.Provider, s.Extra))
		case col == mp.identity: // read for the state store, not sent
		case s.Extra != "":
			// Only the columns the mapping file lists under metadata: go
			// into the free-form field: an HR export's salary or date of
			// birth is never sent because nobody mapped it. One notice
			// (see UnsentColumns) names them all and how to send one.
			mp.unsent = append(mp.unsent, col)
		default:
			mp.warnings = append(mp.warnings, fmt.Sprintf("column %q is not mapped to any %s field; it is ignored", h, s.Provider))
		}
	}
	if identity != "" && mp.identity < 0 {
		return nil, fmt.Errorf("%sidentity: the file has no column %q%s (its columns: %s)",
			m.where("identity"), m.Identity, hint(m.Identity, header), strings.Join(header, ", "))
	}
	// Entries naming columns the file lacks: a split one leaves its fields
	// empty on every row, so it is an error; the others warn.
	for _, h := range keys(m.Split) {
		if !seen[NormalizeHeader(h)] {
			return nil, fmt.Errorf("%ssplit: the file has no column %q%s (its columns: %s)",
				m.where("split."+h), h, hint(h, header), strings.Join(header, ", "))
		}
	}
	for _, h := range keys(m.Columns) {
		if !seen[NormalizeHeader(h)] {
			mp.warnings = append(mp.warnings, fmt.Sprintf("%scolumns: the file has no column %q%s", m.where("columns."+h), h, hint(h, header)))
		}
	}
	for _, h := range m.Ignore {
		if !seen[NormalizeHeader(h)] {
			mp.warnings = append(mp.warnings, fmt.Sprintf("%signore: the file has no column %q%s", m.where("ignore."+h), h, hint(h, header)))
		}
	}
	for _, h := range m.Metadata {
		if !seen[NormalizeHeader(h)] {
			mp.warnings = append(mp.warnings, fmt.Sprintf("%smetadata: the file has no column %q%s", m.where("metadata."+h), h, hint(h, header)))
		}
	}

	required := map[string]bool{}
	for _, f := range m.Required {
		required[f] = true
	}
	var missing []string
	for i := range s.Fields {
		f := &s.Fields[i]
		src := source{field: f, col: -1, required: f.Required || required[f.Name],
			plain: newPlainPattern(f.Pattern), key: slices.Index(s.Key, f.Name)}
		if c, ok := colOf[f.Name]; ok {
			src.col = c
			if f.Secret {
				mp.secret[c] = true
			}
		}
		if f.Name == s.Extra && mp.extraCol >= 0 {
			src.col = mp.extraCol
		}
		if sp, ok := splitOf[f.Name]; ok && src.col < 0 {
			src.col, src.split = sp[0], sp[1]
		}
		src.constant, src.hasConst = m.Constants[f.Name]
		src.def, src.hasDef = m.Defaults[f.Name]
		if vm := m.Values[f.Name]; len(vm) > 0 {
			src.values = make(map[string]string, len(vm))
			for k, v := range vm {
				src.values[strings.ToLower(strings.TrimSpace(k))] = v
			}
		}
		for _, t := range m.Transforms[f.Name] {
			src.transforms = append(src.transforms, transforms[t])
		}
		src.lookup = m.tables[f.Name]
		if src.col < 0 && !src.hasConst && !src.hasDef {
			if src.required {
				missing = append(missing, f.Name)
			}
			if f.Name != s.Extra || (mp.extraCol < 0 && len(mp.extra) == 0) {
				continue
			}
		}
		mp.sources = append(mp.sources, src)
	}
	switch {
	case len(missing) == 1:
		return nil, fmt.Errorf("required %s field %s has no column in the file and no default in the mapping file (expected a header such as %s; the file's columns: %s)",
			s.Provider, missing[0], expectedHeaders(s, missing[0]), columnList(header))
	case len(missing) > 1:
		return nil, fmt.Errorf("required %s fields %s have no column in the file and no default in the mapping file (expected a header such as %s for %s; the file's columns: %s)",
			s.Provider, strings.Join(missing, ", "), expectedHeaders(s, missing[0]), missing[0], columnList(header))
	}
	sent := map[int]bool{}
	for _, src := range mp.sources {
		if src.col >= 0 && !src.hasConst {
			sent[src.col] = true
		}
	}
	for _, c := range mp.extra {
		sent[c] = true
	}
	for _, c := range unsentSecret {
		sent[c] = true
	}
	for c, s := range mp.secret {
		mp.anySecret = mp.anySecret || s
		if s && sent[c] {
			mp.maskCols = append(mp.maskCols, c)
		}
	}
	return mp, nil
}

// columnList names a header's columns for a message, quoted (an export's
// headers hold commas and brackets), the first 30 of a wide one.
func columnList(header []string) string {
	const most = 30
	var b strings.Builder
	for i, h := range header {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(header)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(h))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func expectedHeaders(s *Schema, field string) string {
	f := s.Field(field)
	names := append([]string{f.Name}, f.Aliases...)
	for i, n := range names {
		names[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(names, " or ")
}

// checkMappingFields rejects a mapping file that names fields the vendor
// does not have, or translates a value into one the field does not allow:
// a typo there would otherwise silently do nothing, or fail every row.
func checkMappingFields(s *Schema, m *Mapping) error {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	check := func(key, where, name string) error {
		if s.Field(name) != nil {
			return nil
		}
		return fmt.Errorf("%s%s names %q, which is not a %s field%s (fields: %s)",
			m.where(key), where, name, s.Provider, hint(name, names), strings.Join(names, ", "))
	}
	var errs []error
	for _, h := range keys(m.Columns) {
		errs = append(errs, check("columns."+h, "columns."+h, m.Columns[h]))
	}
	for _, section := range []struct {
		name string
		keys []string
	}{
		{"constants", keys(m.Constants)}, {"defaults", keys(m.Defaults)}, {"values", keys(m.Values)},
		{"transforms", keys(m.Transforms)}, {"lookups", keys(m.Lookups)}, {"required", m.Required},
	} {
		for _, f := range section.keys {
			errs = append(errs, check(section.name+"."+f, section.name, f))
		}
	}
	for _, h := range keys(m.Split) {
		for _, f := range m.Split[h] {
			errs = append(errs, check("split."+h, "split."+h, f))
		}
	}
	for _, field := range keys(m.Values) {
		f := s.Field(field)
		if f == nil || len(f.Enum) == 0 {
			continue
		}
		for _, from := range keys(m.Values[field]) {
			if to := m.Values[field][from]; !allowedEnum(f, to) {
				errs = append(errs, fmt.Errorf("%svalues.%s: %q → %q: %q is not one of %s's values%s (allowed: %s)",
					m.where("values."+field+"."+from), field, from, to, to, field, hint(to, f.Enum), strings.Join(f.Enum, ", ")))
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CheckOnly returns a Mapper for a dry run: its Records skip what only the
// vendor needs and nothing checks (the Extra object of unmapped columns),
// which is a third of the mapping cost on wide rosters.
func (m *Mapper) CheckOnly() *Mapper {
	c := *m
	c.checkOnly = true
	if len(m.s.Rules) == 0 {
		// Nothing reads the Record but the duplicate check: keep only
		// the unique key's fields.
		c.sources = slices.Clone(m.sources)
		for i := range c.sources {
			c.sources[i].drop = !slices.Contains(m.s.Key, c.sources[i].field.Name)
		}
	}
	return &c
}

// Warnings lists what the binding noticed but did not refuse: unmapped
// columns, mapping entries for columns the file lacks. Report them once.
func (m *Mapper) Warnings() []string { return m.warnings }

// HasIdentity reports whether the mapping file names an identity column.
func (m *Mapper) HasIdentity() bool { return m.identity >= 0 }

// Identity returns the row's identity (the mapping file's identity: column,
// trimmed); "" when none is set or the cell is empty.
func (m *Mapper) Identity(cells []string) string {
	if m.identity < 0 || m.identity >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[m.identity])
}

// ExtraColumns returns the roster columns that go into the schema's Extra
// field (smartapp's metadata) because the mapping file lists them under
// metadata:, in file order.
func (m *Mapper) ExtraColumns() []string { return m.headers(m.extra) }

// UnsentColumns returns, for a schema with an Extra field, the roster
// columns that are not sent: no field takes them and metadata: does not
// list them (secret columns aside), in file order.
func (m *Mapper) UnsentColumns() []string { return m.headers(m.unsent) }

func (m *Mapper) headers(cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = m.header[c]
	}
	return out
}

// Header returns the roster header the mapper was bound to.
func (m *Mapper) Header() []string { return m.header }

// FieldColumns returns, per vendor field, the roster columns it came from.
func (m *Mapper) FieldColumns() map[string][]int { return m.fieldCols }

// Secret reports, per roster column, whether it holds a secret: it is
// mapped to a Secret field or its header names a password (SecretHeader).
func (m *Mapper) Secret() []bool { return m.secret }

// OwnColumns returns the indexes of onboard's own columns (onboard_*).
func (m *Mapper) OwnColumns() []int { return m.own }

// FormulaGuarded returns a Mapper for a CSV fix file that onboard wrote:
// its cells carry the formula guard (a leading ' before = + - @, a tab,
// a CR or a '), which it removes before anything else sees the cells, so
// every value reads back exactly as it was in the original file.
func (m *Mapper) FormulaGuarded() *Mapper {
	c := *m
	c.guarded = true
	return &c
}

// unguard undoes the fix file's formula guard, in a copy.
func (m *Mapper) unguard(cells []string) []string {
	if !m.guarded {
		return cells
	}
	out := slices.Clone(cells)
	for i, c := range out {
		out[i] = strings.TrimPrefix(c, "'")
	}
	return out
}

// ColumnEnums returns, per roster column mapped as a whole to a field
// with an enum, the values the vendor accepts (for drop-downs). Columns
// whose values the mapping file translates are left out: their own
// spellings are valid too.
func (m *Mapper) ColumnEnums() map[int][]string {
	out := map[int][]string{}
	for _, src := range m.sources {
		if src.col < 0 || src.split != 0 || src.hasConst || len(src.field.Enum) == 0 ||
			src.values != nil || src.lookup != nil || len(src.transforms) > 0 {
			continue
		}
		out[src.col] = src.field.Enum
	}
	return out
}

// Mask returns cells with secret columns (see Secret) replaced by Mask.
// It copies only when a secret column exists or the cells are guarded.
func (m *Mapper) Mask(cells []string) []string {
	cells = m.unguard(cells)
	if !m.anySecret {
		return cells
	}
	if !m.guarded {
		cells = slices.Clone(cells)
	}
	for i, s := range m.secret {
		if s && i < len(cells) && cells[i] != "" {
			cells[i] = Mask
		}
	}
	return cells
}

// Map turns one row's cells into a typed Record and returns every problem in
// the row, not just the first.
func (m *Mapper) Map(cells []string) (Record, []FieldError) {
	rec := make(Record, len(m.sources))
	return rec, m.MapInto(rec, cells)
}

// MapInto is Map into a caller's empty Record, so a dry run can reuse one
// Record for every row instead of allocating one per row.
func (m *Mapper) MapInto(rec Record, cells []string) []FieldError {
	cells, errs, masked := m.prelude(cells)
	for i := range m.sources {
		src := &m.sources[i]
		f := src.field
		if len(masked) > 0 && slices.Contains(masked, src.col) && !src.hasConst {
			continue
		}
		if f.Name == m.s.Extra && src.col < 0 && !src.hasConst && !src.hasDef {
			m.collectExtra(rec, cells, nil)
			continue
		}
		raw := src.value(cells)
		if raw == "" {
			if f.Name == m.s.Extra {
				m.collectExtra(rec, cells, nil)
				continue
			}
			if src.required {
				errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: m.missingMessage(src)})
			}
			continue
		}
		if fe := src.lookupMiss(raw); fe != nil {
			errs = append(errs, *fe)
			continue
		}
		v, fe := parse(f, raw, m.dateFormat)
		if fe != nil {
			errs = append(errs, *fe)
			if !fe.Warning {
				continue
			}
		}
		if f.Name == m.s.Extra {
			obj, _ := v.(map[string]any)
			m.collectExtra(rec, cells, obj)
			continue
		}
		if v != nil {
			if !src.drop {
				rec[f.Name] = v
			}
		} else if src.required {
			errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: m.missingMessage(src)})
		}
	}
	return runRules(m.s, rec, errs)
}

// prelude is what every row goes through before its fields, in Map and
// Check alike: the fix file's formula guard undone, cells too long for
// the output, and the mask refused in secret columns whose value is sent
// (masked lists those columns, whose fields are then skipped).
func (m *Mapper) prelude(cells []string) (_ []string, errs []FieldError, masked []int) {
	cells = m.unguard(cells)
	errs = m.checkCellLengths(cells, nil)
	if len(cells) > 0 && isExampleRow(cells[0]) {
		errs = append(errs, m.exampleError(cells[0]))
	}
	for _, c := range m.maskCols {
		if c < len(cells) && strings.TrimSpace(cells[c]) == Mask {
			masked = append(masked, c)
			errs = append(errs, m.maskError(c))
		}
	}
	return cells, errs, masked
}

// trimSpace is strings.TrimSpace, quicker for the usual cell that starts
// and ends with a printable ASCII byte (nothing to trim).
func trimSpace(s string) string {
	if s == "" || s[0] > ' ' && s[0] < 0x80 && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80 {
		return s
	}
	return strings.TrimSpace(s)
}

// isExampleRow reports a first cell such as "Example: Chris Green": an
// export template's sample row (Microsoft Entra's bulk-create file has
// one under its header), which is no person to onboard.
func isExampleRow(first string) bool {
	const p = "example:"
	first = trimSpace(first)
	return len(first) >= len(p) && strings.EqualFold(first[:len(p)], p)
}

// exampleError refuses an export template's example row, on the field its
// first column feeds.
func (m *Mapper) exampleError(first string) FieldError {
	shown := strings.TrimSpace(first)
	if m.secret[0] {
		shown = Mask
	}
	fe := FieldError{Code: InvalidValue, Message: fmt.Sprintf(
		"this is the export's example row (%q), not a person: delete the row", shown)}
	for _, src := range m.sources {
		if src.col == 0 {
			fe.Field = src.field.Name
			break
		}
	}
	return fe
}

// maskError refuses the mask in secret column c: it is what onboard writes
// in place of a password, and sending it would set every such password to
// the same eight asterisks.
func (m *Mapper) maskError(c int) FieldError {
	field := m.s.Extra
	for _, src := range m.sources {
		if src.col == c && src.field.Name != m.s.Extra {
			field = src.field.Name
			break
		}
	}
	return FieldError{Field: field, Code: InvalidValue, Message: fmt.Sprintf(
		"column %q holds the mask %s, not a password: type the password, or leave the cell empty for the vendor's default", m.header[c], Mask)}
}

func (m *Mapper) collectExtra(rec Record, cells []string, obj map[string]any) {
	if m.checkOnly {
		return // nothing to check in free-form extra columns
	}
	for _, c := range m.extra {
		if c < len(cells) {
			if v := strings.TrimSpace(cells[c]); v != "" {
				if obj == nil {
					obj = map[string]any{}
				}
				obj[m.header[c]] = v
			}
		}
	}
	if len(obj) > 0 {
		rec[m.s.Extra] = obj
	}
}

func (m *Mapper) missingMessage(src *source) string {
	if src.col >= 0 && src.split == 0 {
		return fmt.Sprintf("is required (column %q is empty)", m.header[src.col])
	}
	return "is required"
}

// value is the cell for src after the mapping file's constant, transforms,
// default, value map and lookup. "" means absent.
func (src *source) value(cells []string) string {
	if src.hasConst {
		return src.constant
	}
	var s string
	if src.col >= 0 && src.col < len(cells) {
		s = trimSpace(cells[src.col])
		if src.split > 0 {
			s = splitName(s, src.split)
		}
	}
	for _, t := range src.transforms {
		s = t(s)
	}
	if s == "" {
		if !src.hasDef {
			return ""
		}
		s = src.def
	}
	if src.values != nil {
		if v, ok := src.values[strings.ToLower(s)]; ok {
			s = v
		}
	}
	if src.lookup != nil {
		if v, ok := src.lookup.ids[strings.ToLower(s)]; ok {
			s = v
		}
	}
	return s
}

// lookupMiss is the problem with a value that the field's lookup table
// does not have (by name or as an ID): "Marketing is not in depts.csv".
func (src *source) lookupMiss(v string) *FieldError {
	t := src.lookup
	if t == nil || t.isID[strings.ToLower(v)] {
		return nil
	}
	fe := &FieldError{Field: src.field.Name, Code: InvalidValue,
		Message: fmt.Sprintf("%s is not in %s%s", v, t.file, hint(v, t.names))}
	if !src.field.Secret {
		fe.Value = v
	}
	return fe
}

// splitName returns part 1 (first name) or 2 (last name) of a full name.
// "Lee, Ann" is unambiguous; otherwise the last word is the last name.
func splitName(s string, part int) string {
	// Runs of white space (double spaces, tabs, non-breaking spaces, line
	// breaks) are one space: "Wilson  K" is "Wilson K".
	s = strings.Join(strings.Fields(s), " ")
	if first, last, ok := strings.Cut(s, ","); ok {
		if part == 1 {
			return strings.TrimSpace(last)
		}
		return strings.TrimSpace(first)
	}
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		if part == 1 {
			return s
		}
		return ""
	}
	if part == 1 {
		return strings.TrimSpace(s[:i])
	}
	return s[i+1:]
}

// runRules applies the schema's cross-field rules, leaving out problems with
// fields that already failed on their own (one reason per field is enough).
func runRules(s *Schema, rec Record, errs []FieldError) []FieldError {
	if len(s.Rules) == 0 {
		return errs
	}
	failed := make(map[string]bool, len(errs))
	for _, e := range errs {
		failed[e.Field] = failed[e.Field] || !e.Warning
	}
	for _, r := range s.Rules {
		for _, e := range r.Check(rec) {
			if !failed[e.Field] {
				errs = append(errs, e)
				failed[e.Field] = true
			}
		}
	}
	return errs
}

// FromJSON type-checks a decoded JSON body (as encoding/json makes it) against
// s and runs every field check and rule, so simulators validate requests with
// the same rules as the roster validation. Keys s does not know are ignored;
// null is absent.
func FromJSON(s *Schema, body map[string]any) (Record, []FieldError) {
	rec := make(Record, len(body))
	var errs []FieldError
	for i := range s.Fields {
		f := &s.Fields[i]
		raw, ok := body[f.Name]
		if !ok || raw == nil {
			if f.Required {
				errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: "is required"})
			}
			continue
		}
		v, fe := fromJSONValue(f, raw)
		if fe != nil && !fe.Warning { // the vendor does not refuse what a warning flags
			errs = append(errs, *fe)
			continue
		}
		if v == nil {
			if f.Required {
				errs = append(errs, FieldError{Field: f.Name, Code: MissingRequired, Message: "is required"})
			}
			continue
		}
		rec[f.Name] = v
	}
	return rec, runRules(s, rec, errs)
}

func fromJSONValue(f *Field, raw any) (any, *FieldError) {
	wrongType := func(want string) *FieldError {
		b, _ := json.Marshal(raw)
		return f.fail(InvalidValue, string(b), "must be a JSON "+want)
	}
	switch f.Type {
	case String:
		s, ok := raw.(string)
		if !ok {
			return nil, wrongType("string")
		}
		if s == "" {
			return nil, nil
		}
		if fe := f.checkEnumExact(s); fe != nil {
			return nil, fe
		}
		return s, f.checkString(s)
	case Integer:
		n, ok := raw.(float64)
		if !ok || n != float64(int64(n)) {
			return nil, wrongType("whole number")
		}
		if fe := f.checkEnum(fmt.Sprint(int64(n))); fe != nil {
			return nil, fe
		}
		return int64(n), nil
	case Number:
		n, ok := raw.(float64)
		if !ok {
			return nil, wrongType("number")
		}
		if fe := f.checkString(fmt.Sprint(n)); fe != nil {
			return nil, fe
		}
		if f.CheckNumber != nil {
			if msg := f.CheckNumber(n); msg != "" {
				return nil, f.fail(InvalidValue, fmt.Sprint(n), msg)
			}
		}
		return n, nil
	case Boolean:
		b, ok := raw.(bool)
		if !ok {
			return nil, wrongType("boolean (true or false)")
		}
		return b, nil
	case Date:
		switch v := raw.(type) {
		case string:
			return parse(f, v, "")
		case map[string]any:
			y, _ := v["Year"].(float64)
			mo, _ := v["Month"].(float64)
			d, _ := v["Day"].(float64)
			s := fmt.Sprintf("%04d-%02d-%02d", int(y), int(mo), int(d))
			return parse(f, s, "")
		}
		return nil, wrongType("date")
	case List:
		items, ok := raw.([]any)
		if !ok {
			return nil, wrongType("array of strings")
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, wrongType("array of strings")
			}
			if fe := f.checkEnumExact(s); fe != nil {
				return nil, fe
			}
			if fe := f.checkString(s); fe != nil {
				return nil, fe
			}
			out = append(out, s)
		}
		return out, nil
	case Object:
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, wrongType("object")
		}
		return m, nil
	}
	return raw, nil
}

// checkEnumExact is the wire check: the vendor wants its own spelling.
func (f *Field) checkEnumExact(s string) *FieldError {
	if len(f.Enum) == 0 || slices.Contains(f.Enum, s) {
		return nil
	}
	return f.fail(InvalidEnum, s, "must be one of: "+strings.Join(f.Enum, ", "))
}
