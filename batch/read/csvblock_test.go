package read

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readResult is everything a caller can see of a CSV read.
type readResult struct {
	Header    []string
	HeaderRow int
	Warnings  []string
	Delimiter rune
	Encoding  string
	BOM       bool
	Rows      []Row
	Err       string // Open's or the first Read error; "" for none
}

func readAllCSV(t testing.TB, path string, opt Options) readResult {
	t.Helper()
	var res readResult
	r, err := Open(path, opt)
	if err != nil {
		res.Err = "open: " + err.Error()
		return res
	}
	defer func() { require.NoError(t, r.Close()) }()
	res.Header, res.HeaderRow, res.Warnings = r.Header(), r.HeaderRow(), r.Warnings()
	if c, ok := r.(*csvReader); ok {
		res.Delimiter, res.Encoding, res.BOM = c.Delimiter(), c.Encoding(), c.BOM()
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var re *Error
			require.ErrorAs(t, err, &re, "a read error is a *read.Error")
			res.Err = fmt.Sprintf("read (line %d): %v", re.Line, err)
			// Read keeps returning it.
			_, again := r.Read()
			require.Equal(t, err.Error(), again.Error())
			break
		}
		res.Rows = append(res.Rows, row)
	}
	return res
}

// sameAsRecordByRecord reads path through the block path and through
// encoding/csv one record at a time and wants the same of everything.
func sameAsRecordByRecord(t testing.TB, path string, opt Options) readResult {
	t.Helper()
	old := opt
	old.recordByRecord = true
	want := readAllCSV(t, path, old)
	got := readAllCSV(t, path, opt)
	require.Equal(t, want.Err, got.Err, "%s: error", path)
	require.Equal(t, len(want.Rows), len(got.Rows), "%s: rows", path)
	for i := range want.Rows {
		require.Equal(t, want.Rows[i], got.Rows[i], "%s: row %d", path, i)
	}
	require.Equal(t, want, got, "%s", path)
	return got
}

// withBlockSize cuts blocks of n bytes for the test.
func withBlockSize(t testing.TB, n int) {
	old := blockSize
	blockSize = n
	t.Cleanup(func() { blockSize = old })
}

// edgeCSVs are texts whose records, rows and errors the two paths must
// agree on: quoting, line breaks of every kind, blank lines, widths,
// damage.
var edgeCSVs = []string{
	"email,name\na@x.org,Ann\n",
	"email,name\na@x.org,Ann",
	"email,name\r\na@x.org,Ann\r\nb@x.org,Bob\r\n",
	"email,name\ra@x.org,Ann\rb@x.org,Bob\r",
	"email,name\n\n\na@x.org,Ann\n\n\nb@x.org,Bob\n\n",
	"\xef\xbb\xbfa;b\r\n1;2\r\n",
	"\xff\xfea\x00,\x00b\x00\n\x00",
	"title row\n\nemail,name\n\"a\"\"b\",\"multi\nline\"\n",
	"title row\n\nemail,name\n\"a\"\"b\",\"multi\r\nline\"\nx,y\n",
	"a,b\n1,2,3,4\n,,\n",
	"a\tb\n=1+1\t@x\n",
	"a,b,c\n\"x\ny\nz\",2,\"p\nq\"\n3,4,5\n\"r\",\"s\nt\nu\"\n6,7,8\n",
	"a,b\nO\"Brien,=HYPERLINK(\"x\")\n\"q\"x,y\n",
	"a,b\n\"open,1\n2,3\n",
	"a,b\n1,2\n\"never closed\n",
	"a,b\n1,2\n3,\"never closed",
	"a,b\n1,\"ok\"\"\"\n\"\",\"\"\"\"\n",
	"a,b\n\"cr\rinside\",2\n\"crlf\r\ninside\",3\n",
	"a,b\n\"x\"\r\n\"y\"\r",
	"a,b\n1,2\n3,\xff\n",
	"a,b\n1,2\n3,\xe2\x82\n",
	"a,b\n1,2\n3,x\x00y\n",
	"a,b\n   ,  \n\t,\n1,2\n",
	"a,b\n1,2\r\r\n3,4\r\r\r5,6",
	"a,b\n\"1\"  ,2\n\" 3\" ,\"4\"\r\n",
	"a,,b,\n1,2,3,4\n5,6,7,8,9\n",
	"\n\n\na,b\n1,2\n",
	"a,b\n\"\"\"\n",
	"a,b\n\"a\"b\"c\",d\n",
	"a,b\n\r\n\r\n1,2\r\n",
	"a,b\n1,2\n\"\r",
	"a;b;c\n1;\"2;3\";4\n",
	"a|b\n1|2\n",
}

