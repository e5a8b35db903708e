package read

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// The byte scanner (sheetrows.go) replaced excelize's row iterator; these
// tests hold it to give what the iterator gave, cell for cell, on every
// workbook at hand: the real files, testdata, the samples, and a workbook
// of odd cells.

// workbooksAtHand lists every .xlsx in testdata, samples and, when it is
// there, ../shared/real-files.
func workbooksAtHand(t *testing.T) []string {
	t.Helper()
	dirs := []string{"testdata", filepath.Join("..", "..", "samples")}
	if real := realFilesDir(t); real != "" {
		dirs = append(dirs, real)
	} else {
		t.Log("../shared/real-files is absent: comparing on testdata and samples only")
	}
	var files []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".xlsx") {
				files = append(files, path)
			}
			return err
		})
		require.NoError(t, err)
	}
	return files
}

// sheetCount is how many sheets the workbook has, 0 when excelize cannot
// open it.
func sheetCount(path string) int {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	return len(f.GetSheetList())
}

// sameAsExcelize reads path with opt both ways and requires the same.
func sameAsExcelize(t *testing.T, path string, opt Options) {
	t.Helper()
	old := opt
	old.excelizeRows = true
	want := readOut(t, path, old)
	got := readOut(t, path, opt)
	want.own, got.own = false, false
	assert.Equal(t, want, got, "%s, sheet %q", path, opt.Sheet)
}

func TestScannerMatchesExcelizeOnFiles(t *testing.T) {
	files := workbooksAtHand(t)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sameAsExcelize(t, path, Options{})
			// every sheet, and the shared strings in the temp-file store
			for i := 1; i <= sheetCount(path); i++ {
				sameAsExcelize(t, path, Options{Sheet: strconv.Itoa(i)})
			}
			sameAsExcelize(t, path, Options{sstAbove: -1})
		})
	}
}

func TestScannerMatchesExcelizeOnGenerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.xlsx")
	require.NoError(t, WriteXLSX(path, 3000, 12))
	sameAsExcelize(t, path, Options{})
	// A sheet over excelize's spill size: excelize gets it empty.
	sameAsExcelize(t, path, Options{MaxUnzipBytes: 4 << 20})
	lean, err := openLean(path, excelize.Options{UnzipSizeLimit: 4 << 20, UnzipXMLSizeLimit: 1 << 20, TmpDir: t.TempDir()}, 1<<20, sstMemMax, 1<<20, true, false)
	require.NoError(t, err)
	require.NotNil(t, lean.f)
	assert.True(t, lean.stubbed)
	require.NoError(t, lean.f.Close())
}

