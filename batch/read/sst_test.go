package read

import (
	"archive/zip"
	"bytes"
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

// readout is everything a Reader gives for a file.
type readout struct {
	header    []string
	headerRow int
	warnings  []string
	rows      []Row
	err       string
	own       bool // the reader kept the shared strings itself
}

func readOut(t *testing.T, path string, opt Options) readout {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		return readout{err: err.Error()}
	}
	defer func() { assert.NoError(t, r.Close()) }()
	out := readout{header: r.Header(), headerRow: r.HeaderRow(), warnings: r.Warnings()}
	if x, ok := r.(*xlsxReader); ok {
		out.own = x.store != nil
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.err = err.Error()
			break
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// hasSST reports a shared-strings part in the workbook at path.
func hasSST(t *testing.T, path string) bool {
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	return sstPart(&zr.Reader) != nil
}

// Every sheet of every real workbook reads the same whether excelize or
// the reader's own store resolves the shared strings.
func TestSSTStoreReadsRealFilesAsExcelize(t *testing.T) {
	dir := realFilesDir(t)
	if dir == "" {
		t.Skip("../shared/real-files is not beside the checkout: no real workbooks to compare")
	}
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".xlsx") {
			files = append(files, p)
		}
		return err
	}))
	require.NotEmpty(t, files)
	compared := 0
	for _, path := range files {
		name, _ := filepath.Rel(dir, path)
		sheets := 1
		if f, err := excelize.OpenFile(path); err == nil {
			sheets = max(1, len(f.GetSheetList()))
			_ = f.Close()
		}
		for i := 1; i <= sheets; i++ {
			t.Run(name+"/"+strconv.Itoa(i), func(t *testing.T) {
				opt := Options{Sheet: strconv.Itoa(i)}
				want := readOut(t, path, opt)
				opt.sstAbove = -1
				got := readOut(t, path, opt)
				assert.False(t, want.own, "the default path leaves small parts to excelize")
				if hasSST(t, path) && want.err == "" {
					assert.True(t, got.own, "forced: the reader keeps the strings")
					compared++
				}
				got.own = want.own
				assert.Equal(t, want, got)
			})
		}
	}
	assert.Greater(t, compared, 10, "most real workbooks have shared strings")
}

// sstBook writes a one-sheet workbook with the given sheet rows (inner
// XML of <sheetData>), shared-strings items and, when not "", styles part.
func sstBook(t *testing.T, rows, items, styles string) string {
	t.Helper()
	ct := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	if styles != "" {
		rels += `<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`
	}
	parts := [][2]string{
		{"[Content_Types].xml", ct},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + items + `</sst>`},
	}
	if styles != "" {
		parts = append(parts, [2]string{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + styles + `</styleSheet>`})
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.Create(p[0])
		require.NoError(t, err)
		_, err = io.WriteString(w, p[1])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return writeFile(t, "sst.xlsx", b.Bytes())
}

// header is an inline-string header row of n columns, so the row under
// test is all a case's own.
func header(n int) string {
	var b strings.Builder
	b.WriteString(`<row r="1">`)
	for i := range n {
		b.WriteString(`<c t="inlineStr"><is><t>h` + strconv.Itoa(i+1) + `</t></is></c>`)
	}
	return b.String() + `</row>`
}

// textFormats is a styles part whose cell style 1 is "ID-"@, 2 the
// built-in accounting format 44 (text section _(@_)), 3 the text format @.
const textFormats = `<numFmts count="2"><numFmt numFmtId="164" formatCode="&quot;ID-&quot;@"/><numFmt numFmtId="165" formatCode="@"/></numFmts>` +
	`<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>` +
	`<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>` +
	`<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="44" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/></cellXfs>`