func TestCSVBlockMatchesRecordByRecord(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{64 << 10, 64, 7, 1} {
		t.Run(fmt.Sprintf("blocks of %d", size), func(t *testing.T) {
			withBlockSize(t, size)
			for i, s := range edgeCSVs {
				p := filepath.Join(dir, fmt.Sprintf("edge%d.csv", i))
				require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
				sameAsRecordByRecord(t, p, Options{})
				sameAsRecordByRecord(t, p, Options{HeaderRow: 1})
				sameAsRecordByRecord(t, p, Options{MaxCellBytes: 8, MaxColumns: 3})
			}
		})
	}
}

// TestCSVBlockEdgesSay pins what the block path says on a few of the
// damaged texts, so the comparison above is not two wrongs agreeing.
func TestCSVBlockEdgesSay(t *testing.T) {
	dir := t.TempDir()
	// Past the first 64 KiB: there the file's encoding and kind are
	// settled (a NUL or a byte that is not UTF-8 early says another kind).
	pad := strings.Repeat("p,q\n", 20_000)
	padRows := make([]int, 20_000)
	for i := range padRows {
		padRows[i] = i + 2
	}
	after := func(lines ...int) []int { return append(append([]int(nil), padRows...), lines...) }
	for _, tc := range []struct {
		text  string
		lines []int
		err   string
	}{
		{"a,b\n\"x\ny\",1\n2,3\n", []int{2, 3}, ""},
		{"a,b\n1,2\n3,\"never closed\n4,5\n", []int{2}, "row 3: unbalanced quote: the quoted cell in column 2 opens in this row and is never closed"},
		{"a,b\n" + pad + "3,\"never closed\n4,5\n", padRows, "row 20002: unbalanced quote: the quoted cell in column \"b\" opens in this row and is never closed"},
		{"a,b\n" + pad + "\n3,\xff\n", padRows, "row 20003: invalid UTF-8 in column \"b\""},
		{"a,b\n" + pad + "\"x\ny\",\"1\n\n2\"\n3,\xff\n", after(20002), "row 20003: invalid UTF-8 in column \"b\""},
	} {
		p := filepath.Join(dir, "e.csv")
		require.NoError(t, os.WriteFile(p, []byte(tc.text), 0o600))
		res := sameAsRecordByRecord(t, p, Options{})
		var lines []int
		for _, r := range res.Rows {
			lines = append(lines, r.Line)
		}
		assert.Equal(t, tc.lines, lines)
		if tc.err == "" {
			assert.Empty(t, res.Err)
		} else {
			assert.Contains(t, res.Err, tc.err)
		}
	}
}

// bigCSV is a roster of n rows with quoted cells holding line breaks and
// delimiters, CRLF and lone CR line ends and blank lines here and there,
// so that block cuts fall everywhere.
func bigCSV(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	b.WriteString("email,name,note,n\r\n")
	ends := []string{"\n", "\r\n", "\r"}
	for i := range n {
		end := ends[r.IntN(len(ends))]
		note := "plain"
		switch r.IntN(6) {
		case 0:
			note = "\"two\nlines, and a comma\""
		case 1:
			note = "\"with \"\"quotes\"\" and\r\nCRLF\""
		case 2:
			note = "O\"Brien"
		case 3:
			note = "\"\""
		}
		fmt.Fprintf(&b, "u%d@x.org,Näme %d,%s,%d%s", i, i, note, r.IntN(1000), end)
		if r.IntN(50) == 0 {
			b.WriteString(end)
		}
	}
	return b.Bytes()
}

