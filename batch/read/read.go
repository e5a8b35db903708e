// Package read is stage 1 of the pipeline: it streams roster rows from CSV
// or XLSX files in constant memory.
//
// Open decides the format from the content: a zip is XLSX, text is CSV.
// Both readers give the same shape: a trimmed header, then rows padded to
// the header's width with blank rows skipped, each carrying the row number
// a spreadsheet shows (a CSV record with line breaks in a quoted cell is
// one row). The header is the row Options.HeaderRow names, or else the
// best of the first 20 non-blank rows (see pickHeader): title, note and
// "version:" rows above it are not data. Blank header names become
// "Column N", repeated ones "Name (2)", and a column holding values in the
// first rows but no name is read as "Column N"; each is a warning. Cells are returned as the user sees them, not
// trimmed; XLSX dates come out as YYYY-MM-DD (YYYY-MM-DD HH:MM with a time
// of day) and numbers in full (4155550123, 0.3).
//
// A row with values beyond every column is that row alone Malformed. What
// would make every later row unreliable (a quoted cell that never closes,
// invalid UTF-8, a size limit) is a *Error for the whole file: the reader
// never drops or guesses data.
package read

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Row is one data row.
type Row struct {
	Line  int      // the row number a spreadsheet shows for it
	Cells []string // owned by the Row; padded or trimmed to the header's width
	// Malformed, when set, says which cells beyond the header's last
	// column hold values: the row's cells cannot be trusted.
	Malformed string
	// Formulas are the cells (XLSX) that hold a formula with no saved
	// result: read as empty, they are not what a spreadsheet would show.
	Formulas []Formula
	// Merged are the cells (XLSX) inside a merged range other than its
	// first: empty in the file, though a spreadsheet shows the range's
	// value across them.
	Merged []Merged
}

// Merged is a cell covered by a merged range.
type Merged struct {
	Col   int    // 0-based column
	Cell  string // "B3"
	Range string // "B2:B4"
	First string // the range's first cell, which holds its value: "B2"
}

// Formula is a cell holding a formula with no saved result.
type Formula struct {
	Col  int    // 0-based column
	Cell string // its name as a spreadsheet shows it ("D2")
}

// Reader yields rows in file order. Read returns io.EOF after the last row.
// Any other error is a *Error about the whole file (a row the reader cannot
// split safely), and Read keeps returning it. It is used from one goroutine.
type Reader interface {
	Header() []string
	// HeaderRow is the row the header was read from.
	HeaderRow() int
	// Warnings are what the reader noticed and read anyway (unnamed or
	// repeated column names).
	Warnings() []string
	Read() (Row, error)
	Close() error
}

// RowEstimator is a Reader that can estimate, from what it has read so
// far, how many data rows its input holds (0 when it cannot say). It is
// not safe to call while another goroutine reads.
type RowEstimator interface {
	EstimateRows() int
}

// RowsReader is a Reader that can return several rows at once (a block
// it parsed), each slice the caller's: Read's rows without a call and a
// copy per row. Mixed with Read, the rows stay in file order.
type RowsReader interface {
	ReadRows() ([]Row, error)
}

// Options tune reading. Zero values mean detect or default.
type Options struct {
	Sheet     string // XLSX: sheet name or 1-based index; "" means the first visible sheet
	Delimiter rune   // CSV: 0 means detect from the header line
	Encoding  string // CSV: one of Encodings (or an alias); "" means detect
	// HeaderRow is the header's row as a spreadsheet numbers it; 0 means
	// detect it among the first 20 non-blank rows.
	HeaderRow int
	// Expect reports whether a header cell (trimmed) names a column the
	// caller knows: it picks the header row, and a repeated name it
	// expects is an error rather than renamed. nil expects nothing.
	Expect func(name string) bool
	// Limits; zero means the package defaults.
	MaxCellBytes  int   // default 64 KiB
	MaxRowBytes   int   // default 1 MiB
	MaxColumns    int   // default 1,000
	MaxUnzipBytes int64 // XLSX: default 1 GiB total, worksheet parts included

	// CheckWhileReading checks an XLSX worksheet for damage as its rows
	// are read rather than before the first (the other parts are still
	// checked at open): one pass over the sheet instead of two. Damage
	// then ends the read with the error Open would have returned, after
	// rows were given: only for callers that send nothing before the read
	// ends (validate). run keeps the check at open.
	CheckWhileReading bool

	// sstAbove, when not 0, replaces the size over which the XLSX reader
	// keeps the shared strings itself rather than excelize (tests set -1:
	// always).
	sstAbove int64
	// excelizeRows reads XLSX rows with excelize's row iterator, the way
	// before the byte scanner, for the tests that compare the two.
	excelizeRows bool
	// recordByRecord reads CSV through encoding/csv one record at a
	// time, the path other delimiters take, for the tests that compare
	// it with the block path.
	recordByRecord bool
}

