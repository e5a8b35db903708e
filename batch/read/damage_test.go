package read

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// tenPeople is a sheet of a header and ten people, rows 1 to 11.
func tenPeople(t *testing.T) []byte {
	rows := [][]string{{"email", "name"}}
	for i := 1; i <= 10; i++ {
		rows = append(rows, []string{fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %d", i)})
	}
	return sheetXML(t, rows)
}

// readAll reads every row, returning the rows and the error that ended
// the read (nil at a clean end).
func readAllRows(t *testing.T, path string) (int, error) {
	t.Helper()
	r, err := Open(path, Options{})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Read()
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
		n++
	}
}

// TestXLSXDamagedSheetIsRefused: excelize stops at the first XML error in a
// worksheet without a word; the reader refuses the file instead, naming the
// sheet, the row and the damage, before any row is read.
func TestXLSXDamagedSheetIsRefused(t *testing.T) {
	good := tenPeople(t)
	row6 := bytes.Index(good, []byte(`<row r="6">`))
	require.Positive(t, row6)
	cases := []struct {
		name   string
		damage func([]byte) []byte
		want   []string
	}{
		{"bare ampersand", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Person 5"), []byte("Person & 5"), 1)
		}, []string{`row 6:`, `a bare "&"`}},
		{"undefined entity", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Person 5"), []byte("Person&nbsp;5"), 1)
		}, []string{`row 6:`, `undefined entity &nbsp;`}},
		{"unclosed tag", func(b []byte) []byte {
			i := bytes.Index(b, []byte("Person 5"))
			j := i + bytes.Index(b[i:], []byte("</c>"))
			return append(append([]byte(nil), b[:j]...), b[j+len("</c>"):]...)
		}, []string{`row 6:`, `the tag <c> is not closed (</row> comes first)`}},
		{"cut short inside the sheet", func(b []byte) []byte {
			return b[:row6+40]
		}, []string{`row 6:`, `cut short`}},
		{"cut short after the rows", func(b []byte) []byte {
			return b[:len(b)-len("</worksheet>")]
		}, []string{`row 11:`, `cut short (<worksheet> is never closed)`}},
		{"control character", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Person 5"), []byte("Person\x015"), 1)
		}, []string{`row 6:`, `control character`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: tc.damage(good)})
			_, err := Open(path, Options{})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrCorruptXLSX), "%v", err)
			msg := err.Error()
			assert.Contains(t, msg, `sheet "Sheet1" is damaged`)
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.NotContains(t, msg, "\n")
		})
	}
	// The same sheet undamaged reads whole: the check refuses nothing
	// excelize reads.
	n, err := readAllRows(t, rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: good}))
	require.NoError(t, err)
	assert.Equal(t, 10, n)
}

