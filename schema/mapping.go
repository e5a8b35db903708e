package schema

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gocarina/gocsv"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Mapping is a YAML mapping file: it overrides how roster columns become
// vendor fields. Every key that names a field uses the vendor's spelling.
type Mapping struct {
	Columns    map[string]string            `yaml:"columns"`    // roster header → vendor field
	Constants  map[string]string            `yaml:"constants"`  // vendor field → value for every row
	Defaults   map[string]string            `yaml:"defaults"`   // vendor field → value when the cell is empty
	Values     map[string]map[string]string `yaml:"values"`     // vendor field → roster value → vendor value (case-insensitive)
	Transforms map[string][]string          `yaml:"transforms"` // vendor field → [trim lower upper title digits]
	Split      map[string][]string          `yaml:"split"`      // roster column → [firstField, lastField]: split a full name
	Required   []string                     `yaml:"required"`   // fields the account makes mandatory
	Lookups    map[string]string            `yaml:"lookups"`    // vendor field → CSV file with name,id columns
	DateFormat string                       `yaml:"date_format"`
	Ignore     []string                     `yaml:"ignore"` // roster columns not to warn about
	// Metadata lists the roster columns sent in the vendor's free-form
	// field (smartapp's metadata), as strings under their headers. Only
	// these: a column no field takes is never sent because it exists.
	Metadata  []string `yaml:"metadata"`
	HeaderRow int      `yaml:"header_row"` // the header's row as a spreadsheet numbers it; 0: detect
	// Identity names the roster column that identifies a person across
	// days (an employee ID), whatever their vendor key (email) becomes.
	Identity string `yaml:"identity"`

	// lookups loaded from Lookups, by field.
	tables map[string]*lookupTable
	// path is the file's name and lines each entry's line ("columns.E-mail",
	// "values.role.Learner"), for messages.
	path  string
	lines map[string]int
}

// lookupTable is one lookups: file: names (lower-cased) to IDs. A value
// that is an ID already passes; any other value is an error on its row.
type lookupTable struct {
	file  string            // as the mapping file names it, for messages
	ids   map[string]string // lower(name) → id
	isID  map[string]bool   // lower(id)
	names []string          // as the table spells them, for a did-you-mean
}

// lookupRow is one line of a lookup table: a fixed shape, so gocsv maps it.
type lookupRow struct {
	Name string `csv:"name"`
	ID   string `csv:"id"`
}

// transforms is what a mapping file may name under transforms.
var transforms = map[string]func(string) string{
	"trim":   strings.TrimSpace,
	"lower":  lowerCase,
	"upper":  upperCase,
	"title":  titleCase,
	"digits": digitsOnly,
}

// LoadMapping reads a mapping file. Every mistake is found here or when
// the header is bound (NewMapper), with its line: an unknown key (with the
// list of keys and a did-you-mean), a value of the wrong shape, an unknown
// transform, a lookup table that cannot be read. Lookup paths are
// relative to the mapping file.
func LoadMapping(path string) (*Mapping, error) {
	b, err := readCapped(path, MaxMappingBytes)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	m := &Mapping{path: path, lines: map[string]int{}}
	if err := decodeMapping(b, m); err != nil {
		return nil, fmt.Errorf("mapping file %s: %w", path, err)
	}
	known := slices.Sorted(maps.Keys(transforms))
	for _, field := range keys(m.Transforms) {
		for _, n := range m.Transforms[field] {
			if transforms[n] == nil {
				return nil, fmt.Errorf("%stransforms.%s: unknown transform %q%s (known: %s)",
					m.where("transforms."+field+"."+n), field, n, hint(n, known), strings.Join(known, ", "))
			}
		}
	}
	if err := checkDateFormat(m); err != nil {
		return nil, err
	}
	if err := checkOverlaps(m); err != nil {
		return nil, err
	}
	if m.HeaderRow < 0 {
		return nil, fmt.Errorf("%sheader_row: %d is not a row number (rows start at 1; leave it out to detect the header)", m.where("header_row"), m.HeaderRow)
	}
	for _, col := range keys(m.Split) {
		if into := m.Split[col]; len(into) != 2 {
			return nil, fmt.Errorf("%ssplit.%s: needs two fields [first, last], got %d", m.where("split."+col), col, len(into))
		}
	}
	for _, field := range keys(m.Lookups) {
		name := m.Lookups[field]
		file := name
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		t, err := loadLookup(file)
		if err != nil {
			return nil, fmt.Errorf("%slookups.%s: %w", m.where("lookups."+field), field, err)
		}
		t.file = filepath.Base(name)
		if m.tables == nil {
			m.tables = map[string]*lookupTable{}
		}
		m.tables[field] = t
	}
	return m, nil
}