func TestSSTStoreMatchesExcelize(t *testing.T) {
	tests := []struct {
		name   string
		items  string // <si> elements
		row    string // the cells of row 2
		styles string
		want   []string // row 2, padded to the 3-column header
	}{
		{"rich text runs", `<si><r><t>Ana </t></r><r><rPr><b/></rPr><t>Smith</t></r></si>`,
			`<c r="A2" t="s"><v>0</v></c>`, "", []string{"Ana Smith", "", ""}},
		{"text before runs, whatever the order", `<si><r><t>run</t></r><t>lead </t></si>`,
			`<c r="A2" t="s"><v>0</v></c>`, "", []string{"lead run", "", ""}},
		{"phonetic runs are not text", `<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>`,
			`<c r="B2" t="s"><v>0</v></c>`, "", []string{"", "東京", ""}},
		{"escapes", `<si><t>a_x000D_b_x005F_x000D_c_x00e9_</t></si><si><t>_xD800_x_X0041_</t></si>`,
			`<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>`, "", []string{"a\rb_x000D_cé", "x_X0041_", ""}},
		{"an escape across runs", `<si><r><t>a_x00</t></r><r><t>41_b</t></r></si>`,
			`<c r="A2" t="s"><v>0</v></c>`, "", []string{"aAb", "", ""}},
		{"entities and CDATA", `<si><t>Tom &amp; Jerry &lt;3 &#233;&#x263A;</t></si><si><t><![CDATA[a<b]]>c</t></si>`,
			`<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>`, "", []string{"Tom & Jerry <3 é☺", "a<bc", ""}},
		{"spaces and line breaks", `<si><t xml:space="preserve">  padded  </t></si><si><t>a` + "\r\n" + `b</t></si>`,
			`<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>`, "", []string{"  padded  ", "a\nb", ""}},
		{"empty items", `<si/><si><t/></si><si><t>x</t></si>`,
			`<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c>`, "", []string{"", "", "x"}},
		{"the last of several direct texts", `<si><t>first</t><t>second</t></si>`,
			`<c r="A2" t="s"><v>0</v></c>`, "", []string{"second", "", ""}},
		{"out of range and negative indexes", `<si><t>x</t></si>`,
			`<c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>-1</v></c><c r="C2" t="s"><v>99999999999999999999</v></c>`, "", nil},
		{"an index that is not a number is 0", `<si><t>zero</t></si>`,
			`<c r="A2" t="s"><v>x</v></c><c r="B2" t="s"><v> 0 </v></c><c r="C2" t="s"><v>&#48;</v></c>`, "", []string{"zero", "zero", "zero"}},
		{"a formula with a shared-string result", `<si><t>result</t></si>`,
			`<c r="A2" t="s"><f>B9&amp;""</f><v>0</v></c>`, "", []string{"result", "", ""}},
		{"the last cell only", `<si><t>v</t></si>`,
			`<c r="C2" t="s"><v>0</v></c>`, "", []string{"", "", "v"}},
		{"beside numbers and inline strings", `<si><t>mid</t></si>`,
			`<c r="A2"><v>12</v></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>in</t></is></c>`, "", []string{"12", "mid", "in"}},
		{"cells without a reference", `<si><t>one</t></si><si><t>two</t></si>`,
			`<c t="s"><v>0</v></c><c t="s"><v>1</v></c>`, "", []string{"one", "two", ""}},
		{"text-section formats", `<si><t>42</t></si>`,
			`<c r="A2" t="s" s="1"><v>0</v></c><c r="B2" t="s" s="2"><v>0</v></c><c r="C2" t="s" s="3"><v>0</v></c>`, textFormats, []string{"ID-42", " 42 ", "42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := sstBook(t, header(3)+`<row r="2">`+tt.row+`</row><row r="3"><c t="inlineStr"><is><t>end</t></is></c></row>`, tt.items, tt.styles)
			want := readOut(t, path, Options{})
			require.Empty(t, want.err)
			got := readOut(t, path, Options{sstAbove: -1})
			require.True(t, got.own)
			got.own = false
			assert.Equal(t, want, got, "the store reads as excelize does")
			rows := want.rows
			if tt.want == nil {
				require.Len(t, rows, 1, "row 2 is blank")
				assert.Equal(t, 3, rows[0].Line)
				return
			}
			require.Len(t, rows, 2)
			assert.Equal(t, 2, rows[0].Line)
			assert.Equal(t, tt.want, rows[0].Cells)
		})
	}
}

// A workbook whose shared strings run out mid-sheet and a damaged
// shared-strings part.
func TestSSTStoreErrors(t *testing.T) {
	path := sstBook(t, header(2)+`<row r="2"><c t="s"><v>0</v></c></row>`, `<si><t>a</si>`, "")
	got := readOut(t, path, Options{sstAbove: -1})
	assert.Contains(t, got.err, "the workbook is damaged: the tag <t> is not closed (</si> comes first) in its part xl/sharedStrings.xml (the text of the cells), line 1")
	assert.Equal(t, 1, strings.Count(got.err, "\n")+1, "one line")
}

