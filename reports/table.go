package reports

// table is one sheet written row by row, top to bottom: an XLSX
// StreamWriter sheet or a CSV file. The sinks decide what goes in a row;
// the table decides how it is stored.
type table interface {
	// row writes one data row. tones, when not nil, is parallel to cells
	// and colours cells in XLSX; CSV ignores it.
	row(cells []string, tones []tone) error
	// close finishes the file. sections become a Summary sheet in XLSX
	// (none when nil); CSV has no room for them and ignores them.
	close(sections []section) error
	// abort drops the file: nothing is put in place.
	abort()
}

// tone is a cell's highlight in XLSX.
type tone uint8

const (
	plain tone = iota
	toneBad
	toneCreated
	toneSkipped
	toneInvalid
	toneFailed
	toneNotAttempted
	numTones
)

// toneFills are the fill colours per tone (plain has none).
var toneFills = [numTones]string{
	toneBad:          "FFC7CE", // light red
	toneCreated:      "C6EFCE", // green
	toneSkipped:      "DDEBF7", // grey-blue
	toneInvalid:      "F8CBAD", // orange
	toneFailed:       "FF9999", // red
	toneNotAttempted: "FFEB9C", // yellow
}

// section is a titled block of label/value lines in a Summary sheet.
type section struct {
	title string
	lines []line
}

// line is one label and its value (string, int or float64; nil for none).
type line struct {
	label string
	value any
}
