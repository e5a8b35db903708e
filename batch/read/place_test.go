package read

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sheetWithCells renders rows (cell reference → value) as worksheet XML.
func sheetWithCells(rows []map[string]string) []byte {
	var b strings.Builder
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">`, i+1)
		for _, ref := range sortedRefs(r) {
			fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, r[ref])
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return []byte(b.String())
}

// sortedRefs orders a row's references by column (A before B before XFD).
func sortedRefs(r map[string]string) []string {
	var refs []string
	for ref := range r {
		refs = append(refs, ref)
	}
	for i := range refs {
		for j := i + 1; j < len(refs); j++ {
			if refColumn([]byte(refs[j])) < refColumn([]byte(refs[i])) {
				refs[i], refs[j] = refs[j], refs[i]
			}
		}
	}
	return refs
}

// TestXLSXStrayCellFarRight: a value at XFD2 is not the table's 16,384th
// column: the table is the header's two columns, and row 2 (inside the
// look-ahead or after it) says it has a value outside the table, naming
// the cell. Nothing is dropped: the row is not read as valid.
func TestXLSXStrayCellFarRight(t *testing.T) {
	rows := []map[string]string{{"A1": "email", "B1": "name"}}
	for i := 2; i <= 40; i++ {
		rows = append(rows, map[string]string{fmt.Sprintf("A%d", i): fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("B%d", i): "P"})
	}
	rows[1]["XFD2"] = "stray"
	rows[34]["XFD35"] = "late"
	path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: sheetWithCells(rows)})
	header, got, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"email", "name"}, header)
	require.Len(t, got, 39)
	assert.Equal(t, `the row has values outside the table, which ends at column B ("name", 2 columns): XFD2 "stray"; delete them, or move them into the table under a header`, got[0].Malformed)
	assert.Contains(t, got[33].Malformed, `XFD35 "late"`)
	for i, r := range got {
		if i != 0 && i != 33 {
			assert.Empty(t, r.Malformed, r.Line)
		}
	}

	// In the header row itself, the cell is named.
	rows[0]["XFD1"] = "x"
	path = rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: sheetWithCells(rows)})
	_, err = Open(path, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "row 1: the header row has a value in XFD1, column 16384, beyond the 1000 columns allowed (MaxColumns); its columns before that end at B: if XFD1 is a stray cell, delete it")
}

// TestCSVNULInACellNamesTheCell: one NUL in a cell is a damaged cell, not
// "not a CSV or XLSX file"; a file full of control bytes still is.
func TestCSVNULInACellNamesTheCell(t *testing.T) {
	path := writeFile(t, "roster.csv", []byte("email,name\na@example.com,Ann\nb@example.com,B\x00b\nc@example.com,Cy\n"))
	_, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Empty(t, rows[0].Malformed)
	assert.Equal(t, 3, rows[1].Line)
	assert.Contains(t, rows[1].Malformed, `the cell in column "name" holds a NUL character (byte 0)`)
	assert.Empty(t, rows[2].Malformed)

	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	_, err = Open(writeFile(t, "blob.csv", bin), Options{})
	assert.ErrorIs(t, err, ErrNotTabular)
}

// TestPipeRefusedInWords: a pipe (<(...) gives /dev/fd/N) is refused
// saying what it is, not "seek /dev/fd/63: illegal seek".
func TestPipeRefusedInWords(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	path := fmt.Sprintf("/dev/fd/%d", pr.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no /dev/fd here: %v", err)
	}
	_, err = Open(path, Options{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNotRegular))
	assert.Contains(t, err.Error(), path+": a pipe, not a regular file")
	assert.NotContains(t, err.Error(), "seek")
}
