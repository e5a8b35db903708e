package reports

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "differs from %s (go test -update rewrites it)", path)
}

// checkFileGolden compares a written file with its golden: CSV byte for
// byte, XLSX as a text dump.
func checkFileGolden(t *testing.T, path, name string) {
	t.Helper()
	if strings.HasSuffix(path, ".xlsx") {
		checkGolden(t, name, []byte(dumpXLSX(t, path)))
		return
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	checkGolden(t, name, got)
}

// dumpXLSX renders a workbook as text: per sheet, its visibility, panes,
// autofilter, column widths, data validations, comments and every cell
// with its type and highlight, as wide as the widest row.
func dumpXLSX(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	var b strings.Builder
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	for _, sheet := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(sheet)
		require.NoError(t, err)
		fmt.Fprintf(&b, "== sheet %q visible=%v\n", sheet, visible)
		panes, err := f.GetPanes(sheet)
		require.NoError(t, err)
		if panes.Freeze || panes.Split {
			fmt.Fprintf(&b, "panes: freeze=%v ysplit=%d topleft=%s\n", panes.Freeze, panes.YSplit, panes.TopLeftCell)
		}
		if ref, ok := filters[sheet]; ok {
			fmt.Fprintf(&b, "autofilter: %s\n", ref)
		}
		dvs, err := f.GetDataValidations(sheet)
		require.NoError(t, err)
		for _, dv := range dvs {
			style := ""
			if dv.ErrorStyle != nil {
				style = *dv.ErrorStyle
			}
			fmt.Fprintf(&b, "validation: %s %s %s error=%s\n", dv.Sqref, dv.Type, dv.Formula1, style)
		}
		comments, err := f.GetComments(sheet)
		require.NoError(t, err)
		for _, c := range comments {
			text := c.Text
			for _, r := range c.Paragraph {
				text += r.Text
			}
			fmt.Fprintf(&b, "comment: %s %s %q\n", c.Cell, c.Author, text)
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		width := 0
		for _, r := range rows {
			width = max(width, len(r))
		}
		var ws []string
		for c := 1; c <= width; c++ {
			col, _ := excelize.ColumnNumberToName(c)
			w, err := f.GetColWidth(sheet, col)
			require.NoError(t, err)
			ws = append(ws, strconv.FormatFloat(w, 'f', -1, 64))
		}
		fmt.Fprintf(&b, "widths: %s\n", strings.Join(ws, " "))
		for r := range rows {
			cells := make([]string, width)
			for c := range width {
				cells[c] = dumpCell(t, f, sheet, c+1, r+1)
			}
			fmt.Fprintf(&b, "%d: %s\n", r+1, strings.TrimRight(strings.Join(cells, " | "), " |"))
		}
	}
	return b.String()
}

// dumpCell renders one cell: numbers bare, strings quoted, formulas as
// formula(...), then {bold, fill, font colour} when styled.
func dumpCell(t *testing.T, f *excelize.File, sheet string, col, row int) string {
	ref, err := excelize.CoordinatesToCellName(col, row)
	require.NoError(t, err)
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	formula, err := f.GetCellFormula(sheet, ref)
	require.NoError(t, err)
	typ, err := f.GetCellType(sheet, ref)
	require.NoError(t, err)
	var s string
	switch {
	case formula != "":
		s = "formula(" + formula + ")"
	case typ == excelize.CellTypeNumber || (typ == excelize.CellTypeUnset && v != ""):
		s = v
	case v != "":
		s = strconv.Quote(v)
	}
	id, err := f.GetCellStyle(sheet, ref)
	require.NoError(t, err)
	if id == 0 {
		return s
	}
	st, err := f.GetStyle(id)
	require.NoError(t, err)
	var marks []string
	if st.Font != nil && st.Font.Bold {
		marks = append(marks, "b")
	}
	if st.Font != nil && st.Font.Color != "" {
		marks = append(marks, "font="+st.Font.Color)
	}
	if len(st.Fill.Color) > 0 {
		marks = append(marks, "fill="+st.Fill.Color[0])
	}
	if len(marks) == 0 {
		return s
	}
	return s + "{" + strings.Join(marks, ",") + "}"
}

// Fixtures: a small roster with a secret column and formula-like cells.

var rosterHeader = []string{"Email", "First Name", "Pass-Word", "role", "notes"}

var (
	testStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	testEnd   = testStart.Add(12*time.Second + 345*time.Millisecond)
)

func validationOutcomes() []batch.Outcome {
	return []batch.Outcome{
		{Line: 2, Status: batch.Valid, Cells: []string{"ann@x.org", "Ann", "********", "member", ""}},
		{Line: 3, Status: batch.Invalid, Cells: []string{"", "Bob", "hunter2", "boss", "=cmd|' /C calc'!A0"}, Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "email is required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "must be one of admin, member, guest"},
			{Code: "INVALID_VALUE", Field: "password", Message: "at least 8 characters with a digit"},
		}},
		{Line: 4, Status: batch.Valid, Cells: []string{"cy@x.org", "-Cy", "", "@admin", "+33 6 12 34 56 78"}},
		{Line: 5, Status: batch.Invalid, Cells: []string{"dee@x.org", "\tDee"}, Problems: []batch.Problem{
			{Code: "CONFLICTING_FIELDS", Message: "give either a manager or a team, not both"},
			{Code: "INVALID_VALUE", Field: "firstName", Message: "must not start with a tab"},
		}, Note: "checked twice"},
	}
}

