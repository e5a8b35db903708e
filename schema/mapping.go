package schema

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
	Ignore     []string                     `yaml:"ignore"`     // roster columns not to warn about
	HeaderRow  int                          `yaml:"header_row"` // the header's row as a spreadsheet numbers it; 0: detect

	// lookups loaded from Lookups: field → lower(name) → id.
	tables map[string]map[string]string
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

// LoadMapping reads a mapping file. Unknown keys are errors (a typo must not
// silently do nothing). Lookup paths are relative to the mapping file.
func LoadMapping(path string) (*Mapping, error) {
	b, err := readCapped(path, MaxMappingBytes)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	var m Mapping
	if err := decodeMapping(b, &m); err != nil {
		return nil, fmt.Errorf("mapping file %s: %w", path, err)
	}
	for field, names := range m.Transforms {
		for _, n := range names {
			if transforms[n] == nil {
				return nil, fmt.Errorf("mapping file %s: transforms.%s: unknown transform %q (known: trim, lower, upper, title, digits)", path, field, n)
			}
		}
	}
	if m.HeaderRow < 0 {
		return nil, fmt.Errorf("mapping file %s: header_row: %d is not a row number (rows start at 1; leave it out to detect the header)", path, m.HeaderRow)
	}
	for col, into := range m.Split {
		if len(into) != 2 {
			return nil, fmt.Errorf("mapping file %s: split.%s: needs two fields [first, last], got %d", path, col, len(into))
		}
	}
	for field, file := range m.Lookups {
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		t, err := loadLookup(file)
		if err != nil {
			return nil, fmt.Errorf("mapping file %s: lookups.%s: %w", path, field, err)
		}
		if m.tables == nil {
			m.tables = map[string]map[string]string{}
		}
		m.tables[field] = t
	}
	return &m, nil
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
	f, err := os.Open(path)
	if err != nil {
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

// decodeMapping decodes a mapping file in time linear in its size: the
// document is parsed into nodes (linear), unknown top-level keys and
// duplicate keys are refused here, and each mapping is decoded chunk by
// chunk.
func decodeMapping(b []byte, m *Mapping) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if len(doc.Content) == 0 {
		return nil // an empty file maps nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return root.Decode(m) // yaml's own "cannot unmarshal" message
	}
	known := map[string]bool{}
	t := reflect.TypeOf(*m)
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" {
			known[tag] = true
		}
	}
	if err := checkDuplicates(root); err != nil {
		return err
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line, Column: root.Column}
	mv := reflect.ValueOf(m).Elem()
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !known[k.Value] {
			return fmt.Errorf("line %d: field %s not found in type schema.Mapping", k.Line, k.Value)
		}
		if v.Kind != yaml.MappingNode || len(v.Content) <= 2*mapChunk {
			rest.Content = append(rest.Content, k, v)
			continue
		}
		f := fieldByTag(mv, k.Value)
		if err := decodeChunked(v, f); err != nil {
			return err
		}
	}
	return rest.Decode(m)
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

func loadLookup(path string) (map[string]string, error) {
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
	t := make(map[string]string, len(rows))
	for _, row := range rows {
		if row.Name == "" || row.ID == "" {
			continue
		}
		t[strings.ToLower(strings.TrimSpace(row.Name))] = strings.TrimSpace(row.ID)
	}
	if len(t) == 0 {
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
func NormalizeHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
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
	}
	return func(header string) bool { return known[NormalizeHeader(header)] }
}
