package schema

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
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
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
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

func loadLookup(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []lookupRow
	// A configured csv.Reader, not gocsv's global one: gocsv's settings are
	// package-wide.
	r := csv.NewReader(f)
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
