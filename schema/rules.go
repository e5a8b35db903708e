package schema

import (
	"fmt"
	"strings"
)

// RequiredIf makes field required when cond holds; why says when, in words
// ("when sendLoginEmail is true").
func RequiredIf(field, why string, cond func(Record) bool) Rule {
	return Rule{
		Name:        field + " required " + why,
		Description: fmt.Sprintf("%s is required %s", field, why),
		Check: func(r Record) []FieldError {
			if _, ok := r[field]; ok || !cond(r) {
				return nil
			}
			return []FieldError{{Field: field, Code: MissingRequired, Message: "is required " + why}}
		},
	}
}

// AtMostOneOf allows at most one of fields to be given.
func AtMostOneOf(fields ...string) Rule {
	list := strings.Join(fields, ", ")
	return Rule{
		Name:        "at most one of " + list,
		Description: "give at most one of " + list,
		Check: func(r Record) []FieldError {
			var given []string
			for _, f := range fields {
				if _, ok := r[f]; ok {
					given = append(given, f)
				}
			}
			if len(given) < 2 {
				return nil
			}
			return []FieldError{{Field: given[1], Code: ConflictingFields,
				Message: fmt.Sprintf("give at most one of %s (got %s)", list, strings.Join(given, " and "))}}
		},
	}
}

// AllOrNone requires every field of the group once any of them is given.
func AllOrNone(fields ...string) Rule {
	list := strings.Join(fields, "/")
	return Rule{
		Name:        list + " all or none",
		Description: "give all of " + list + " or none",
		Check: func(r Record) []FieldError {
			var have, lack []string
			for _, f := range fields {
				if _, ok := r[f]; ok {
					have = append(have, f)
				} else {
					lack = append(lack, f)
				}
			}
			if len(have) == 0 || len(lack) == 0 {
				return nil
			}
			var errs []FieldError
			for _, f := range lack {
				errs = append(errs, FieldError{Field: f, Code: MissingRequired,
					Message: fmt.Sprintf("is required when %s is given (%s go together)", strings.Join(have, ", "), list)})
			}
			return errs
		},
	}
}

// Equals reports whether field holds v (strings compare case-insensitively).
func Equals(field string, v any) func(Record) bool {
	return func(r Record) bool {
		got, ok := r[field]
		if !ok {
			return false
		}
		if s, ok := got.(string); ok {
			if w, ok := v.(string); ok {
				return strings.EqualFold(s, w)
			}
		}
		return got == v
	}
}
