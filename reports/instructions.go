package reports

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/onboard/onboard/schema"
	"github.com/xuri/excelize/v2"
)

var instructionColumns = []any{"field", "required", "type", "allowed values", "format", "length", "aliases", "example", "description"}

// writeInstructions adds the Instructions sheet: how to fill in the
// roster, one line per field, then the rules across fields.
func writeInstructions(x *excelize.File, sc *schema.Schema, version string) error {
	s := newSheetRows(x, instructionsSheet)
	bold := s.style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	head := s.style(headerStyle())
	s.put(bold, "Roster template for "+sc.Provider)
	s.put(0, "Made by onboard "+cmp.Or(version, "devel")+" for provider "+sc.Provider+": run it with onboard validate -p "+sc.Provider+" FILE.xlsx")
	s.put(0, "One person per row in the Roster sheet. Keep the header row as it is: the column names are the vendor's field names.")
	s.put(0, "Required columns have a red header ending in (required). Columns with a drop-down expect one of the listed values.")
	s.put(0, "Text columns keep what you type as you typed it (leading zeros, long IDs): paste values only into them.")
	s.blank()
	s.put(head, instructionColumns...)
	for _, fld := range sc.Fields {
		s.put(0, fieldRow(sc, fld)...)
	}
	s.blank()
	s.put(bold, "Rules across fields")
	if len(sc.Rules) == 0 {
		s.put(0, "(none)")
	}
	for _, rule := range sc.Rules {
		s.put(0, rule.Name, rule.Description)
	}
	// Column A holds the field and rule names: as wide as the longest,
	// within reason (longer rule names wrap).
	first := 14.0
	for _, fld := range sc.Fields {
		first = max(first, headerWidth(fld.Name))
	}
	for _, rule := range sc.Rules {
		first = max(first, float64(len([]rune(rule.Name))+2))
	}
	s.widths(min(first, 60), 10, 22, 40, 40, 22, 28, 24, 60)
	return s.err
}

// fieldRow describes one field in instructionColumns order.
func fieldRow(s *schema.Schema, fld schema.Field) []any {
	required := "no"
	if fld.Required {
		required = "yes"
	}
	format := fld.PatternText
	if format == "" && fld.Pattern != nil {
		format = "matches " + fld.Pattern.String()
	}
	desc := fld.Description
	if fld.Name == s.Extra {
		desc = strings.TrimSpace(desc + " Not a column: every roster column that is not a field goes here.")
	}
	if fld.Secret {
		desc = strings.TrimSpace(desc + " Secret: masked in every report.")
	}
	return []any{
		fld.Name, required, typeWords(fld), strings.Join(allowedValues(fld), ", "), format,
		lengthWords(fld.MinLen, fld.MaxLen), strings.Join(fld.Aliases, ", "), fld.Example, desc,
	}
}

// typeWords says a field's type for people.
func typeWords(fld schema.Field) string {
	switch fld.Type {
	case schema.String:
		return "text"
	case schema.Integer:
		return "whole number"
	case schema.Number:
		return "number"
	case schema.Boolean:
		return "true or false"
	case schema.Date:
		return "date (YYYY-MM-DD)"
	case schema.List:
		sep := fld.Separator
		if sep == "" {
			sep = ";"
		}
		return fmt.Sprintf("list separated by %q", sep)
	case schema.Object:
		return "object"
	}
	return string(fld.Type)
}

// lengthWords says a length limit in characters; "" when there is none.
func lengthWords(minLen, maxLen int) string {
	switch {
	case minLen > 0 && maxLen > 0:
		return fmt.Sprintf("%d to %d characters", minLen, maxLen)
	case minLen > 0:
		return fmt.Sprintf("at least %d characters", minLen)
	case maxLen > 0:
		return fmt.Sprintf("at most %d characters", maxLen)
	}
	return ""
}
