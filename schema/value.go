package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dateLayouts are the date forms every roster may use. Anything else needs a
// mapping file's date_format: 03/05/2024 is ambiguous between countries.
var dateLayouts = []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339, "2006-01-02T15:04:05"}

// parse turns one non-empty, already trimmed and mapped cell into the field's
// typed value and checks it. dateFormat is the mapping file's extra layout.
func parse(f *Field, s, dateFormat string) (any, *FieldError) {
	switch f.Type {
	case Integer:
		n, fe := f.checkInteger(s)
		if fe != nil {
			return nil, fe
		}
		return n, nil
	case Number:
		n, fe := f.checkNumber(s, nil)
		if fe != nil {
			return nil, fe
		}
		return n, nil
	case Boolean:
		b, fe := f.checkBoolean(s)
		if fe != nil {
			return nil, fe
		}
		return b, nil
	case Date:
		t, ok := ParseDate(s, dateFormat)
		if !ok {
			want := "a date as YYYY-MM-DD"
			if dateFormat != "" {
				want += " or " + dateFormat
			}
			return nil, f.fail(InvalidValue, s, "must be "+want)
		}
		if f.Check != nil {
			if msg := f.Check(t.Format("2006-01-02")); msg != "" {
				return nil, f.fail(InvalidValue, s, msg)
			}
		}
		return t, nil
	case List:
		sep := f.Separator
		if sep == "" {
			sep = ";"
		}
		var items []string
		for item := range strings.SplitSeq(s, sep) {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			item = f.canonical(item)
			if fe := f.checkEnum(item); fe != nil {
				return nil, fe
			}
			if fe := f.checkString(item); fe != nil {
				return nil, fe
			}
			items = append(items, item)
		}
		if len(items) == 0 {
			return nil, nil
		}
		return items, nil
	case Object:
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, f.fail(InvalidValue, s, `must be a JSON object such as {"key": "value"}`)
		}
		return m, nil
	default:
		s, fe := f.checkText(s, nil)
		if fe != nil {
			return nil, fe
		}
		return s, nil
	}
}

// The checks of the scalar types, shared by parse (which boxes the value
// into a Record) and Mapper.Check (which does not): a dry run checks
// without building what it will not send. plain, when not nil, is the
// field's Pattern as a plainPattern.

// checkInteger parses and checks an Integer cell.
func (f *Field) checkInteger(s string) (int64, *FieldError) {
	s = f.canonical(s)
	n, err := strconv.ParseInt(strings.TrimSuffix(s, ".0"), 10, 64)
	if err != nil {
		return 0, f.fail(InvalidValue, s, "must be a whole number")
	}
	if len(f.Enum) > 0 {
		if fe := f.checkEnum(strconv.FormatInt(n, 10)); fe != nil {
			return 0, fe
		}
	}
	return n, nil
}

// checkNumber parses a Number cell once and checks the text (length,
// pattern, Check) and the number (CheckNumber).
func (f *Field) checkNumber(s string, plain plainPattern) (float64, *FieldError) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, f.fail(InvalidValue, s, "must be a number")
	}
	if fe := f.checkStringPlain(s, plain); fe != nil {
		return 0, fe
	}
	if f.CheckNumber != nil {
		if msg := f.CheckNumber(n); msg != "" {
			return 0, f.fail(InvalidValue, s, msg)
		}
	}
	return n, nil
}

// checkBoolean parses a Boolean cell.
func (f *Field) checkBoolean(s string) (bool, *FieldError) {
	b, ok := ParseBool(s)
	if !ok {
		return false, f.fail(InvalidValue, s, "must be true or false (also yes/no, y/n, 1/0)")
	}
	return b, nil
}

// checkText checks a String cell and returns its canonical spelling.
func (f *Field) checkText(s string, plain plainPattern) (string, *FieldError) {
	s = f.canonical(s)
	if fe := f.checkEnum(s); fe != nil {
		return "", fe
	}
	if fe := f.checkStringPlain(s, plain); fe != nil {
		return "", fe
	}
	return s, nil
}

