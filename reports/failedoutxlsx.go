package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// fixListsSheet holds drop-down values too long for an inline list (Excel
// allows 255 characters); it is very hidden and after the roster's sheet,
// so the fix file reads as one sheet.
const fixListsSheet = "onboard_lists"

// fixCommentAuthor signs the cell comments.
const fixCommentAuthor = "onboard"

// writeXLSX builds the XLSX fix file from the spool: the input's sheet
// name and column order, widths from the content, failing cells
// highlighted with their message as a comment, drop-downs on the enum
// columns.
func (fo *FailedOut) writeXLSX() error {
	spill, err := fo.file.SpillDir()
	if err != nil {
		return err
	}
	f := excelize.NewFile(excelize.Options{TmpDir: spill})
	defer f.Close() // removes the StreamWriter's temp files
	sheet := fo.opts.Sheet
	if sheet == "" {
		sheet = "Fix"
	}
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	head, err := f.NewStyle(headerStyle())
	if err != nil {
		return err
	}
	bad, err := f.NewStyle(fillStyle(toneFills[toneBad]))
	if err != nil {
		return err
	}
	// Dates as the reader gives them (ISO), shown so in every locale.
	dateFmt, dateTimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	dateStyle := map[bool]map[bool]int{}
	for _, timed := range []bool{false, true} {
		dateStyle[timed] = map[bool]int{}
		for _, marked := range []bool{false, true} {
			st := &excelize.Style{CustomNumFmt: &dateFmt}
			if timed {
				st.CustomNumFmt = &dateTimeFmt
			}
			if marked {
				st.Fill = fillStyle(toneFills[toneBad]).Fill
			}
			if dateStyle[timed][marked], err = f.NewStyle(st); err != nil {
				return err
			}
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, w := range fo.maxWidth {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w+2, 8), 60))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(frozenHeader()); err != nil {
		return err
	}
	row := make([]any, len(fo.header))
	for i, h := range fo.header {
		row[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	line := 1
	err = fo.readSpool(func(cells []string, marks map[int]string) error {
		line++
		fo.fitXLSX(cells, marks)
		for i, c := range cells {
			var v any = c
			_, marked := marks[i]
			if i == fo.rowCol {
				if n, err := strconv.Atoi(c); err == nil {
					v = n
				}
			} else if fo.opts.KeepTypes && i < fo.width {
				if n, ok := plainNumber(c); ok {
					v = n
				} else if t, timed, ok := isoDate(c); ok {
					v = excelize.Cell{StyleID: dateStyle[timed][marked], Value: t}
					row[i] = v
					continue
				}
			}
			if marked || i == fo.errCol {
				v = excelize.Cell{StyleID: bad, Value: v}
			}
			row[i] = v
		}
		ref, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, row); err != nil {
			return err
		}
		cols := make([]int, 0, len(marks))
		for c := range marks {
			cols = append(cols, c)
		}
		sort.Ints(cols)
		for _, c := range cols {
			cell, err := excelize.CoordinatesToCellName(c+1, line)
			if err != nil {
				return err
			}
			if err := f.AddComment(sheet, excelize.Comment{Cell: cell, Author: fixCommentAuthor,
				Paragraph: []excelize.RichTextRun{{Text: marks[c]}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := fo.dropDowns(f, sheet, line); err != nil {
		return err
	}
	// Validations must be added before Flush: after it excelize drops
	// them without a word.
	if err := sw.Flush(); err != nil {
		return err
	}
	// Without it excelize's defaults say author "xuri", created 2006.
	if err := setProperties(f, "onboard fix file"); err != nil {
		return err
	}
	return f.Write(fo.file)
}

// plainNumber is s as a number when writing it as one reads back as s:
// a plain decimal of at most 15 significant digits without a leading zero
// ("0042" and "1.50" stay text, as a spreadsheet would change them).
func plainNumber(s string) (float64, bool) {
	if s == "" || len(s) > 17 || s[0] == '+' || s[0] == '.' {
		return 0, false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == '.':
		default:
			return 0, false
		}
	}
	if digits > 15 {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || strconv.FormatFloat(n, 'f', -1, 64) != s {
		return 0, false
	}
	return n, true
}

// isoDate is s as a date (timed: with a time of day) when it is in the
// form the XLSX reader gives a date cell: 2024-09-02 or 2024-09-02 10:30.
func isoDate(s string) (t time.Time, timed, ok bool) {
	if len(s) != len("2006-01-02") && len(s) != len("2006-01-02 15:04") {
		return t, false, false
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, layout != "2006-01-02", true
		}
	}
	return t, false, false
}

// dropDowns adds the enum columns' lists over the data rows, as warnings:
// a value the mapping file translates is still accepted.
func (fo *FailedOut) dropDowns(f *excelize.File, sheet string, last int) error {
	cols := make([]int, 0, len(fo.opts.Enums))
	for c := range fo.opts.Enums {
		if c >= 0 && c < fo.width && len(fo.opts.Enums[c]) > 0 {
			cols = append(cols, c)
		}
	}
	sort.Ints(cols)
	listCol := 0
	for _, c := range cols {
		values := fo.opts.Enums[c]
		name, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", name, name, max(last, 2)))
		if len(strings.Join(values, ",")) <= 255 && !strings.Contains(strings.Join(values, ""), ",") {
			if err := dv.SetDropList(values); err != nil {
				return err
			}
		} else {
			listCol++
			if listCol == 1 {
				if _, err := f.NewSheet(fixListsSheet); err != nil {
					return err
				}
				if err := f.SetSheetVisible(fixListsSheet, false, true); err != nil {
					return err
				}
			}
			ln, err := excelize.ColumnNumberToName(listCol)
			if err != nil {
				return err
			}
			for i, v := range values {
				if err := f.SetCellStr(fixListsSheet, fmt.Sprintf("%s%d", ln, i+1), v); err != nil {
					return err
				}
			}
			dv.SetSqrefDropList(fmt.Sprintf("%s!$%s$1:$%s$%d", fixListsSheet, ln, ln, len(values)))
		}
		// Excel refuses a workbook whose validation texts pass 255
		// characters (title 32).
		title := []rune(fo.header[c])
		msg := []rune("The vendor accepts: " + strings.Join(values, ", "))
		if len(title) > 32 {
			title = title[:32]
		}
		if len(msg) > 250 {
			msg = append(msg[:249], '…')
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, string(title), string(msg))
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}

// fitXLSX makes a row fit XLSX cells, which hold 32,767 characters at most
// (excelize would cut a longer value without a word). A longer roster
// value is left out of its cell, marked, and the row's onboard_error says
// so: the value is in the original file, whole (a CSV fix file holds it).
// A longer onboard_error is shortened, saying by how much.
func (fo *FailedOut) fitXLSX(cells []string, marks map[int]string) {
	var notes []string
	for i, c := range cells {
		if i == fo.errCol || !tooLong(c) {
			continue
		}
		cells[i] = ""
		note := fmt.Sprintf("the value in %q is %d characters, more than an XLSX cell holds (32,767): it is left out here; copy it from the original file's row, or use a CSV fix file (--failed-out fix.csv)", fo.header[i], utf16Len(c))
		marks[i] = note
		notes = append(notes, note)
	}
	if fo.errCol < 0 || fo.errCol >= len(cells) {
		return
	}
	msg := cells[fo.errCol]
	if len(notes) > 0 {
		msg = strings.Join(append([]string{msg}, notes...), "; ")
	}
	if tooLong(msg) {
		r := []rune(msg)
		keep := MaxXLSXCell - 200
		for utf16Len(string(r[:keep])) > MaxXLSXCell-200 {
			keep -= 100
		}
		msg = string(r[:keep]) + fmt.Sprintf(" … (cut here: %d more characters)", len(r)-keep)
	}
	cells[fo.errCol] = msg
}