// oddWorkbook writes a workbook whose cells try every way a value can be
// stored and shown: number formats (dates, times, elapsed, zip codes,
// text sections), booleans, errors, t="d", t="str", inline and rich text,
// entities, CDATA, escapes, formulas without values, long numbers, rows
// and cells without r, gaps, cells out of order. date1904 sets the date
// system.
func oddWorkbook(t *testing.T, date1904 bool) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	codes := []string{"yyyy-mm-dd", "d/m/yyyy h:mm", "0.00", "00000", "h:mm", "[h]:mm:ss", "#,##0", "0%",
		`"ID-"@`, `_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)`, "mmm yyyy", "@", "General", "0.0E+00", "hh:mm AM/PM",
		"#,##0.00;[Red]-#,##0.00", "[$-409]mmmm d, yyyy"}
	var styles []int
	for _, code := range codes {
		s, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		require.NoError(t, err)
		styles = append(styles, s)
	}
	for _, id := range []int{1, 2, 9, 10, 14, 15, 17, 18, 20, 21, 22, 45, 46, 47, 49, 27, 58} {
		s, err := f.NewStyle(&excelize.Style{NumFmt: id})
		require.NoError(t, err)
		styles = append(styles, s)
	}
	values := []string{"45357", "45357.6041666667", "0.3", "1234", "-12.5", "0", "4111111111111111", "4.11111111111111E+15",
		"1E+21", "1.5e3", "123456789012345678", " 42 ", "", "abc", "2.5", "100000", "0.000001", "-0"}
	row := 1
	const sheet = "Sheet1"
	header := []any{"name"}
	for i := range styles {
		header = append(header, fmt.Sprintf("col%d", i))
	}
	require.NoError(t, f.SetSheetRow(sheet, "A1", &header))
	for _, v := range values {
		row++
		ref, _ := excelize.CoordinatesToCellName(1, row)
		require.NoError(t, f.SetCellStr(sheet, ref, "v"+v))
		for i, s := range styles {
			ref, _ := excelize.CoordinatesToCellName(i+2, row)
			if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && v == strings.TrimSpace(v) {
				require.NoError(t, f.SetCellFloat(sheet, ref, n, -1, 64))
			} else {
				require.NoError(t, f.SetCellStr(sheet, ref, v))
			}
			require.NoError(t, f.SetCellStyle(sheet, ref, ref, s))
		}
	}
	path := filepath.Join(t.TempDir(), "odd.xlsx")
	require.NoError(t, f.SaveAs(path))

	// Cells excelize does not write, by hand.
	s := func(i int) string { return strconv.Itoa(styles[i]) }
	extra := `<row r="40"><c r="A40" t="inlineStr"><is><t>rich</t></is></c>` +
		`<c r="B40" t="inlineStr"><is><r><t>A</t></r><r><rPr><b/></rPr><t xml:space="preserve"> b </t></r><rPh><t>x</t></rPh></is></c>` +
		`<c r="C40" t="inlineStr" s="` + s(8) + `"><is><t>9</t></is></c>` +
		`<c r="D40" t="b"><v>1</v></c><c r="E40" t="b"><v>0</v></c><c r="F40" t="b" s="` + s(2) + `"><v>2</v></c>` +
		`<c r="G40" t="e"><v>#N/A</v></c><c r="H40" t="e" s="` + s(2) + `"><v>#DIV/0!</v></c>` +
		`<c r="I40" t="str"><f>A1</f><v>text result</v></c><c r="J40"><f>1+1</f></c><c r="K40" s="` + s(0) + `"><f>TODAY()</f><v></v></c>` +
		`<c r="L40" t="d"><v>2024-03-05T14:30:00Z</v></c><c r="M40" t="d" s="` + s(0) + `"><v>2024-03-05T00:00:00Z</v></c>` +
		`<c r="N40" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &#233;&#x20AC;</t></is></c>` +
		`<c r="O40" t="inlineStr"><is><t><![CDATA[<cdata> & more]]></t></is></c>` +
		"<c r=\"P40\" t=\"inlineStr\"><is><t>line\r\nbreak\rcr</t></is></c>" +
		`<c r="Q40" t="inlineStr"><is><t>esc_x000D_aped _x005F_x0041_ _xD800_</t></is></c>` +
		`<c r="R40" s="` + s(1) + `"/><c r="S40" s="` + s(8) + `"/><c r="T40" s="` + s(8) + `"><v></v></c>` +
		`<c r="U40" t="s"><v>0</v></c><c r="V40" t="s"><v>99999</v></c><c r="W40" t="s"><v> 1 </v></c>` +
		`</row>` +
		`<row><c t="inlineStr"><is><t>no r</t></is></c><c><v>7</v></c><c r="E41"><v>8</v></c><c><v>9</v></c></row>` +
		`<row r="45"><c r="C45"><v>1</v></c><c r="A45"><v>2</v></c></row>` +
		`<row r="44"><c r="B44"><v>3</v></c></row>` +
		`<row r="47" spans="1:3"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A47"><x:v>5</x:v></x:c><c r="B47"><!-- note --><v>6<!-- in --></v></c></row>` +
		`<row r="48"><c r="A48" s="` + s(5) + `"><v>1.5</v></c><c r="B48" s="` + s(4) + `"><v>0.25</v></c><c r="C48" s="` + s(0) + `"><v>-1</v></c></row>`
	return rewriteSheet(t, path, "</sheetData>", extra+"</sheetData>")
}

