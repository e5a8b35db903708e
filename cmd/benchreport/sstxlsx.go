package main

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// writeSSTXLSX writes the SmarterProctoring roster of writeSPRoster as an
// XLSX whose text is all in the shared-strings part, the way LibreOffice
// and Excel save it (excelize's StreamWriter writes inline strings
// instead, which never load a shared-strings part), and returns that
// part's size. Values that repeat (names, currencies, phones) are shared
// once; unique ones (emails, IDs) each have their own entry.
func writeSSTXLSX(path string, rows int) (sstBytes int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		// Excel and LibreOffice always write the cell styles (and the
		// xlsxreader peer needs them).
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>`},
	} {
		w, err := zw.Create(p[0])
		if err != nil {
			return 0, err
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			return 0, err
		}
	}
	// The sheet first, numbering the strings as they come; then the
	// strings, from the same generator.
	shared := map[string]int{} // repeated values → their entry
	next := 0
	idx := func(col int, s string) int {
		if spRepeats(col) {
			if i, ok := shared[s]; ok {
				return i
			}
			shared[s] = next
		}
		next++
		return next - 1
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	var b []byte
	row := func(n int, rec []string) {
		b = append(b[:0], `<row r="`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, `">`...)
		for c, v := range rec {
			ref := string(rune('A'+c)) + strconv.Itoa(n)
			if n > 1 && (c == 8 || c == 9) { // latitude, longitude: numbers
				b = append(b, `<c r="`+ref+`"><v>`+v+`</v></c>`...)
				continue
			}
			b = append(b, `<c r="`+ref+`" t="s"><v>`...)
			b = strconv.AppendInt(b, int64(idx(c, v)), 10)
			b = append(b, `</v></c>`...)
		}
		b = append(b, `</row>`...)
		bw.Write(b)
	}
	row(1, spHeader)
	gen := rand.New(rand.NewPCG(3, 4))
	rec := make([]string, len(spHeader))
	for i := range rows {
		spRow(gen, i+1, rec)
		row(i+2, rec)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return 0, err
	}

	cw := &countingWriter{}
	w, err = zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return 0, err
	}
	bw = bufio.NewWriterSize(io.MultiWriter(w, cw), 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="` + strconv.Itoa(next) + `">`)
	seen := map[string]bool{}
	put := func(c int, s string) {
		if spRepeats(c) {
			if seen[s] {
				return
			}
			seen[s] = true
		}
		bw.WriteString(`<si><t xml:space="preserve">`)
		bw.WriteString(escapeXML(s))
		bw.WriteString(`</t></si>`)
	}
	for c, h := range spHeader {
		put(c, h)
	}
	gen = rand.New(rand.NewPCG(3, 4))
	for i := range rows {
		spRow(gen, i+1, rec)
		for c, v := range rec {
			if c != 8 && c != 9 {
				put(c, v)
			}
		}
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return cw.n, zw.Close()
}

// spRepeats reports whether roster column c has few distinct values.
func spRepeats(c int) bool {
	switch c {
	case 2, 3, 10, 11, 13, 14: // emails, username, password, IDs
		return false
	}
	return true
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
