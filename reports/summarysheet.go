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
			} else {
				s.put(0, l.label, l.value)
			}
		}
	}
	s.widths(36, 40)
	return s.err
}