// rewriteSheet replaces old with new in the first worksheet.
func rewriteSheet(t *testing.T, path, old, new string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	var sheet []byte
	for _, zf := range zr.File {
		if zf.Name == sheetPart {
			rc, err := zf.Open()
			require.NoError(t, err)
			sheet, err = io.ReadAll(rc)
			require.NoError(t, err)
			_ = rc.Close()
		}
	}
	require.NoError(t, zr.Close())
	require.Contains(t, string(sheet), old)
	return rewriteZip(t, path, map[string][]byte{sheetPart: []byte(strings.Replace(string(sheet), old, new, 1))})
}

func TestScannerMatchesExcelizeOnOddCells(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		t.Run(fmt.Sprintf("1904=%v", date1904), func(t *testing.T) {
			path := oddWorkbook(t, date1904)
			sameAsExcelize(t, path, Options{})
			sameAsExcelize(t, path, Options{HeaderRow: 1})
			sameAsExcelize(t, path, Options{sstAbove: -1})
			sameAsExcelize(t, path, Options{MaxUnzipBytes: 128 << 10}) // the sheet stubbed for excelize
			out := readOut(t, path, Options{})
			require.Empty(t, out.err)
			require.Greater(t, len(out.rows), 20)
		})
	}
}

// TestScannerRowOverLimit: a row number over excelize's limit is the same
// error both ways.
func TestScannerRowOverLimit(t *testing.T) {
	path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: []byte(strings.Replace(string(tenPeople(t)),
		`<row r="5">`, `<row r="1048577">`, 1))})
	errOf := func(opt Options) (rows int, msg string) {
		r, err := Open(path, opt)
		require.NoError(t, err)
		defer r.Close() // excelize's iterator returns the error again
		for {
			if _, err = r.Read(); err != nil {
				return rows, err.Error()
			}
			rows++
		}
	}
	wantRows, want := errOf(Options{excelizeRows: true})
	gotRows, got := errOf(Options{})
	assert.Equal(t, want, got)
	assert.Equal(t, wantRows, gotRows)
	assert.Contains(t, got, "row number exceeds maximum limit")
}

