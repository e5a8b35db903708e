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
		t, ok := parseDate(s, dateFormat, f.Past)
		if !ok {
			want := "a date as YYYY-MM-DD"
			if dateFormat != "" {
				want = "a date as " + DateWords(dateFormat) + " or YYYY-MM-DD"
			}
			msg := fmt.Sprintf("must be %s (read %q)", want, s)
			if d, ok := excelSerial(s); ok {
				msg += fmt.Sprintf("; %s looks like an Excel date serial (%s): format the column as a date in the spreadsheet, or write the dates as YYYY-MM-DD", strings.TrimSpace(s), d)
			}
			return nil, f.fail(InvalidValue, s, msg)
		}
		iso := t.Format("2006-01-02")
		if f.Check != nil {
			if msg := f.Check(iso); msg != "" {
				return nil, f.fail(InvalidValue, s, msg)
			}
		}
		if f.Warn != nil {
			if msg := f.Warn(iso); msg != "" {
				w := f.fail(UnlikelyValue, s, msg)
				w.Warning = true
				return t, w
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
		if fe != nil && !fe.Warning {
			return nil, fe
		}
		return s, fe
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

// parseFloat is strconv.ParseFloat(s, 64), quicker for the usual short
// decimal (a sign, at most 15 digits, a point): the digits as an integer,
// exact below 2^53, divided by a power of ten that is exact too, so the
// one rounding is ParseFloat's own (its exact path does the same).
func parseFloat(s string) (float64, error) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		i, neg = 1, s[0] == '-'
	}
	var mant uint64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			return strconv.ParseFloat(s, 64)
		}
	}
	if digits == 0 || digits > 15 {
		return strconv.ParseFloat(s, 64)
	}
	n := float64(mant)
	if frac > 0 {
		n /= exactPow10[frac]
	}
	if neg {
		n = -n
	}
	return n, nil
}

var exactPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// checkNumber parses a Number cell once and checks the text (length,
// pattern, Check) and the number (CheckNumber).
func (f *Field) checkNumber(s string, plain plainPattern) (float64, *FieldError) {
	n, err := parseFloat(s)
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

// checkText checks a String cell and returns its canonical spelling, and
// a warning when a spreadsheet has already rounded the number it holds.
func (f *Field) checkText(s string, plain plainPattern) (string, *FieldError) {
	s = f.canonical(s)
	if fe := f.checkEnum(s); fe != nil {
		return "", fe
	}
	if fe := f.checkStringPlain(s, plain); fe != nil {
		return "", fe
	}
	if len(s) >= 5 && s[0] >= '0' && s[0] <= '9' && !f.Secret {
		if msg := roundedNumber(s); msg != "" {
			w := f.fail(RoundedNumber, s, msg)
			w.Warning = true
			return s, w
		}
	}
	return s, nil
}

// roundedNumber explains a value a spreadsheet has already rounded to its
// 15 significant digits: the scientific form (4.11111111111111E+15) held
// as text, or an integer of 16 or more digits whose digits past the 15th
// are zeros (4111111111111110). "" for anything else.
func roundedNumber(s string) string {
	if s[1] == '.' && strings.ContainsAny(s, "Ee") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s + " is a number in scientific notation, as a spreadsheet shows a long number: the digits after the first 15 are lost; format the column as Text and type the full value"
		}
		return ""
	}
	if len(s) < 16 || s[0] == '0' { // a leading zero: text, never a number
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	if len(strings.TrimRight(s, "0")) > 15 {
		return ""
	}
	return s + " has 16 or more digits but ends in zeros after the 15th: a spreadsheet may have rounded it (Excel and LibreOffice keep 15 digits); check it against the source"
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

// excelSerial reads s as an Excel date serial (days since 1899-12-30, as
// a date cell holds it, shown as a number when the cell is not formatted
// as a date) and returns the date it stands for. Only numbers from 1000
// (1902) to Excel's last date count: a small number is no date.
func excelSerial(s string) (string, bool) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.Atoi(whole)
	if err != nil || n < 1000 || n > 2958465 {
		return "", false
	}
	// Excel counts 1900-02-29, which never was: from 61 on, 1899-12-30 is
	// day 0.
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("2006-01-02"), true
}

// ParseDate accepts ISO dates (with an optional time) and layout.
func ParseDate(s, layout string) (time.Time, bool) { return parseDate(s, layout, false) }

// parseDate is ParseDate; past moves a two-digit year that lands in the
// future a century back (Go reads 00-68 as 20xx).
func parseDate(s, layout string, past bool) (time.Time, bool) {
	if layout != "" {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			if past && strings.Contains(layout, "06") && !strings.Contains(layout, "2006") && t.After(time.Now()) {
				t = t.AddDate(-100, 0, 0)
			}
			return t, true
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
	if at <= 0 || strings.IndexByte(domain, '@') >= 0 || dot < 1 || dot == len(domain)-1 || hasASCIISpace(s) {
		return "must be an email address such as ann.lee@example.com"
	}
	return ""
}

// hasASCIISpace is strings.ContainsAny(s, " \t\n\r\f\v") without
// building the set on each call.
func hasASCIISpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c >= '\t' && c <= '\r' {
			return true
		}
	}
	return false
}

// dateWords says a Go layout in the words people know: 01/02/06 is
// MM/DD/YY.
var dateWords = strings.NewReplacer(
	"2006", "YYYY", "January", "MMMM", "Jan", "MMM", "Monday", "dddd", "Mon", "ddd",
	"01", "MM", "02", "DD", "_2", "D", "06", "YY", "15", "hh", "03", "hh", "04", "mm", "05", "ss",
	"PM", "AM/PM", "pm", "am/pm", "1", "M", "2", "D", "3", "h", "4", "m", "5", "s",
)

// DateWords is a Go date layout as YYYY, MM, DD… (01/02/06 → MM/DD/YY).
func DateWords(layout string) string { return dateWords.Replace(layout) }

// goLayout turns a date_format written in words (DD/MM/YYYY, MM/DD/YY,
// D MMM YYYY) into Go's layout; a Go layout comes back unchanged.
func goLayout(format string) string {
	if !strings.Contains(format, "YY") && !strings.Contains(format, "DD") && !strings.Contains(format, "MM") {
		return format
	}
	return strings.NewReplacer(
		"YYYY", "2006", "YY", "06", "MMMM", "January", "MMM", "Jan", "MM", "01", "M", "1",
		"DD", "02", "D", "2", "hh", "15", "HH", "15", "mm", "04", "ss", "05",
	).Replace(format)
}