func TestCSVBlockMatchesRecordByRecordBig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.csv")
	data := bigCSV(20_000, 1)
	require.Greater(t, len(data), 4*blockSize, "several blocks")
	require.NoError(t, os.WriteFile(p, data, 0o600))
	res := sameAsRecordByRecord(t, p, Options{})
	require.Equal(t, 20_000, len(res.Rows))
	require.Empty(t, res.Err)

	withBlockSize(t, 100)
	sameAsRecordByRecord(t, p, Options{})

	// Damage late in the file: in a block read on the parsing goroutines.
	for i, bad := range []string{"\xff", "\x00", ",x,y,z", "\"never closed"} {
		cut := len(data) * 3 / 4
		cut += bytes.IndexByte(data[cut:], '\n') + 1
		damaged := append(append(append([]byte(nil), data[:cut]...), "late@x.org,"+bad+",n,1\n"...), data[cut:]...)
		p := filepath.Join(dir, fmt.Sprintf("damaged%d.csv", i))
		require.NoError(t, os.WriteFile(p, damaged, 0o600))
		sameAsRecordByRecord(t, p, Options{})
	}
}

// TestCSVBlockTooLong: a record past the row limit (plus the look-ahead
// both paths allow) ends the read after the rows before it, with the same
// row and words; inside an open quote it says so.
func TestCSVBlockTooLong(t *testing.T) {
	dir := t.TempDir()
	limit := DefaultMaxRowBytes + 3*textBufSize
	head := "a,b\n1,2\n\"x\ny\",3\n"
	for name, tail := range map[string]string{
		"long line":     "4," + strings.Repeat("z", 2*limit) + "\n5,6\n",
		"unclosed":      "4,\"" + strings.Repeat("z\n", limit) + "\n",
		"blank then":    "\n\n4," + strings.Repeat("z", 2*limit) + "\n",
		"no line break": "4," + strings.Repeat("z", 2*limit),
	} {
		p := filepath.Join(dir, "long.csv")
		require.NoError(t, os.WriteFile(p, []byte(head+tail), 0o600))
		res := sameAsRecordByRecord(t, p, Options{})
		assert.Len(t, res.Rows, 2, name)
		assert.Contains(t, res.Err, "byte", name)
	}
}

// csvFiles lists the CSV files under dir.
func csvFiles(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".csv" || ext == ".txt" || ext == ".tsv") {
			out = append(out, p)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestCSVBlockMatchesRecordByRecordFiles: the samples, the test data
// (encodings, fuzz seeds) and the real files read the same both ways.
func TestCSVBlockMatchesRecordByRecordFiles(t *testing.T) {
	files := csvFiles(t, filepath.Join("..", "..", "samples"))
	files = append(files, csvFiles(t, "testdata")...)
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzCSV", "*"))
	require.NotEmpty(t, files)
	for _, p := range files {
		sameAsRecordByRecord(t, p, Options{})
	}
	dir := t.TempDir()
	for i, s := range seeds {
		data := fuzzSeed(t, s)
		p := filepath.Join(dir, fmt.Sprintf("seed%d.csv", i))
		require.NoError(t, os.WriteFile(p, data, 0o600))
		sameAsRecordByRecord(t, p, Options{})
	}
	real := realFilesDir(t)
	if real == "" {
		t.Skip("../shared/real-files is not beside the checkout: the real files were not compared")
	}
	n := 0
	for _, p := range csvFiles(t, real) {
		sameAsRecordByRecord(t, p, Options{})
		withBlockSize(t, 97)
		sameAsRecordByRecord(t, p, Options{})
		blockSize = 64 << 10
		n++
	}
	require.NotZero(t, n)
}

// fuzzSeed reads the []byte of a go test fuzz corpus file.
func fuzzSeed(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitN(string(b), "\n", 3)
	require.GreaterOrEqual(t, len(lines), 2, path)
	var s string
	_, err = fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"), "%q", &s)
	require.NoError(t, err, path)
	return []byte(s)
}

// TestRecParserMatchesEncodingCSV compares the records themselves with
// encoding/csv's (LazyQuotes) on quoteScan's output.
func TestRecParserMatchesEncodingCSV(t *testing.T) {
	texts := append([]string(nil), edgeCSVs...)
	texts = append(texts, string(bigCSV(3000, 2)))
	for _, s := range texts {
		compareRecords(t, []byte(s), ',')
	}
}

func compareRecords(t *testing.T, text []byte, comma byte) {
	t.Helper()
	q := newQuoteScan(bytes.NewReader(text), comma)
	scanned, err := io.ReadAll(q)
	require.NoError(t, err)
	cr := csv.NewReader(bytes.NewReader(scanned))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = rune(comma), -1, true
	p := recParser{s: append([]byte(nil), scanned...), comma: comma}
	for {
		want, werr := cr.Read()
		got, start, _, ok := p.record()
		if werr == io.EOF {
			require.False(t, ok, "%q: a record past csv's last: %q", text, got)
			return
		}
		require.NoError(t, werr)
		require.True(t, ok, "%q: csv has %q", text, want)
		require.Equal(t, want, got, "%q", text)
		line, _ := cr.FieldPos(0)
		require.Equal(t, line-1, start, "%q: %q", text, want)
	}
}

// FuzzCSVBlock: whatever the bytes, the block path and encoding/csv one
// record at a time give the same rows and errors, in one block and in
// tiny ones.
func FuzzCSVBlock(f *testing.F) {
	for _, s := range edgeCSVs {
		f.Add([]byte(s), uint8(0))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		p := filepath.Join(dir, "in.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Skip(err)
		}
		if size > 0 {
			withBlockSize(t, int(size))
		}
		sameAsRecordByRecord(t, p, Options{})
		sameAsRecordByRecord(t, p, Options{Delimiter: ',', MaxCellBytes: 16, MaxRowBytes: 64})
		if bytes.IndexByte(data, '\n') >= 0 {
			compareRecords(t, data, ',')
		}
	})
}

