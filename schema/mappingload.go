package schema

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// shapes say, per mapping-file key, what its value looks like: yaml's own
// errors name Go types ("cannot unmarshal !!seq into map[string]string").
var shapes = map[string]string{
	"columns":     "lines of roster header: field, such as \"Staff Email: email\"",
	"constants":   "lines of field: value",
	"defaults":    "lines of field: value",
	"values":      "a field, then under it lines of roster value: vendor value",
	"transforms":  "lines of field: [trim, lower]",
	"split":       "lines of roster column: [firstField, lastField]",
	"required":    "a list of fields, such as [mobile, department]",
	"lookups":     "lines of field: file.csv",
	"date_format": "one Go date layout, such as 02/01/2006",
	"ignore":      "a list of roster columns, such as [Notes, Manager]",
	"header_row":  "a row number, such as 3",
	"metadata":    "a list of roster columns, such as [Employee ID, Cost Centre]",
}

// recordLines keeps the line of every entry under key: "columns.E-mail",
// "values.role.Learner", "required.mobile".
func (m *Mapping) recordLines(key string, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := key + "." + n.Content[i].Value
			if _, ok := m.lines[k]; !ok {
				m.lines[k] = n.Content[i].Line
			}
			m.recordLines(k, n.Content[i+1])
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			k := key + "." + item.Value
			if _, ok := m.lines[k]; !ok {
				m.lines[k] = item.Line
			}
		}
	}
}

// at is "line N: " for the entry key, or "" when its line is not known
// (a Mapping made in code).
func (m *Mapping) at(key string) string {
	if n, ok := m.lines[key]; ok {
		return fmt.Sprintf("line %d: ", n)
	}
	for k := key; strings.Contains(k, "."); {
		k = k[:strings.LastIndex(k, ".")]
		if n, ok := m.lines[k]; ok {
			return fmt.Sprintf("line %d: ", n)
		}
	}
	return ""
}

// where is "mapping file PATH: line N: " for the entry key.
func (m *Mapping) where(key string) string {
	s := "mapping file"
	if m.path != "" {
		s += " " + m.path
	}
	return s + ": " + m.at(key)
}

// hint is ": did you mean X?" for the closest candidate, or "".
func hint(word string, candidates []string) string {
	if c := Closest(word, candidates); c != "" {
		return ": did you mean " + c + "?"
	}
	return ""
}

// allowedEnum reports whether v is one of f's values or their synonyms,
// ignoring case, as the row check would accept it.
func allowedEnum(f *Field, v string) bool {
	if slices.ContainsFunc(f.Enum, func(e string) bool { return strings.EqualFold(e, v) }) {
		return true
	}
	_, ok := f.Synonyms[strings.ToLower(v)]
	return ok
}
