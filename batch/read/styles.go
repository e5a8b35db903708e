package read

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// Number formats the reader substitutes, in memory only, for the formats a
// workbook's cell styles use. Excelize then renders every date as ISO
// whatever its display format, and the [$-409] locale spares it a slow
// locale search per date cell (about 3x faster on a date column).
const (
	isoDate     = "[$-409]yyyy-mm-dd"
	isoDateTime = "[$-409]yyyy-mm-dd hh:mm"
	// ECMA-376 defines the built-in times 20 and 21 as h:mm and h:mm:ss
	// (Excel shows 0:00 and 9:05); excelize has them as hh:mm and hh:mm:ss.
	builtinHMM   = "[$-409]h:mm"
	builtinHMMSS = "[$-409]h:mm:ss"
	// rawNumFmt is an ID that is neither built in nor defined, for which
	// excelize returns the stored value as is: numbers come out in full
	// (4155550123, 0.3) and skip the format engine.
	rawNumFmt = -1
)

// fmtKind is what a number format shows.
type fmtKind int

const (
	fmtOther    fmtKind = iota // numbers, currency, times, text with literals: keep
	fmtPlain                   // General or Text: the stored value
	fmtDate                    // a calendar date
	fmtDateTime                // a date with a time of day
)

// builtinKinds classifies the built-in formats (ECMA-376 18.8.30) that
// matter; the locale-dependent IDs 27-36 and 50-81 are left to excelize.
var builtinKinds = map[int]fmtKind{
	0: fmtPlain, 49: fmtPlain,
	14: fmtDate, 15: fmtDate, 16: fmtDate, 17: fmtDate,
	22: fmtDateTime,
}

// normalizeStyles rewrites the number format of every cell style: dates to
// ISO date or date-time, General and Text to the raw value. Formats that
// show something else the user relies on (00000 zip codes, 0.00, percent,
// times of day) keep excelize's rendering.
//
// It returns the styles whose format is an elapsed time ([h]:mm) when the
// workbook uses the 1904 date system, whose durations excelize shows four
// years too long.
func normalizeStyles(f *excelize.File) (elapsed1904 map[int]bool, err error) {
	s := f.Styles
	if s == nil || s.CellXfs == nil {
		return nil, nil
	}
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	n := len(s.CellXfs.Xf) // NewStyle below appends styles of its own
	custom := map[int]string{}
	if s.NumFmts != nil {
		for _, nf := range s.NumFmts.NumFmt {
			custom[nf.NumFmtID] = nf.FormatCode
			if nf.FormatCode16 != "" {
				custom[nf.NumFmtID] = nf.FormatCode16
			}
		}
	}
	dateID, err := customNumFmt(f, isoDate)
	if err != nil {
		return nil, err
	}
	dateTimeID, err := customNumFmt(f, isoDateTime)
	if err != nil {
		return nil, err
	}
	hmmID, err := customNumFmt(f, builtinHMM)
	if err != nil {
		return nil, err
	}
	hmmssID, err := customNumFmt(f, builtinHMMSS)
	if err != nil {
		return nil, err
	}
	raw := rawNumFmt
	for i := range n {
		xf := &s.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		kind := builtinKinds[id]
		code, ok := custom[id]
		if ok {
			kind = classifyFormat(code)
		} else if id >= 45 && id <= 47 {
			code = "[mm]:ss" // built-in 46 is [h]:mm:ss; 45 and 47 are mm:ss
		}
		if date1904 && id == 46 || date1904 && ok && elapsedFormat(code) {
			if elapsed1904 == nil {
				elapsed1904 = map[int]bool{}
			}
			elapsed1904[i] = true
		}
		switch {
		case !ok && id == 20:
			xf.NumFmtID = &hmmID
			continue
		case !ok && id == 21:
			xf.NumFmtID = &hmmssID
			continue
		}
		switch kind {
		case fmtPlain:
			xf.NumFmtID = &raw
		case fmtDate:
			xf.NumFmtID = &dateID
		case fmtDateTime:
			xf.NumFmtID = &dateTimeID
		}
	}
	return elapsed1904, nil
}

// customNumFmt registers a custom number format and returns its ID.
func customNumFmt(f *excelize.File, code string) (int, error) {
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return 0, err
	}
	return *f.Styles.CellXfs.Xf[style].NumFmtID, nil
}

// classifyFormat reads a custom format code's first section, skipping
// quoted text, escapes, padding and [..] tags, for date and time tokens.
// "m" alone is a month; with h or s it is minutes.
func classifyFormat(code string) fmtKind {
	c := strings.ToLower(code)
	if c == "general" || c == "@" {
		return fmtPlain
	}
	var date, month, timeOfDay bool
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; ch {
		case ';':
			i = len(c) // only the first (positive) section
		case '"':
			if j := strings.IndexByte(c[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(c)
			}
		case '\\', '_', '*':
			i++ // the next character is literal or padding
		case '[':
			j := strings.IndexByte(c[i:], ']')
			if j < 0 {
				i = len(c)
				break
			}
			if tag := c[i+1 : i+j]; strings.Trim(tag, "hms") == "" && tag != "" {
				return fmtOther // elapsed time such as [h]:mm
			}
			i += j
		case 'g':
			if strings.HasPrefix(c[i:], "general") {
				i += len("general") - 1
			} else {
				date = true // Japanese era
			}
		case 'y', 'd', 'b':
			date = true
		case 'e':
			// era year, unless it is the exponent of 0.00e+00
			if i+1 >= len(c) || (c[i+1] != '+' && c[i+1] != '-') {
				date = true
			}
		case 'm':
			month = true
		case 'h', 's':
			timeOfDay = true
		case 'a':
			if strings.HasPrefix(c[i:], "am/pm") || strings.HasPrefix(c[i:], "a/p") {
				timeOfDay = true
			}
		}
	}
	switch {
	case date && timeOfDay:
		return fmtDateTime
	case date || (month && !timeOfDay):
		return fmtDate
	}
	return fmtOther
}

// elapsedFormat reports a format showing elapsed time: [h], [m] or [s].
func elapsedFormat(code string) bool {
	c := strings.ToLower(code)
	for i := strings.IndexByte(c, '['); i >= 0; {
		j := strings.IndexByte(c[i:], ']')
		if j < 0 {
			return false
		}
		if tag := c[i+1 : i+j]; tag != "" && strings.Trim(tag, "hms") == "" {
			return true
		}
		k := strings.IndexByte(c[i+j:], '[')
		if k < 0 {
			return false
		}
		i += j + k
	}
	return false
}
