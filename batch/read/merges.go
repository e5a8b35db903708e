package read

import (
	"bytes"
	"io"
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

// findMerges reads a worksheet part to its end for its merged ranges
// (<mergeCell ref="B2:B4"/>, after the rows), without checking its XML: a
// byte search, for Options.CheckWhileReading. Up to maxMerges are kept.
func findMerges(r io.Reader) ([]string, error) {
	var merges []string
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		data := buf[:n]
		keep := 0 // bytes of a tag cut at the chunk's end, for the next
		for i := 0; ; {
			j := bytes.Index(data[i:], []byte("mergeCell"))
			if j < 0 {
				keep = min(len("<x:mergeCell"), len(data))
				break
			}
			at := i + j
			i = at + len("mergeCell")
			if i >= len(data) {
				keep = len(data) - at + 1
				break
			}
			if at == 0 || (data[at-1] != '<' && data[at-1] != ':') {
				continue
			}
			if c := data[i]; !isSpace(c) && c != '/' && c != '>' {
				continue
			}
			e := bytes.IndexByte(data[i:], '>')
			if e < 0 {
				if err == nil {
					keep = len(data) - at + 1
				}
				break
			}
			if ref, ok := exactAttr(data[i:i+e], "ref"); ok && len(merges) < maxMerges {
				merges = append(merges, string(ref))
			}
			i += e
		}
		if err == io.EOF {
			return merges, nil
		}
		if err != nil {
			return nil, err
		}
		if keep > len(data) || keep >= len(buf)/2 {
			keep = 0
		}
		copy(buf, data[len(data)-keep:])
		carry = keep
	}
}

// exactAttr is attribute name's raw value in attrs, its name as written
// (no prefix taken off), as xmlCheck reads a merge's ref.
func exactAttr(attrs []byte, name string) ([]byte, bool) {
	for rest := attrs; ; {
		j := bytes.IndexByte(rest, '=')
		if j < 0 {
			return nil, false
		}
		key := bytes.TrimSpace(rest[:j])
		r := bytes.TrimLeft(rest[j+1:], " \t\r\n")
		if len(r) == 0 || (r[0] != '"' && r[0] != '\'') {
			return nil, false
		}
		e := bytes.IndexByte(r[1:], r[0])
		if e < 0 {
			return nil, false
		}
		if string(key) == name {
			return r[1 : 1+e], true
		}
		rest = r[e+2:]
	}
}
