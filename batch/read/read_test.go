package read

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes data to name in a fresh temp dir and returns the path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// readAll opens path and reads every row. It fails the test on a panic and
// returns the first error from Open or Read.
func readAll(t *testing.T, path string, opt Options) (header []string, rows []Row, err error) {
	t.Helper()
	require.NotPanics(t, func() {
		var r Reader
		r, err = Open(path, opt)
		if err != nil {
			return
		}
		defer func() { assert.NoError(t, r.Close()) }()
		header = r.Header()
		for {
			var row Row
			row, err = r.Read()
			if err == io.EOF {
				err = nil
				return
			}
			if err != nil {
				return
			}
			rows = append(rows, row)
		}
	})
	return header, rows, err
}

// requireFileError checks err is a *Error for path whose message holds
// every part.
func requireFileError(t *testing.T, err error, path string, parts ...string) *Error {
	t.Helper()
	require.Error(t, err)
	var fe *Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, path, fe.File)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.True(t, strings.HasPrefix(msg, path+": ") || fe.Sheet != "" && strings.HasPrefix(msg, path+` (sheet "`+fe.Sheet+`"): `), msg)
	for _, p := range parts {
		assert.Contains(t, msg, p)
	}
	return fe
}

// encodeUTF16LE encodes ASCII s as UTF-16LE without a BOM.
func encodeUTF16LE(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}

// oleHeader is the start of an OLE compound file (.xls and encrypted .xlsx).
var oleHeader = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

func TestOpenRejects(t *testing.T) {
	binary := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...)
	tests := []struct {
		name string
		file string
		data []byte
		opt  Options
		want error
		msg  string
	}{
		{"empty", "roster.csv", nil, Options{}, ErrEmpty, "file is empty"},
		{"blank lines only", "roster.csv", []byte("\r\n\n  \n"), Options{}, ErrEmpty, "file is empty"},
		{"only a BOM", "roster.csv", []byte("\xEF\xBB\xBF"), Options{}, ErrEmpty, "file is empty"},
		{"binary", "roster.csv", binary, Options{}, ErrNotTabular, "not a CSV or XLSX file"},
		{"utf-16 without BOM", "roster.csv", encodeUTF16LE("name,email\nAna,a@x\n"), Options{}, ErrNotTabular,
			"if it is UTF-16 text without a BOM, set the encoding"},
		{"legacy xls", "roster.xls", append(append([]byte{}, oleHeader...), make([]byte, 600)...), Options{}, ErrLegacyXLS,
			"legacy .xls is not supported; save as .xlsx or .csv"},
		{"encrypted xlsx", "roster.xlsx", append(append(append([]byte{}, oleHeader...), make([]byte, 600)...), encryptedName...), Options{},
			ErrEncrypted, "password-protected"},
		{"header only", "roster.csv", []byte("name,email\n"), Options{}, ErrNoDataRows, "no data rows after the header"},
		{"header and blank lines", "roster.csv", []byte("name,email\r\n\r\n,\r\n"), Options{}, ErrNoDataRows, "no data rows after the header"},
		{"unknown encoding", "roster.csv", []byte("a\n1\n"), Options{Encoding: "ebcdic"}, nil, `unknown encoding "ebcdic"`},
		{"bad delimiter", "roster.csv", []byte("a\n1\n"), Options{Delimiter: '"'}, nil, "invalid delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.data)
			_, _, err := readAll(t, path, tt.opt)
			requireFileError(t, err, path, tt.msg)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.csv")
	_, _, err := readAll(t, path, Options{})
	requireFileError(t, err, path)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestErrorFormat(t *testing.T) {
	assert.Equal(t, "a.csv: row 4: boom", (&Error{File: "a.csv", Line: 4, Err: errors.New("boom")}).Error())
	assert.Equal(t, "a.csv: boom", (&Error{File: "a.csv", Err: errors.New("boom")}).Error())
	e := &Error{File: "a.csv", Err: kindf(ErrLimit, "too big")}
	assert.ErrorIs(t, e, ErrLimit)
	assert.Equal(t, "a.csv: too big", e.Error())
}

// TestLimits runs the same limits against a CSV and an XLSX file.
func TestLimits(t *testing.T) {
	bigCell := strings.Repeat("x", 1_000_000)
	wide := make([]string, 10_000)
	for i := range wide {
		wide[i] = "c" + csvLabel(i)
	}
	tests := []struct {
		name  string
		rows  [][]string
		opt   Options
		parts []string
	}{
		{"1 MB cell", [][]string{{"name", "notes"}, {"a", "b"}, {"c", bigCell}}, Options{},
			[]string{"row 3: ", `cell in column "notes" is 1000000 bytes, over the 65536-byte limit`}},
		{"10,000 columns", [][]string{wide, wide}, Options{},
			[]string{"row 1: ", "the header has 10000 columns, more than the 1000 allowed"}},
		{"row bytes", [][]string{{"a", "b", "c"}, {"1", "2", "3"}, {"xxxx", "yyyy", "zzzz"}}, Options{MaxRowBytes: 10},
			[]string{"row 3: ", "row is 12 bytes, over the 10-byte limit for a row"}},
		{"header cell", [][]string{{"a", "long header"}, {"1", "2"}}, Options{MaxCellBytes: 5},
			[]string{"row 1: ", `cell in column "Column 2" is 11 bytes`}},
	}
	for _, tt := range tests {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				var path string
				if format == "csv" {
					path = writeCSV(t, tt.rows)
				} else {
					path = writeXLSXRows(t, tt.rows)
				}
				_, _, err := readAll(t, path, tt.opt)
				requireFileError(t, err, path, tt.parts...)
				assert.ErrorIs(t, err, ErrLimit)
			})
		}
	}
}

// writeCSV writes rows joined by commas (no quoting needed by callers).
func writeCSV(t *testing.T, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteString("\n")
	}
	return writeFile(t, "roster.csv", b.Bytes())
}