// Default limits, used where Options leaves a limit at zero.
const (
	DefaultMaxCellBytes  = 64 << 10
	DefaultMaxRowBytes   = 1 << 20
	DefaultMaxColumns    = 1000
	DefaultMaxUnzipBytes = 1 << 30
)

// withDefaults fills the zero limits.
func (o Options) withDefaults() Options {
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = DefaultMaxCellBytes
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = DefaultMaxRowBytes
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	return o
}

// Sentinels for the file problems callers may branch on; test with errors.Is
// on the *Error that Open or Read returns.
var (
	ErrEmpty       = errors.New("file is empty")
	ErrNoDataRows  = errors.New("no data rows after the header")
	ErrLegacyXLS   = errors.New("legacy .xls is not supported; save as .xlsx or .csv")
	ErrEncrypted   = errors.New("password-protected workbooks are not supported; remove the password and save as .xlsx")
	ErrNotTabular  = errors.New("not a CSV or XLSX file")
	ErrCorruptXLSX = errors.New("not a valid XLSX file (corrupt or truncated zip)")
	// ErrNotRegular is a path that is not a regular file: a pipe (such as
	// /dev/fd/63 from <(...)), a device, a folder.
	ErrNotRegular = errors.New("not a regular file: onboard reads rosters from files; save it to a file first")
	// ErrLimit is wrapped by every "over a size limit" error (cell, row,
	// columns, unzipped size), whose own message names the limit.
	ErrLimit = errors.New("size limit exceeded")
)

// Error is a file-level problem: one clear line naming the file, the row
// where known, and what is wrong.
type Error struct {
	File  string
	Sheet string // XLSX: the sheet read, once known
	Line  int    // 0 when not known
	Err   error
}

func (e *Error) Error() string {
	file := e.File
	if e.Sheet != "" && !strings.Contains(e.Err.Error(), fmt.Sprintf("sheet %q", e.Sheet)) {
		file += fmt.Sprintf(" (sheet %q)", e.Sheet)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s: row %d: %v", file, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", file, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// OpenError says why a file cannot be opened in onboard's words, without
// Go's "open PATH:" (the caller names the file once); errors.Is still
// finds fs.ErrNotExist and fs.ErrPermission.
func OpenError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return kindf(fs.ErrNotExist, "no such file (check the path and the current folder)")
	case errors.Is(err, fs.ErrPermission):
		return kindf(fs.ErrPermission, "not readable by this user (permission denied)")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kindError gives a sentinel a more specific message while errors.Is still
// finds the sentinel.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// kindf returns an error reading as the formatted message that matches kind.
func kindf(kind error, format string, a ...any) error {
	return &kindError{msg: fmt.Sprintf(format, a...), kind: kind}
}

// sniffSize is how much of the file Open looks at to decide its kind.
const sniffSize = 8 << 10

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Open picks the reader from the file's content (not only its extension):
// a zip is read as XLSX, anything else as text CSV. It reads the header and
// the first data row, so a file with neither fails here.
func Open(path string, opt Options) (Reader, error) {
	opt = opt.withDefaults()
	// A pipe or a device blocks on open or on read (and a pipe cannot be
	// read twice, as an XLSX is): only a regular file is read, checked
	// before opening it.
	if err := CheckRegular(path); err != nil {
		return nil, &Error{File: path, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: OpenError(err)}
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close() // replaced since the check
		return nil, &Error{File: path, Err: ErrNotRegular}
	}
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		_ = f.Close()
		return nil, &Error{File: path, Err: err}
	}
	head = head[:n]
	switch {
	case n == 0:
		err = ErrEmpty
	case bytes.HasPrefix(head, zipMagic):
		_ = f.Close()
		return openXLSX(path, opt)
	case bytes.HasPrefix(head, oleMagic):
		err = oleError(f)
	case isSpreadsheetName(path):
		// Text read as CSV under an .xlsx name would fail later with a
		// misleading "no column" message (random bytes, a renamed file).
		err = kindf(ErrCorruptXLSX, "not a valid XLSX file (named %s but not a zip archive: save it again from the spreadsheet program)", filepath.Ext(path))
	case isBinary(head, opt.Encoding):
		err = ErrNotTabular
		if looksUTF16(head) {
			err = kindf(ErrNotTabular, "not a CSV or XLSX file (if it is UTF-16 text without a BOM, set the encoding to utf-16le or utf-16be)")
		}
	default:
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			return openCSV(path, f, opt)
		}
	}
	_ = f.Close()
	return nil, &Error{File: path, Err: err}
}