// Size caps: a mapping file or lookup table is written by hand or exported
// from a small list; past these it is a mistake (or /dev/zero), not a
// table to read into memory.
const (
	MaxMappingBytes = 16 << 20
	MaxLookupBytes  = 64 << 20
)

// readCapped reads a regular file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	// Checked before opening: opening a named pipe blocks until a writer
	// comes (and ignores SIGTERM while it waits).
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (a pipe, a device or a folder); save it to a file first", path)
	}
	f, err := os.Open(path)
	if err != nil {
		// Not Go's "open PATH: no such file or directory".
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file (check the path and the current folder)", path)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("%s: not readable by this user (permission denied)", path)
		}
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than the %d MiB allowed", path, limit>>20)
	}
	return b, nil
}

// mapChunk is how many pairs of a large mapping are decoded at a time:
// yaml.v3 checks every key of a mapping against every later one for
// duplicates (quadratic: 40,000 columns took 5.5 s), so large mappings are
// decoded in chunks and checked for duplicates here, with a map.
const mapChunk = 128

// decodeMapping decodes a mapping file in time linear in its size, key
// by key through yaml.v3's Node so that every mistake names its line: the
// document is parsed into nodes (linear), unknown top-level keys (with
// the list of keys and a did-you-mean) and duplicate keys are refused
// here, each value is decoded on its own (its error says the shape the
// key wants, never a Go type), a large mapping chunk by chunk, and the
// line of every entry is kept for the checks that come later.
func decodeMapping(b []byte, m *Mapping) error {
	if m.lines == nil {
		m.lines = map[string]int{}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return fmt.Errorf("%s (is it YAML? see the README's mapping file)", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// yaml.Unmarshal reads the first document and drops the rest: a
	// second one (after ---) would be a mapping that silently does nothing.
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		line := next.Line
		if len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		if err != nil {
			return fmt.Errorf("%s (is it YAML? see the README's mapping file)", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return fmt.Errorf("line %d: a second YAML document (after ---): a mapping file is one document, so put its keys into the first", line)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file maps nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want keys such as columns: and values:, one per line", root.Line)
	}
	var names []string
	t := reflect.TypeOf(*m)
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	if err := checkDuplicates(root); err != nil {
		return err
	}
	mv := reflect.ValueOf(m).Elem()
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !slices.Contains(names, k.Value) {
			h := "."
			if c := Closest(k.Value, names); c != "" {
				h = ": did you mean " + c + "?"
			}
			return fmt.Errorf("line %d: unknown key %q%s The keys are %s", k.Line, k.Value, h, strings.Join(names, ", "))
		}
		m.lines[k.Value] = k.Line
		if v.Tag == "!!null" {
			continue // "columns:" with nothing under it
		}
		f := fieldByTag(mv, k.Value)
		var err error
		if v.Kind == yaml.MappingNode && (len(v.Content) > 2*mapChunk || f.Kind() == reflect.Map && f.Type().Elem().Kind() == reflect.Map) {
			err = decodeChunked(v, f)
		} else {
			err = v.Decode(f.Addr().Interface())
		}
		if err != nil {
			shape := shapes[k.Value]
			if shape == "" {
				shape = "a different shape (see the README's mapping file)"
			}
			return fmt.Errorf("line %d: %s: want %s", v.Line, k.Value, shape)
		}
		m.recordLines(k.Value, v)
	}
	return nil
}

func fieldByTag(v reflect.Value, tag string) reflect.Value {
	t := v.Type()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == tag {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}

// checkDuplicates refuses a key given twice in any mapping of the tree.
func checkDuplicates(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode {
				if at, dup := seen[k.Value]; dup {
					return fmt.Errorf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, at)
				}
				seen[k.Value] = k.Line
			}
		}
	}
	for _, c := range n.Content {
		if err := checkDuplicates(c); err != nil {
			return err
		}
	}
	return nil
}

