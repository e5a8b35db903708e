package read

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// drain opens path and reads every row: whatever the bytes, the reader
// returns rows or one *Error, never panics or loops.
func drain(t *testing.T, path string) {
	r, err := Open(path, Options{})
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("Open: an error that is not *read.Error: %T %v", err, err)
		}
		return
	}
	defer r.Close()
	for n := 0; ; n++ {
		row, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("Read: an error that is not *read.Error: %T %v", err, err)
				}
			}
			return
		}
		if len(row.Cells) != len(r.Header()) {
			t.Fatalf("row %d has %d cells for %d columns", row.Line, len(row.Cells), len(r.Header()))
		}
		if n > 1<<20 {
			t.Fatal("no end of rows")
		}
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"email,name\na@x.org,Ann\n",
		"\xef\xbb\xbfa;b\r\n1;2\r\n",
		"\xff\xfea\x00,\x00b\x00\n\x00",
		"title row\n\nemail,name\n\"a\"\"b\",\"multi\nline\"\n",
		"a,b\n1,2,3,4\n,,\n",
		"a\tb\n=1+1\t@x\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Skip(err)
		}
		drain(t, p)
	})
}

// seedXLSX is a small workbook made by excelize.
func seedXLSX(f *testing.F) []byte {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"email", "name", "n"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"a@x.org", "Ann", 1234567890123456})
	_ = x.SetCellFormula("Sheet1", "C3", "=1+1")
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

func FuzzXLSX(f *testing.F) {
	f.Add(seedXLSX(f))
	f.Add([]byte("PK\x03\x04"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in.xlsx")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Skip(err)
		}
		drain(t, p)
	})
}

// FuzzXLSXPart replaces one part of a valid workbook (the sheet, the
// shared strings, the workbook, the styles) with the fuzzer's bytes.
func FuzzXLSXPart(f *testing.F) {
	seed := seedXLSX(f)
	zr, err := zip.NewReader(bytes.NewReader(seed), int64(len(seed)))
	if err != nil {
		f.Fatal(err)
	}
	parts := map[string][]byte{}
	var names []string
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		parts[zf.Name] = b
		names = append(names, zf.Name)
	}
	targets := []string{"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
	for i, name := range targets {
		if b, ok := parts[name]; ok {
			f.Add(uint8(i), b)
		}
	}
	f.Add(uint8(0), []byte(`<worksheet><sheetData><row r="1"><c r="XFD1048576" t="s"><v>99999</v></c></row></sheetData></worksheet>`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		target := targets[int(which)%len(targets)]
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, name := range names {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			content := parts[name]
			if name == target {
				content = data
			}
			_, _ = w.Write(content)
		}
		if _, ok := parts[target]; !ok {
			w, _ := zw.Create(target)
			_, _ = w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "part.xlsx")
		if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
			t.Skip(err)
		}
		drain(t, p)
	})
}
