package schema

import "fmt"

// Code is a validation error code written to reports. The list is
// append-only: users filter on these values.
type Code string

// Validation codes.
const (
	MissingRequired   Code = "MISSING_REQUIRED"
	InvalidValue      Code = "INVALID_VALUE"
	InvalidEnum       Code = "INVALID_ENUM"
	ConflictingFields Code = "CONFLICTING_FIELDS"
	DuplicateInFile   Code = "DUPLICATE_IN_FILE"
	CellTooLong       Code = "CELL_TOO_LONG" // a cell longer than the output format can hold
	// MalformedRow: the row has values beyond the header's last column.
	MalformedRow Code = "MALFORMED_ROW"
	// FormulaNoValue: the cell holds a formula whose result was never
	// saved (an error for a required field, else a warning).
	FormulaNoValue Code = "FORMULA_NO_VALUE"
	// Warning codes: the row is valid, and the report says what to check.
	RoundedNumber Code = "ROUNDED_NUMBER" // a spreadsheet already rounded the number
	UnlikelyValue Code = "UNLIKELY_VALUE" // valid for the vendor, but probably a typo
)

// FieldError is one problem with one field of one row. Field is the vendor's
// spelling; Message names the expected form. Value is never set for Secret
// fields.
type FieldError struct {
	Field   string
	Code    Code
	Message string
	Value   string
	// Warning marks a problem that does not make the row invalid: the
	// value is kept and sent, and the report shows the warning.
	Warning bool
}

// Failed reports whether errs holds a problem that makes the row invalid
// (anything but a warning).
func Failed(errs []FieldError) bool {
	for i := range errs {
		if !errs[i].Warning {
			return true
		}
	}
	return false
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Field, e.Code, e.Message)
}

// RowError wraps a row's field errors with the row number the user sees.
type RowError struct {
	Line   int
	Errors []FieldError
}

func (e *RowError) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("row %d: invalid", e.Line)
	}
	return fmt.Sprintf("row %d: %v (and %d more)", e.Line, e.Errors[0], len(e.Errors)-1)
}