// decodeChunked decodes the large mapping n into the map field f, mapChunk
// pairs at a time.
func decodeChunked(n *yaml.Node, f reflect.Value) error {
	if f.Kind() != reflect.Map {
		return n.Decode(f.Addr().Interface())
	}
	if f.IsNil() {
		f.Set(reflect.MakeMapWithSize(f.Type(), len(n.Content)/2))
	}
	if f.Type().Elem().Kind() == reflect.Map && n.Kind == yaml.MappingNode && !hasMergeKey(n) {
		// A map of maps (values: field → roster value → vendor value):
		// yaml.v3 would check each inner mapping's keys pairwise too, so
		// each inner mapping is decoded the same way (a 40,000-entry value
		// map took 2.1 s).
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := reflect.New(f.Type().Key())
			if err := n.Content[i].Decode(k.Interface()); err != nil {
				return err
			}
			v := reflect.New(f.Type().Elem()).Elem()
			if err := decodeChunked(n.Content[i+1], v); err != nil {
				return err
			}
			f.SetMapIndex(k.Elem(), v)
		}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return n.Decode(f.Addr().Interface())
	}
	for i := 0; i < len(n.Content); i += 2 * mapChunk {
		part := &yaml.Node{Kind: yaml.MappingNode, Tag: n.Tag, Line: n.Line, Column: n.Column,
			Content: n.Content[i:min(i+2*mapChunk, len(n.Content))]}
		pv := reflect.New(f.Type())
		if err := part.Decode(pv.Interface()); err != nil {
			return err
		}
		iter := pv.Elem().MapRange()
		for iter.Next() {
			f.SetMapIndex(iter.Key(), iter.Value())
		}
	}
	return nil
}

// hasMergeKey reports a YAML merge key ("<<"), which only yaml.v3's own
// decoding resolves.
func hasMergeKey(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if n.Content[i].Tag == "!!merge" || n.Content[i].Value == "<<" {
			return true
		}
	}
	return false
}

func loadLookup(path string) (*lookupTable, error) {
	b, err := readCapped(path, MaxLookupBytes)
	if err != nil {
		return nil, err
	}
	var rows []lookupRow
	// A configured csv.Reader, not gocsv's global one: gocsv's settings are
	// package-wide.
	r := csv.NewReader(bytes.NewReader(b))
	r.TrimLeadingSpace = true
	if err := gocsv.UnmarshalCSV(r, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w (want a CSV with columns name,id)", path, err)
	}
	t := &lookupTable{ids: make(map[string]string, len(rows)), isID: make(map[string]bool, len(rows))}
	for _, row := range rows {
		name, id := strings.TrimSpace(row.Name), strings.TrimSpace(row.ID)
		if name == "" || id == "" {
			continue
		}
		t.ids[strings.ToLower(name)] = id
		t.isID[strings.ToLower(id)] = true
		t.names = append(t.names, name)
	}
	if len(t.ids) == 0 {
		return nil, fmt.Errorf("%s: no name,id rows", path)
	}
	return t, nil
}

// lowerCase and upperCase follow Unicode's full case mappings (Greek final
// sigma, "ß" upper-cased as "SS"), which strings.ToLower and ToUpper do
// not. A Caser is not safe for concurrent use, so each call makes its own.
func lowerCase(s string) string { return cases.Lower(language.Und).String(s) }

func upperCase(s string) string { return cases.Upper(language.Und).String(s) }