// TestCSVReadRows: ReadRows gives Read's rows and error, in blocks, and
// the two mixed stay in file order.
func TestCSVReadRows(t *testing.T) {
	dir := t.TempDir()
	data := bigCSV(5000, 3)
	cut := len(data) * 2 / 3
	cut += bytes.IndexByte(data[cut:], '\n') + 1
	damaged := append(append(append([]byte(nil), data[:cut]...), "late@x.org,\xff,n,1\n"...), data[cut:]...)
	for name, text := range map[string][]byte{"good": data, "damaged": damaged} {
		p := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(p, text, 0o600))
		want := readAllCSV(t, p, Options{})
		require.Equal(t, name == "damaged", want.Err != "", want.Err)
		for _, every := range []int{0, 3} { // ReadRows only; a Read after every third
			r, err := Open(p, Options{})
			require.NoError(t, err)
			rr := r.(RowsReader)
			var got []Row
			var readErr error
			for i := 1; ; i++ {
				var rows []Row
				if every > 0 && i%every == 0 {
					var row Row
					if row, err = r.Read(); err == nil {
						rows = []Row{row}
					}
				} else if rows, err = rr.ReadRows(); err == nil {
					require.NotEmpty(t, rows)
				}
				if err != nil {
					if !errors.Is(err, io.EOF) {
						readErr = err
					}
					break
				}
				got = append(got, rows...)
			}
			require.NoError(t, r.Close())
			assert.Equal(t, want.Rows, got, name)
			if want.Err == "" {
				assert.NoError(t, readErr, name)
			} else {
				require.Error(t, readErr, name)
				assert.Contains(t, want.Err, readErr.Error(), name)
			}
		}
	}
}

// TestCSVBlockAllQuoted: a file that quotes every cell (as many exports
// do) has few line breaks outside quotes; every block still ends at one,
// however the reads fall, and no row is taken for an endless one.
func TestCSVBlockAllQuoted(t *testing.T) {
	var b bytes.Buffer
	cols := 15
	for i := range 40_000 {
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "\"r%d c%d\"", i, c)
		}
		b.WriteString("\r\n")
	}
	require.Greater(t, b.Len(), 4*(DefaultMaxRowBytes+3*textBufSize), "longer than the row limit many times")
	p := filepath.Join(t.TempDir(), "quoted.csv")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	res := sameAsRecordByRecord(t, p, Options{})
	require.Empty(t, res.Err)
	require.Len(t, res.Rows, 39_999)
	assert.Equal(t, "r39999 c14", res.Rows[len(res.Rows)-1].Cells[cols-1])
}
