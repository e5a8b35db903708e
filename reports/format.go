package reports

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrFormat is returned for an output path whose extension names no
// supported format.
var ErrFormat = errors.New("unsupported output format (use .xlsx or .csv)")

type format int

const (
	csvFormat format = iota + 1
	xlsxFormat
)

// formatOf picks the format from path's extension, case-insensitively.
// extraCSV lists more extensions read as CSV (the failed-out file keeps
// the input's .tsv or .txt).
func formatOf(path string, extraCSV ...string) (format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".xlsx":
		return xlsxFormat, nil
	case ".csv":
		return csvFormat, nil
	}
	for _, e := range extraCSV {
		if ext == e {
			return csvFormat, nil
		}
	}
	return 0, fmt.Errorf("%s: %w", path, ErrFormat)
}