func resultOutcomes() []batch.Outcome {
	return []batch.Outcome{
		{Line: 2, Status: batch.Created, ID: "u-1", VendorStatus: 201, Attempts: 1, Cells: []string{"ann@x.org", "Ann", "********", "member", ""}},
		{Line: 3, Status: batch.Invalid, Cells: []string{"", "Bob", "hunter2", "boss", "=cmd|' /C calc'!A0"}, Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "email is required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "must be one of admin, member, guest"},
		}},
		{Line: 4, Status: batch.Skipped, ID: "u-9", Note: "already onboarded", Cells: []string{"cy@x.org", "Cy", "", "admin", ""}},
		{Line: 5, Status: batch.Failed, VendorStatus: 422, VendorCode: "1023", VendorMsg: "Email already used", Attempts: 1,
			Problems: []batch.Problem{{Code: "VENDOR_REJECTED", Field: "email", Message: "Email already used"}},
			Cells:    []string{"dee@x.org", "-5", "", "@admin", "+33 6 12"}},
		{Line: 6, Status: batch.NotAttempted, Problems: []batch.Problem{{Code: "INTERRUPTED", Message: "the run stopped before this row was sent"}},
			Cells: []string{"eve@x.org", "Eve", "", "guest", ""}},
		{Line: 7, Status: batch.Created, ID: "u-7", Attempts: 2, Note: "recovered: existed at vendor after a lost answer",
			Cells: []string{"fay@x.org", "Fay", "s3cret!", "guest", ""}},
		{Line: 8, Status: batch.Failed, VendorStatus: 500, Attempts: 3,
			Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "=HYPERLINK(\"http://evil\")"}},
			Cells:    []string{"gus@x.org", "Gus", "", "member", "line one\nline \"two\""}},
	}
}

// summaryOf counts outcomes the way the pipeline does.
func summaryOf(command string, outs []batch.Outcome) *batch.Summary {
	s := batch.NewSummary(command, "acme", "roster.csv")
	s.Start, s.End = testStart, testEnd
	for i := range outs {
		s.Add(&outs[i])
		if outs[i].Status == batch.Skipped {
			s.Skipped++
		}
	}
	s.Warnings = []string{`unmapped column "notes"`}
	return s
}

// writeAll writes outs to sink and closes it with sum.
func writeAll(t *testing.T, sink batch.Sink, outs []batch.Outcome, sum *batch.Summary) {
	t.Helper()
	for _, o := range outs {
		require.NoError(t, sink.Write(o))
	}
	require.NoError(t, sink.Close(sum))
}