// canonical maps a synonym or a differently cased enum value to the Enum's
// own spelling; other values come back unchanged.
func (f *Field) canonical(s string) string {
	if len(f.Synonyms) > 0 {
		if v, ok := f.Synonyms[strings.ToLower(s)]; ok {
			return v
		}
	}
	for _, e := range f.Enum {
		if strings.EqualFold(e, s) {
			return e
		}
	}
	return s
}

func (f *Field) checkEnum(s string) *FieldError {
	if len(f.Enum) == 0 {
		return nil
	}
	for _, e := range f.Enum {
		if e == s {
			return nil
		}
	}
	return f.fail(InvalidEnum, s, "must be one of: "+strings.Join(f.Enum, ", "))
}

// checkString applies length, pattern and the custom check to s.
func (f *Field) checkString(s string) *FieldError { return f.checkStringPlain(s, nil) }

// checkStringPlain is checkString with the pattern matched by plain when
// it is not nil.
func (f *Field) checkStringPlain(s string, plain plainPattern) *FieldError {
	if f.MinLen > 0 || f.MaxLen > 0 {
		n := utf8.RuneCountInString(s)
		switch {
		case f.MinLen > 0 && n < f.MinLen && f.MaxLen == f.MinLen:
			return f.fail(InvalidValue, s, fmt.Sprintf("must be exactly %d characters", f.MinLen))
		case f.MinLen > 0 && n < f.MinLen:
			return f.fail(InvalidValue, s, fmt.Sprintf("must be at least %d characters", f.MinLen))
		case f.MaxLen > 0 && n > f.MaxLen && f.MaxLen == f.MinLen:
			return f.fail(InvalidValue, s, fmt.Sprintf("must be exactly %d characters", f.MaxLen))
		case f.MaxLen > 0 && n > f.MaxLen:
			return f.fail(InvalidValue, s, fmt.Sprintf("must be at most %d characters", f.MaxLen))
		}
	}
	if plain != nil {
		if !plain.match(s) {
			return f.fail(InvalidValue, s, "must be "+f.patternWords())
		}
	} else if f.Pattern != nil && !f.Pattern.MatchString(s) {
		return f.fail(InvalidValue, s, "must be "+f.patternWords())
	}
	if f.Check != nil {
		if msg := f.Check(s); msg != "" {
			return f.fail(InvalidValue, s, msg)
		}
	}
	return nil
}

func (f *Field) patternWords() string {
	if f.PatternText != "" {
		return f.PatternText
	}
	return "of the form " + f.Pattern.String()
}

// fail builds a FieldError; secret values are never kept.
func (f *Field) fail(code Code, value, msg string) *FieldError {
	if f.Secret {
		value = ""
	}
	return &FieldError{Field: f.Name, Code: code, Message: msg, Value: value}
}

// ParseBool accepts true/false, yes/no, y/n, 1/0 in any case.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t":
		return true, true
	case "false", "no", "n", "0", "f":
		return false, true
	}
	return false, false
}

// ParseDate accepts ISO dates (with an optional time) and layout.
func ParseDate(s, layout string) (time.Time, bool) {
	if layout != "" {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// CheckEmail is a Field.Check for email addresses. It is deliberately
// simple (one @, a dot in the domain, no spaces: vendors reject far less
// than RFC 5322 allows; this catches typos) and hand-written: the same
// check as a regexp was a fifth of validation time.
func CheckEmail(s string) string {
	at := strings.IndexByte(s, '@')
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if at <= 0 || strings.IndexByte(domain, '@') >= 0 || dot < 1 || dot == len(domain)-1 || strings.ContainsAny(s, " \t\n\r\f\v") {
		return "must be an email address such as ann.lee@example.com"
	}
	return ""
}