// titleCase lower-cases s and gives each word (runs between white space,
// which becomes one space) its first letter in title case, rune by rune:
// "élodie" is "Élodie", "łukasz" "Łukasz", "ǆuro" "ǅuro". A word that
// starts with a mark, digit or symbol is left lower-case after it.
func titleCase(s string) string {
	words := strings.Fields(lowerCase(s))
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		if r == utf8.RuneError && n <= 1 {
			continue // not UTF-8: left as it is rather than mangled
		}
		words[i] = string(unicode.ToTitle(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

// digitsOnly keeps the decimal digits of s, any script's ("０１２",
// "٠١٢"), written as ASCII digits.
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r > unicode.MaxASCII && unicode.IsDigit(r) {
			// Decimal digits come in runs of ten that start at zero.
			z := r
			for z > 0 && unicode.IsDigit(z-1) && r-z < 60 {
				z--
			}
			return '0' + (r-z)%10
		}
		return -1
	}, s)
}

// NormalizeHeader folds a header for matching: lower case, without spaces,
// '_', '-' and '.' ("First Name" and "first_name" both become "firstname").
//
// A trailing "(required)", which onboard's XLSX template puts on required
// headers, is dropped too, so a filled template maps as it is.
func NormalizeHeader(s string) string {
	var b strings.Builder
	s = strings.ToLower(strings.TrimSpace(s))
	if t, ok := strings.CutSuffix(s, "(required)"); ok {
		s = strings.TrimSpace(t)
	}
	for _, r := range s {
		switch r {
		case ' ', '_', '-', '.', '\t', '\ufeff':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// HeaderMatcher reports whether a roster header names a column that s or m
// reads: a field's name or alias, or a column the mapping file maps or
// splits. The reader uses it to find the header row and to refuse a
// repeated header a field would read.
func HeaderMatcher(s *Schema, m *Mapping) func(header string) bool {
	known := map[string]bool{}
	for i := range s.Fields {
		known[NormalizeHeader(s.Fields[i].Name)] = true
		for _, a := range s.Fields[i].Aliases {
			known[NormalizeHeader(a)] = true
		}
	}
	if m != nil {
		for h := range m.Columns {
			known[NormalizeHeader(h)] = true
		}
		for h := range m.Split {
			known[NormalizeHeader(h)] = true
		}
		for _, h := range m.Metadata {
			known[NormalizeHeader(h)] = true
		}
	}
	return func(header string) bool { return known[NormalizeHeader(header)] }
}

// checkDateFormat refuses a date_format that does not name a day, a month
// and a year: "not a layout" would otherwise fail every date cell.
func checkDateFormat(m *Mapping) error {
	if m.DateFormat == "" {
		return nil
	}
	layout := goLayout(m.DateFormat)
	want := time.Date(2034, time.November, 25, 0, 0, 0, 0, time.UTC)
	got, err := time.Parse(layout, want.Format(layout))
	if err != nil || got.Year() != want.Year() || got.Month() != want.Month() || got.Day() != want.Day() {
		return fmt.Errorf("%sdate_format: %q does not name a day, a month and a year: write it as DD/MM/YYYY (DD MM MMM YYYY YY) or as a Go layout such as 02/01/2006",
			m.where("date_format"), m.DateFormat)
	}
	return nil
}

// checkOverlaps refuses a roster column named in two of columns:, split:,
// ignore: and metadata:: one of the two would silently lose.
func checkOverlaps(m *Mapping) error {
	first := map[string]string{} // normalized header → "section.header"
	check := func(section, h string) error {
		n := NormalizeHeader(h)
		if prev, ok := first[n]; ok {
			psec, ph, _ := strings.Cut(prev, ".")
			if psec == section {
				return nil // the same section twice is yaml's duplicate check's
			}
			return fmt.Errorf("%s%s: column %q is also under %s: (as %q): keep it in one of the two",
				m.where(section+"."+h), section, h, psec, ph)
		}
		first[n] = section + "." + h
		return nil
	}
	for _, section := range []struct {
		name    string
		headers []string
	}{{"columns", keys(m.Columns)}, {"split", keys(m.Split)}, {"metadata", m.Metadata}, {"ignore", m.Ignore}} {
		for _, h := range section.headers {
			if err := check(section.name, h); err != nil {
				return err
			}
		}
	}
	return nil
}
