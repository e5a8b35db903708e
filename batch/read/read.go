// Package read is stage 1 of the pipeline: it streams roster rows from CSV
// or XLSX files in constant memory.
package read

import (
	"errors"
	"fmt"
)

// Row is one data row.
type Row struct {
	Line  int      // the row number the user sees: the header is row 1 (CSV: physical line of the record's start)
	Cells []string // owned by the Row; padded or trimmed to the header's width
}

// Reader yields rows in file order. Read returns io.EOF after the last row.
// It is used from one goroutine.
type Reader interface {
	Header() []string
	Read() (Row, error)
	Close() error
}

// Options tune reading. Zero values mean detect or default.
type Options struct {
	Sheet     string // XLSX: sheet name or 1-based index; "" means the first sheet
	Delimiter rune   // CSV: 0 means detect from the header line
	Encoding  string // CSV: "", "utf-8", "utf-16le", "utf-16be", "windows-1252"; "" means detect
	// Limits; zero means the package defaults.
	MaxCellBytes  int   // default 64 KiB
	MaxRowBytes   int   // default 1 MiB
	MaxColumns    int   // default 1,000
	MaxUnzipBytes int64 // XLSX: default 1 GiB total, worksheet parts included
}

// ErrNotImplemented is returned until the readers exist.
var ErrNotImplemented = errors.New("not implemented")

// Error is a file-level problem: one clear line naming the file, the row
// where known, and what is wrong.
type Error struct {
	File string
	Line int // 0 when not known
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: row %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Open picks the reader from the file's content (not only its extension).
func Open(path string, opt Options) (Reader, error) {
	return nil, &Error{File: path, Err: ErrNotImplemented}
}