func TestSSTStoreBlocks(t *testing.T) {
	for _, n := range []int{0, 1, sstBlock - 1, sstBlock, sstBlock + 1, 2*sstBlock + 1} {
		for _, long := range []bool{false, true} {
			t.Run(strconv.Itoa(n)+"/"+strconv.FormatBool(long), func(t *testing.T) {
				text := func(i int) string {
					s := "s" + strconv.Itoa(i)
					if long { // blocks over sstBlockMax: read string by string
						s += strings.Repeat("x", sstBlockMax/sstBlock+i)
					}
					return s
				}
				var items strings.Builder
				for i := range n {
					items.WriteString("<si><t>" + text(i) + "</t></si>")
				}
				s := storeOf(t, items.String(), 1<<20)
				defer func() { assert.NoError(t, s.Close()) }()
				require.Equal(t, n, s.n)
				// Backwards, then forwards again: misses and hits.
				for _, order := range []int{-1, 1} {
					for k := range n {
						i := k
						if order < 0 {
							i = n - 1 - k
						}
						v, ok, err := s.get(i)
						require.NoError(t, err)
						require.True(t, ok, i)
						require.Equal(t, text(i), v, i)
					}
				}
				for _, i := range []int{-1, n, n + sstBlock} {
					_, ok, err := s.get(i)
					require.NoError(t, err)
					assert.False(t, ok, i)
				}
			})
		}
	}
}

// The cache stays within its budget and drops the least recent block.
func TestSSTStoreCacheBound(t *testing.T) {
	long := strings.Repeat("y", 2000) // ~128 KB a block: 32 blocks fill the cache
	var items strings.Builder
	n := 100 * sstBlock
	for i := range n {
		items.WriteString("<si><t>" + strconv.Itoa(i) + long + "</t></si>")
	}
	s := storeOf(t, items.String(), 1<<20)
	defer func() { assert.NoError(t, s.Close()) }()
	for i := 0; i < n; i += sstBlock {
		v, ok, err := s.get(i)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, strconv.Itoa(i)+long, v)
		assert.LessOrEqual(t, s.bytes, sstCacheBytes)
	}
	assert.Less(t, len(s.cached), 100)
	assert.Contains(t, s.cached, 99, "the last block read is kept")
	assert.NotContains(t, s.cached, 0, "the first is dropped")
}

// A string over the length bound is cut, at a rune boundary.
func TestSSTStoreCutsLongStrings(t *testing.T) {
	s := storeOf(t, "<si><t>ééééé</t></si><si><t>short</t></si>", 5)
	defer func() { assert.NoError(t, s.Close()) }()
	v, _, err := s.get(0)
	require.NoError(t, err)
	assert.Equal(t, "éé", v)
	v, _, err = s.get(1)
	require.NoError(t, err)
	assert.Equal(t, "short", v)
}

// storeOf builds a store from the given <si> items.
func storeOf(t *testing.T, items string, maxLen int) *sstStore {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/sharedStrings.xml")
	require.NoError(t, err)
	_, err = io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+items+`</sst>`)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	require.NoError(t, err)
	s, err := buildSSTStore(zr.File[0], nil, maxLen, t.TempDir(), false)
	require.NoError(t, err)
	return s
}

// The store and the copy excelize reads are private temp files, gone
// after Close (the copy as soon as excelize has read it).
func TestSSTStoreTempFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	path := sstBook(t, header(2)+`<row r="2"><c t="s"><v>0</v></c></row>`, `<si><t>a</t></si>`, "")
	r, err := Open(path, Options{sstAbove: -1})
	require.NoError(t, err)
	left, err := filepath.Glob(filepath.Join(tmp, "*"))
	require.NoError(t, err)
	require.Len(t, left, 1, "the read's private folder only")
	fi, err := os.Stat(left[0])
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), fi.Mode().Perm())
	left, err = filepath.Glob(filepath.Join(left[0], "onboard-*"))
	require.NoError(t, err)
	require.Len(t, left, 1, "the store only")
	assert.Contains(t, filepath.Base(left[0]), "onboard-sst-")
	fi, err = os.Stat(left[0])
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
	require.NoError(t, r.Close())
	left, err = filepath.Glob(filepath.Join(tmp, "*"))
	require.NoError(t, err)
	assert.Empty(t, left)
}

// Over the threshold the store is used; at or under it, excelize.
func TestSSTStoreThreshold(t *testing.T) {
	path := sstBook(t, header(2)+`<row r="2"><c t="s"><v>0</v></c></row>`, `<si><t>a</t></si>`, "")
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	size := sstPart(&zr.Reader).FileInfo().Size()
	require.NoError(t, zr.Close())
	for _, tt := range []struct {
		above int64
		own   bool
	}{{size - 1, true}, {size, false}, {0, false}} {
		got := readOut(t, path, Options{sstAbove: tt.above})
		require.Empty(t, got.err)
		assert.Equal(t, tt.own, got.own, tt.above)
		assert.Equal(t, []string{"a", ""}, got.rows[0].Cells)
	}
}
