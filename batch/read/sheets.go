package read

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// sheetLook is what the first rows of a sheet say.
type sheetLook struct {
	name   string
	filled bool // it has a value in its first rows
	score  int  // the most expected column names one of its first rows holds
}

// lookAt reads up to headerWindow non-blank rows of sheet.
func lookAt(f *excelize.File, sheet string, expect func(string) bool) sheetLook {
	l := sheetLook{name: sheet}
	rows, err := f.Rows(sheet)
	if err != nil {
		return l
	}
	defer rows.Close()
	for seen := 0; seen < headerWindow && rows.Next(); {
		cells, err := rows.Columns()
		if err != nil {
			break
		}
		if width(cells) == 0 {
			continue
		}
		seen++
		l.filled = true
		if expect == nil {
			break
		}
		score := 0
		for _, c := range cells {
			if name := headerName(c); name != "" && expect(name) {
				score++
			}
		}
		l.score = max(l.score, score)
	}
	return l
}

// surveySheets looks at the workbook's other visible sheets when the
// caller named none (the first visible one, first, is read by default).
// It returns the sheet to read and what to tell the user (warnings, notes,
// and the note for a missing-columns error):
//   - the first sheet names no column the caller expects and exactly one
//     other sheet does: that sheet is read, and the warning says so. This
//     is the header detection's own rule (the row naming the most expected
//     columns) applied across sheets, only where it is unambiguous: a
//     cover or instructions sheet before the roster;
//   - several other sheets do: the first is read as before, and the note
//     names them (with --sheet), for the error the missing columns cause;
//   - other sheets with values are mentioned, never read silently.
func surveySheets(f *excelize.File, first string, expect func(string) bool) (sheet string, warnings, notes []string, note string) {
	var others []sheetLook
	for _, s := range f.GetSheetList() {
		if s == first {
			continue
		}
		if visible, err := f.GetSheetVisible(s); err != nil || !visible {
			continue
		}
		if l := lookAt(f, s, expect); l.filled {
			others = append(others, l)
		}
	}
	if len(others) == 0 {
		return first, nil, nil, ""
	}
	sheet = first
	if expect != nil {
		var better []sheetLook
		for _, l := range others {
			if l.score > 0 {
				better = append(better, l)
			}
		}
		if len(better) > 0 && lookAt(f, first, expect).score == 0 {
			if len(better) == 1 {
				sheet = better[0].name
				warnings = append(warnings, fmt.Sprintf("read sheet %q: the first sheet, %q, has no column onboard knows and %q has (--sheet NAME reads another)", sheet, first, sheet))
			} else {
				note = fmt.Sprintf("sheet %q, read by default, has no column onboard knows; sheets %s have some: --sheet NAME reads one", first, quoteList(names(better)))
			}
		}
	}
	var rest []string
	for _, l := range others {
		if l.name != sheet {
			rest = append(rest, l.name)
		}
	}
	if first != sheet {
		rest = append([]string{first}, rest...)
	}
	if len(rest) > 0 {
		notes = append(notes, fmt.Sprintf("sheet %q is read; the workbook's other sheets with values are not: %s (--sheet NAME reads one)", sheet, quoteList(rest)))
	}
	return sheet, warnings, notes, note
}

func names(ls []sheetLook) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.name
	}
	return out
}

// quoteList quotes and joins names, eliding all but the first ten.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return list(q)
}

// Notes are worth knowing but not a problem: the workbook's other sheets
// with values, which are not read.
func (r *xlsxReader) Notes() []string { return r.notes }

// SheetNote says, when the sheet read by default has no column the caller
// expects, which other sheets have some: for the error that follows.
func (r *xlsxReader) SheetNote() string { return r.note }