// CheckRegular returns nil for a regular file (symbolic links followed)
// and ErrNotRegular, saying what the path is, for anything else, without
// opening it: opening a named pipe blocks until a writer comes.
func CheckRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return OpenError(err)
	}
	mode := fi.Mode()
	if mode.IsRegular() {
		return nil
	}
	what := "a special file"
	switch {
	case mode.IsDir():
		what = "a folder"
	case mode&os.ModeNamedPipe != 0:
		what = "a pipe"
	case mode&os.ModeSocket != 0:
		what = "a socket"
	case mode&os.ModeDevice != 0:
		what = "a device"
	}
	return kindf(ErrNotRegular, "%s, not a regular file: onboard reads rosters from files (a pipe such as <(...) cannot be read twice, as a workbook must be); save it to a file first", what)
}

// isSpreadsheetName reports a name that promises an Excel workbook.
func isSpreadsheetName(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return true
	}
	return false
}

// isBinary reports NUL bytes, among other control bytes, in text that is
// not UTF-16 or UTF-32 (by BOM or by the forced encoding): such a file is
// neither CSV nor XLSX.
func isBinary(head []byte, encoding string) bool {
	if bom, _ := bomOf(head); bom != "" && bom != encUTF8 {
		return false
	}
	switch e, _ := parseEncoding(encoding); e {
	case encUTF16LE, encUTF16BE, encUTF32LE, encUTF32BE:
		return false
	}
	if bytes.IndexByte(head, 0) < 0 {
		return false
	}
	// A NUL or two in text (a damaged cell) is not a binary file: the
	// row that holds it says so. Binary files are full of control bytes.
	ctrl := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctrl++
		}
	}
	return ctrl > 8 || ctrl*20 > len(head)
}

// looksUTF16 reports text where most bytes at one parity are NUL, as in
// mostly-ASCII UTF-16.
func looksUTF16(head []byte) bool {
	var nul [2]int
	for i, b := range head {
		if b == 0 {
			nul[i%2]++
		}
	}
	half := len(head) / 2
	return half > 0 && (nul[0] > half*9/10 && nul[1] < half/10 || nul[1] > half*9/10 && nul[0] < half/10)
}

// oleScanBytes bounds the search for an encrypted workbook's stream name.
const oleScanBytes = 4 << 20

// encryptedName is "EncryptedPackage" in UTF-16LE, the stream that holds an
// encrypted XLSX inside an OLE container (the same container as .xls).
var encryptedName = []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00")

// oleError tells a password-protected XLSX from a legacy .xls: both are OLE
// compound files.
func oleError(f *os.File) error {
	buf, err := io.ReadAll(io.NewSectionReader(f, 0, oleScanBytes))
	if err == nil && bytes.Contains(buf, encryptedName) {
		return ErrEncrypted
	}
	return ErrLegacyXLS
}
