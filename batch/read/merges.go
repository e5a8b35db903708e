package read

import (
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// mergeRange is a merged range of the sheet read: its value is in its
// first (top-left) cell only; the cells it covers are empty in the file,
// though a spreadsheet shows the range as one cell.
type mergeRange struct {
	ref            string // "B2:B4"
	c1, r1, c2, r2 int    // 1-based, inclusive
}

// parseMerges reads merged-range references, dropping what is not one.
func parseMerges(refs []string) []mergeRange {
	var out []mergeRange
	for _, ref := range refs {
		from, to, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(from)
		c2, r2, err2 := excelize.CellNameToCoordinates(to)
		if err1 != nil || err2 != nil || c2 < c1 || r2 < r1 {
			continue
		}
		out = append(out, mergeRange{ref: ref, c1: c1, r1: r1, c2: c2, r2: r2})
	}
	return out
}

// mergedAt lists the cells of sheet row line, among the first width
// columns, that a merged range covers without being its first cell.
func (r *xlsxReader) mergedAt(line, width int) []Merged {
	var out []Merged
	for _, m := range r.merges {
		if line < m.r1 || line > m.r2 {
			continue
		}
		for c := m.c1; c <= m.c2 && c <= width; c++ {
			if c == m.c1 && line == m.r1 {
				continue // the range's own value
			}
			first, _ := excelize.CoordinatesToCellName(m.c1, m.r1)
			out = append(out, Merged{Col: c - 1, Cell: xlsxLabel(c-1) + strconv.Itoa(line), Range: m.ref, First: first})
		}
	}
	return out
}
