package schema

import (
	"regexp"
	"strings"
	"time"
)

// Type is the JSON type a vendor expects for a field.
type Type string

// Field types. A Record holds, per type: String → string, Integer → int64,
// Number → float64, Boolean → bool, Date → time.Time (UTC midnight), List →
// []string, Object → map[string]any.
const (
	String  Type = "string"
	Integer Type = "integer"
	Number  Type = "number"
	Boolean Type = "boolean"
	Date    Type = "date"
	List    Type = "list"
	Object  Type = "object"
)

// Field describes one vendor field. Name is the vendor's own spelling and is
// the key on the wire, typos included (smarterproctoring's "exernalId").
type Field struct {
	Name        string
	Type        Type
	Required    bool
	Description string
	// Enum lists the allowed values as they go on the wire. Matching is
	// case-insensitive; the canonical spelling is stored in the Record.
	Enum []string
	// Synonyms maps other accepted spellings (lower-cased) to an Enum value,
	// e.g. ispring's doc role "learners" → REST "learner".
	Synonyms map[string]string
	// Pattern must match the whole value (anchor it). PatternText says it in
	// words for messages ("AI followed by 32 lowercase hex digits").
	Pattern     *regexp.Regexp
	PatternText string
	// Check is for rules RE2 cannot express (look-ahead password rules) or
	// formats such as email. It returns a message naming the expected form.
	Check func(string) string
	// CheckNumber is Check for a Number field, given the number parsed
	// once: a range, say. It returns a message naming the expected form.
	CheckNumber func(float64) string
	// Warn is a check the vendor does not document (a plausibility rule):
	// a value it flags is valid and sent, with a warning on the row.
	// Dates get it as YYYY-MM-DD.
	Warn func(string) string
	// Past marks a date that cannot be in the future (a date of birth): a
	// two-digit year in date_format resolves into the past (04/17/66 is
	// 1966, not 2066).
	Past   bool
	MinLen int // in runes; 0 means no limit
	MaxLen int // in runes; 0 means no limit
	// Aliases are other roster headers that mean this field ("Given Name").
	Aliases []string
	// Secret fields (passwords) are masked in every output.
	Secret bool
	// Separator splits a List cell; "" means ";".
	Separator string
	// Example is a valid value, for templates and docs.
	Example string
}

// Rule is a rule across fields (required-if, at-most-one-of, custom). It
// sees the typed values of fields that parsed and returns every problem.
type Rule struct {
	Name        string // short, for docs: "invitationMessage required when sendLoginEmail is true"
	Description string
	Check       func(r Record) []FieldError
}

// Schema is one vendor's create-user contract.
type Schema struct {
	Provider string
	Fields   []Field
	Rules    []Rule
	// Key names the fields whose value identifies a person at the vendor
	// (the vendor's unique key), in order of preference: the first
	// non-empty one is the key. Compared case-insensitively.
	Key []string
	// Extra, when set, names an Object field that collects every roster
	// column not mapped to a field (smartapp's metadata).
	Extra string
}

// Field returns the field named name (exact vendor spelling) or nil.
func (s *Schema) Field(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Record is one mapped, validated row: typed values keyed by vendor field
// name. A field left empty in the roster is absent, never "".
type Record map[string]any

// KeyOf returns the person's unique key for s: the first non-empty Key field
// and its value, lower-cased ("email:ann@x.org", "username:alee"). "" if none.
func (s *Schema) KeyOf(r Record) string {
	for _, k := range s.Key {
		if v, ok := r[k].(string); ok && v != "" {
			return strings.ToLower(k) + ":" + strings.ToLower(v)
		}
	}
	return ""
}

// DateOf is a convenience for clients: the Date value of field name.
func (r Record) DateOf(name string) (time.Time, bool) {
	t, ok := r[name].(time.Time)
	return t, ok
}
