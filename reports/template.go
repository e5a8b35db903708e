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
//
// Text columns (every string and list field, and fields named as IDs,
// phones or postcodes) are formatted as Text ("@"), so Excel keeps leading
// zeros and 16-digit IDs as typed. A required header reads
// "email (required)" as well as being red: the reader maps it back to its
// field. Every drop-down has an input message listing its values, and
// the Instructions sheet names onboard's version (opts' Version) and the
// provider. At most one opts is used.
func WriteTemplate(path string, s *schema.Schema, opts ...TemplateOptions) error {
	var opt TemplateOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
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
	if err := buildTemplate(x, s, fields, opt); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := setProperties(x, "onboard template for "+s.Provider); err != nil {
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

// TemplateOptions tune the template.
type TemplateOptions struct {
	Version string // onboard's version, stamped on the Instructions sheet
}

// requiredMark follows a required field's name in the XLSX template's
// header; schema.NormalizeHeader drops it, so the filled template maps.
const requiredMark = " (required)"

// templateBuilder fills one workbook.
type templateBuilder struct {
	f     *excelize.File
	lists int // columns used in the _lists sheet
	text  int // the Text number format's style
}

func buildTemplate(x *excelize.File, s *schema.Schema, fields []schema.Field, opt TemplateOptions) error {
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
	if b.text, err = x.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // 49 is "@", Text
		return err
	}
	// Instructions before the roster's drop-downs, so _lists comes last.
	if err := writeInstructions(x, s, opt.Version); err != nil {
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
	name := fld.Name
	if fld.Required {
		name += requiredMark
	}
	if textColumn(fld) {
		// The column's default style, so every cell typed into it is
		// Text; the header keeps its own style.
		if err := b.f.SetColStyle(rosterSheet, col, b.text); err != nil {
			return err
		}
	}
	if err := b.f.SetCellStr(rosterSheet, ref, name); err != nil {
		return err
	}
	if err := b.f.SetCellStyle(rosterSheet, ref, ref, style); err != nil {
		return err
	}
	if err := b.f.SetColWidth(rosterSheet, col, col, max(headerWidth(name), 14)); err != nil {
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
	dv.SetInput(inputTitle(fld.Name), inputMessage(values))
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

// textColumn reports whether a field's column is Text-formatted: strings
// and lists (Excel would turn 0012 into 12, a 16-digit ID into
// 1.23457E+15, 1-2 into a date), and any field named as an ID, phone or
// postcode whatever its type.
func textColumn(fld schema.Field) bool {
	if fld.Type == schema.String || fld.Type == schema.List {
		return true
	}
	n := strings.ToLower(fld.Name)
	if strings.HasSuffix(fld.Name, "Id") || strings.HasSuffix(fld.Name, "ID") || strings.HasSuffix(n, "_id") {
		return true
	}
	for _, w := range []string{"phone", "mobile", "fax", "zip", "postcode", "postal"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// inputTitle is a drop-down's prompt title: Excel allows 32 characters.
func inputTitle(name string) string {
	if r := []rune(name); len(r) > 32 {
		return string(r[:31]) + "…"
	}
	return name
}

// inputMessage is a drop-down's prompt: its values, or how many there are
// when they do not fit Excel's 255 characters.
func inputMessage(values []string) string {
	msg := "One of: " + strings.Join(values, ", ")
	if len([]rune(msg)) <= 255 {
		return msg
	}
	return fmt.Sprintf("Pick one of the %d values from the drop-down.", len(values))
}
