package schema

// This file is the engine's API; the bodies are being written.

import "errors"

var errTODO = errors.New("schema engine not written yet")

// Mapping is a YAML mapping file: it overrides how roster columns become
// vendor fields.
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
}

// LoadMapping reads a mapping file. Relative lookup paths are resolved
// against the mapping file's folder.
func LoadMapping(path string) (*Mapping, error) { return nil, errTODO }

// Mapper binds a Schema to one file's header once, then maps rows.
type Mapper struct{ s *Schema }

// NewMapper binds s to header. A required field with no column, no constant
// and no default is an error naming the field.
func NewMapper(s *Schema, header []string, m *Mapping) (*Mapper, error) { return nil, errTODO }

// Map turns one row's cells into a typed Record and returns every problem in
// the row, not just the first.
func (m *Mapper) Map(cells []string) (Record, []FieldError) { return nil, nil }

// FromJSON type-checks a decoded JSON body (as encoding/json makes it) against
// s and runs every field check and rule, so simulators validate requests with
// the same rules as the roster validation.
func FromJSON(s *Schema, body map[string]any) (Record, []FieldError) { return nil, nil }
