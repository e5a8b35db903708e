package reports

import (
	"github.com/xuri/excelize/v2"
)

const summarySheet = "Summary"

// writeSummarySheet adds a Summary sheet with the sections one under the
// other, a blank line between them.
func writeSummarySheet(f *excelize.File, sections []section) error {
	s := newSheetRows(f, summarySheet)
	bold := s.style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	// Long values (the next step, a stop reason) wrap inside their column
	// instead of running across the page and shrinking it to fit.
	wrap := s.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	for i, sec := range sections {
		if i > 0 {
			s.blank()
		}
		s.put(bold, sec.title)
		if len(sec.lines) == 0 {
			s.put(0, "(none)")
		}
		for _, l := range sec.lines {
			if l.value == nil {
				s.put(0, l.label)
			} else if v, ok := l.value.(string); ok && len(v) > 40 {
				s.put(wrap, l.label, l.value)
				if s.err == nil { // excelize sets no height itself: give every wrapped line room
					s.err = s.f.SetRowHeight(summarySheet, s.r, 15*float64(1+len(v)/55))
				}
			} else {
				s.put(0, l.label, l.value)
			}
		}
	}
	s.widths(36, 60)
	return s.err
}