func TestUTF8Part(t *testing.T) {
	for _, tt := range []struct {
		head string
		want bool
	}{
		{`<?xml version="1.0" encoding="UTF-8"?><a/>`, true},
		{`<?xml version="1.0"?><a/>`, true},
		{`<a/>`, true},
		{"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?><a/>", true},
		{`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, false},
		{"\xFF\xFE<\x00", false},
	} {
		path := filepath.Join(t.TempDir(), "p.zip")
		out, err := os.Create(path)
		require.NoError(t, err)
		zw := zip.NewWriter(out)
		w, err := zw.Create("p.xml")
		require.NoError(t, err)
		_, err = w.Write([]byte(tt.head))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		require.NoError(t, out.Close())
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		assert.Equal(t, tt.want, utf8Part(zr.File[0]), "%q", tt.head)
		require.NoError(t, zr.Close())
	}
}

// TestCheckWhileReadingSameRows: checking the sheet as it is read gives
// every workbook at hand as the check at open does (merged cells too,
// found by a byte search then).
func TestCheckWhileReadingSameRows(t *testing.T) {
	for _, path := range workbooksAtHand(t) {
		want := readOut(t, path, Options{})
		got := readOut(t, path, Options{CheckWhileReading: true})
		assert.Equal(t, want, got, path)
	}
}

// readToEnd reads every row and returns the error that ends the read,
// Open's included; nil at a clean end.
func readToEnd(t *testing.T, path string, opt Options) (rows int, err error) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	for {
		if _, err = r.Read(); err != nil {
			if err == io.EOF {
				return rows, nil
			}
			return rows, err
		}
		rows++
	}
}

// TestCheckWhileReadingDamage: damage found while reading ends the read
// with the very error the check at open gives; a checksum that does not
// match is still a corrupt file.
func TestCheckWhileReadingDamage(t *testing.T) {
	good := tenPeople(t)
	// Enough rows that the damage is past the rows Open reads ahead.
	var rows [][]string
	rows = append(rows, []string{"email", "name"})
	for i := 1; i <= 200; i++ {
		rows = append(rows, []string{fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("Person %d", i)})
	}
	long := sheetXML(t, rows)
	for name, sheet := range map[string][]byte{
		"bare ampersand":     []byte(strings.Replace(string(long), "Person 150", "Person & 150", 1)),
		"undefined entity":   []byte(strings.Replace(string(long), "Person 150", "Person&nbsp;150", 1)),
		"cut short":          long[:len(long)*3/4],
		"control character":  []byte(strings.Replace(string(long), "Person 150", "Person\x01150", 1)),
		"early damage":       []byte(strings.Replace(string(good), "Person 2", "Person & 2", 1)),
		"cut after the rows": long[:len(long)-len("</worksheet>")],
	} {
		t.Run(name, func(t *testing.T) {
			path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: sheet})
			_, want := readToEnd(t, path, Options{})
			require.Error(t, want)
			_, got := readToEnd(t, path, Options{CheckWhileReading: true})
			require.Error(t, got)
			// The same, less "so none was" once rows were given.
			if strings.Contains(got.Error(), ", so none was") {
				assert.Equal(t, want.Error(), got.Error(), "found before Open returned")
			} else {
				assert.Equal(t, strings.Replace(want.Error(), ", so none was", "", 1), got.Error())
			}
			assert.True(t, errors.Is(got, ErrCorruptXLSX), "%v", got)
		})
	}
	t.Run("checksum", func(t *testing.T) {
		path := rewriteZip(t, emptyWorkbook(t), map[string][]byte{sheetPart: long})
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		// The sheet part is stored with its CRC in the local header and
		// the directory; change both.
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		var crc uint32
		for _, zf := range zr.File {
			if zf.Name == sheetPart {
				crc = zf.CRC32
			}
		}
		require.NoError(t, zr.Close())
		le := []byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24)}
		bad := []byte{le[0] ^ 0xFF, le[1], le[2], le[3]}
		data = []byte(strings.ReplaceAll(string(data), string(le), string(bad)))
		require.NoError(t, os.WriteFile(path, data, 0o600))
		_, want := readToEnd(t, path, Options{})
		_, got := readToEnd(t, path, Options{CheckWhileReading: true})
		require.Error(t, want)
		require.Error(t, got)
		assert.True(t, errors.Is(want, ErrCorruptXLSX), "%v", want)
		assert.True(t, errors.Is(got, ErrCorruptXLSX), "%v", got)
	})
}

func TestFindMerges(t *testing.T) {
	// Spread over chunk ends: many merges, a prefixed one, one in text.
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCell ref="Z1:Z2"</t></is></c></row></sheetData><mergeCells>`)
	var want []string
	for i := 1; i <= 5000; i++ {
		ref := fmt.Sprintf("A%d:B%d", 2*i, 2*i+1)
		want = append(want, ref)
		if i%7 == 0 {
			b.WriteString(`<x:mergeCell ref="` + ref + `"/>`)
		} else {
			b.WriteString(`<mergeCell ref="` + ref + `"/>`)
		}
	}
	b.WriteString(`</mergeCells><mergeCellsX/></worksheet>`)
	got, err := findMerges(strings.NewReader(b.String()))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	c, d, err := checkXMLPartMerges("p", strings.NewReader(b.String()))
	require.NoError(t, err)
	require.Nil(t, c)
	assert.Equal(t, d, got, "as the check finds them")
}