// TestXLSXDamageOnlyInTheSheetRead: a damaged sheet that is not read does
// not refuse the workbook.
func TestXLSXDamageOnlyInTheSheetRead(t *testing.T) {
	src := writeXLSXSheets(t, map[string][][]string{
		"People": {{"email", "name"}, {"a@example.com", "A"}},
		"Notes":  {{"x", "y"}, {"1", "2"}},
	}, []string{"People", "Notes"})
	path := rewriteZip(t, src, map[string][]byte{"xl/worksheets/sheet2.xml": []byte(`<worksheet><sheetData><row r="1"><c r="A1"><v>1&2</v></c></row>`)})
	n, err := readAllRows(t, path)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = Open(path, Options{Sheet: "Notes"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sheet "Notes" is damaged`)
}

// TestXLSXDamagedPartIsNamed: damage in the workbook's own parts names the
// part, not "row 1: sheet Sheet1".
func TestXLSXDamagedPartIsNamed(t *testing.T) {
	src := writeXLSXSheets(t, map[string][][]string{"Sheet1": {{"email", "name"}, {"a@example.com", "Ann"}}}, []string{"Sheet1"})
	for _, part := range []string{"xl/sharedStrings.xml", "[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"} {
		t.Run(part, func(t *testing.T) {
			data := partBytes(t, src, part)
			require.NotEmpty(t, data, "the fixture has no %s", part)
			i := bytes.LastIndex(data, []byte("</"))
			bad := append(append(append([]byte(nil), data[:i]...), []byte("&bogus;")...), data[i:]...)
			_, err := Open(rewriteZip(t, src, map[string][]byte{part: bad}), Options{})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrCorruptXLSX), "%v", err)
			assert.Contains(t, err.Error(), "the workbook is damaged: an undefined entity &bogus; in its part "+part)
			assert.NotContains(t, err.Error(), "row 1")
		})
	}
}

// TestXMLCheckAcceptsWhatEncodingXMLAccepts: comments, CDATA, processing
// instructions, a DOCTYPE, character references, prefixes and quoting
// styles are all well-formed.
func TestXMLCheckAcceptsWhatEncodingXMLAccepts(t *testing.T) {
	ok := []string{
		`<?xml version="1.0"?><!-- a > comment --><x:a xmlns:x="u" b='1' c = "&amp;&#38;&#x26;"><b/><c>&lt;t&gt;<![CDATA[<&>]]></c><?pi x?></x:a>`,
		"<!DOCTYPE a [<!ENTITY x \"y\">]>\n<a>\r\n\t</a>\n",
		"\xEF\xBB\xBF<a/>",             // a BOM
		"\xFF\xFE<\x00a\x00/\x00>\x00", // UTF-16: left to excelize
		`<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>`,
		`<a>é ✓ 𝄞</a>`,
	}
	for _, s := range ok {
		d, err := checkXMLPart("p", strings.NewReader(s))
		require.NoError(t, err)
		assert.Nil(t, d, s)
	}
	bad := map[string]string{
		`<a>&</a>`:                          `bare "&"`,
		`<a b="<"/>`:                        `"<" inside an attribute`,
		`<a b=1/>`:                          `without a quoted value`,
		`<a><b></a>`:                        `<b> is not closed`,
		`<a>`:                               `cut short`,
		`<a b="x`:                           `cut short inside a tag`,
		"<a>\xff</a>":                       `not UTF-8`,
		`<a>&#1;</a>`:                       `character reference`,
		`<a></a></b>`:                       `closes nothing`,
		`<a>< b</a>`:                        `bare "<"`,
		``:                                  `holds no XML element`,
		`<a><row r="3"><c>&x</c></row></a>`: `bare "&"`,
	}
	for s, want := range bad {
		d, err := checkXMLPart("p", strings.NewReader(s))
		require.NoError(t, err)
		if assert.NotNil(t, d, s) {
			assert.Contains(t, d.what, want, s)
		}
	}
}

// writeXLSXSheets saves a workbook made by excelize with the named sheets
// in order (shared strings, as Excel writes them).
func writeXLSXSheets(t *testing.T, sheets map[string][][]string, order []string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", name))
		} else {
			_, err := f.NewSheet(name)
			require.NoError(t, err)
		}
		for r, row := range sheets[name] {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
			}
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			require.NoError(t, err)
			require.NoError(t, f.SetSheetRow(name, cell, &cells))
		}
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	require.NoError(t, f.SaveAs(path))
	return path
}

// partBytes returns the bytes of part in the zip at path.
func partBytes(t *testing.T, path, part string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	for _, zf := range zr.File {
		if zf.Name == part {
			rc, err := zf.Open()
			require.NoError(t, err)
			defer rc.Close()
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			return b
		}
	}
	return nil
}

// TestXLSXRowsLeftAfterExcelizeStops: should damage pass the check at open,
// the scan beside excelize still sees the rows excelize did not read, and
// the read ends in an error, not a shorter roster.
func TestXLSXRowsLeftAfterExcelizeStops(t *testing.T) {
	bad := bytes.Replace(tenPeople(t), []byte("Person 5"), []byte("Person & 5"), 1)
	path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: bad})
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	opt := Options{}.withDefaults()
	opt.excelizeRows = true                                                             // the byte scanner relies on the check
	r, err := newXLSXReader(path, f, opt, nil, false, sheetParts{}, t.TempDir(), false) // no check at open
	require.NoError(t, err)
	defer r.Close()
	n := 0
	for ; ; n++ {
		if _, err = r.Read(); err != nil {
			break
		}
	}
	require.True(t, errors.Is(err, ErrCorruptXLSX), "%v", err)
	assert.Contains(t, err.Error(), `sheet "Sheet1" is damaged: its XML cannot be read past row 6, and row 7 follows`)
	assert.Less(t, n, 10)
}
