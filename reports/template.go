package reports

import (
	"fmt"
	"strings"

	"github.com/onboard/onboard/schema"
	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX template. The roster comes first because the
// reader takes the first sheet by default.
const (
	rosterSheet       = "Roster"
	instructionsSheet = "Instructions"
	listsSheet        = "_lists"
)

// WriteTemplate writes a blank roster for s to path, .xlsx or .csv. The
// header is the vendor's field names, spelled exactly as the vendor does,
// so it maps without aliases. The field named by s.Extra is not a column
// (it collects the roster's other columns) and is left out.
//
// CSV is the header line alone. XLSX marks required headers in red (the
// text stays the bare field name) with a comment on every header, offers
// a drop-down for every enum and boolean column, and adds an Instructions
// sheet describing each field and the schema's rules. An enum list longer
// than a data validation can hold (255 characters) is kept in a very
// hidden "_lists" sheet.
func WriteTemplate(path string, s *schema.Schema) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	var fields []schema.Field
	for _, fld := range s.Fields {
		if s.Extra == "" || fld.Name != s.Extra {
			fields = append(fields, fld)
		}
	}
	if f == csvFormat {
		return writeCSVTemplate(path, fields)
	}
	out, x, err := createXLSX(path)
	if err != nil {
		return err
	}
	defer out.Abort() // no-op after Close
	defer func() { _ = x.Close() }()
	if err := buildTemplate(x, s, fields); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := x.Write(out); err != nil {
		return wrapPath(path, err)
	}
	return out.Close()
}

func writeCSVTemplate(path string, fields []schema.Field) error {
	out, w, err := createCSV(path, ',')
	if err != nil {
		return err
	}
	names := make([]string, len(fields))
	for i, fld := range fields {
		names[i] = fld.Name
	}
	_ = w.Write(names) // its error is kept by w and returned by finishCSV
	return finishCSV(path, out, w)
}

// templateBuilder fills one workbook.
type templateBuilder struct {
	f     *excelize.File
	lists int // columns used in the _lists sheet
}

func buildTemplate(x *excelize.File, s *schema.Schema, fields []schema.Field) error {
	if err := x.SetSheetName(x.GetSheetName(0), rosterSheet); err != nil {
		return err
	}
	b := &templateBuilder{f: x}
	optional, err := x.NewStyle(headerStyle())
	if err != nil {
		return err
	}
	reqStyle := headerStyle()
	reqStyle.Font.Color = "C00000"
	reqStyle.Fill.Color = []string{toneFills[toneBad]}
	required, err := x.NewStyle(reqStyle)
	if err != nil {
		return err
	}
	// Instructions before the roster's drop-downs, so _lists comes last.
	if err := writeInstructions(x, s); err != nil {
		return err
	}
	for i, fld := range fields {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		style := optional
		if fld.Required {
			style = required
		}
		if err := b.header(col, fld, style); err != nil {
			return fmt.Errorf("field %s: %w", fld.Name, err)
		}
	}
	if err := x.SetPanes(rosterSheet, frozenHeader()); err != nil {
		return err
	}
	if b.lists > 0 {
		// Very hidden: not offered by Excel's Unhide, so nobody edits it by mistake.
		if err := x.SetSheetVisible(listsSheet, false, true); err != nil {
			return err
		}
	}
	x.SetActiveSheet(0)
	return nil
}

// header writes one header cell with its style, width, comment and
// drop-down.
func (b *templateBuilder) header(col string, fld schema.Field, style int) error {
	ref := col + "1"
	if err := b.f.SetCellStr(rosterSheet, ref, fld.Name); err != nil {
		return err
	}
	if err := b.f.SetCellStyle(rosterSheet, ref, ref, style); err != nil {
		return err
	}
	if err := b.f.SetColWidth(rosterSheet, col, col, max(headerWidth(fld.Name), 14)); err != nil {
		return err
	}
	if err := b.f.AddComment(rosterSheet, excelize.Comment{Cell: ref, Author: "onboard", Text: fieldComment(fld)}); err != nil {
		return err
	}
	return b.dropdown(col, fld)
}

// dropdown adds a list validation for enum and boolean columns, from row 2
// to the last row. A list that an inline validation cannot hold (over 255
// characters, or a value with a comma or a quote) goes to the _lists sheet.
// Wrong values only warn: the tool accepts other spellings (case,
// synonyms, yes/no) that a strict list would refuse.
func (b *templateBuilder) dropdown(col string, fld schema.Field) error {
	values := allowedValues(fld)
	if len(values) == 0 {
		return nil
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows)
	// SetDropList refuses a list over 255 characters.
	inline := !strings.ContainsAny(strings.Join(values, ""), `,"`) && dv.SetDropList(values) == nil
	if !inline {
		ref, lerr := b.addList(values)
		if lerr != nil {
			return lerr
		}
		dv.SetSqrefDropList(ref)
	}
	dv.SetError(excelize.DataValidationErrorStyleWarning, "Not a listed value", fld.Name+" expects one of the listed values.")
	return b.f.AddDataValidation(rosterSheet, dv)
}

// addList writes values down the next column of the _lists sheet and
// returns the absolute reference to them.
func (b *templateBuilder) addList(values []string) (string, error) {
	if b.lists == 0 {
		if _, err := b.f.NewSheet(listsSheet); err != nil {
			return "", err
		}
	}
	b.lists++
	col, err := excelize.ColumnNumberToName(b.lists)
	if err != nil {
		return "", err
	}
	for i, v := range values {
		if err := b.f.SetCellStr(listsSheet, fmt.Sprintf("%s%d", col, i+1), v); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("'%s'!$%s$1:$%s$%d", listsSheet, col, col, len(values)), nil
}

// allowedValues is the drop-down list of a field: its enum, or true/false
// for a boolean.
func allowedValues(fld schema.Field) []string {
	if len(fld.Enum) > 0 {
		return fld.Enum
	}
	if fld.Type == schema.Boolean {
		return []string{"true", "false"}
	}
	return nil
}

// fieldComment is the note on a header cell.
func fieldComment(fld schema.Field) string {
	s := "Optional"
	if fld.Required {
		s = "Required"
	}
	s += ": " + typeWords(fld)
	if fld.Description != "" {
		s += ". " + fld.Description
	}
	return s
}
