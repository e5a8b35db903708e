package read

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

const josé = "first_name,last_name\r\nJosé,Ñúñez\r\n"

func encode(t *testing.T, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func TestCSVEncodings(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		enc  string
	}{
		{"utf-8", []byte(josé), ""},
		{"utf-8 BOM", append([]byte("\xEF\xBB\xBF"), josé...), ""},
		{"utf-16le BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), josé), ""},
		{"utf-16be BOM", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), josé), ""},
		{"windows-1252 detected", encode(t, charmap.Windows1252.NewEncoder(), josé), ""},
		{"windows-1252 forced", encode(t, charmap.Windows1252.NewEncoder(), josé), "windows-1252"},
		{"utf-16le forced, no BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder(), josé), "utf-16le"},
		{"utf-8 forced with BOM", append([]byte("\xEF\xBB\xBF"), josé...), "UTF-8"},
		{"BOM wins over forced encoding", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), josé), "windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "roster.csv", tt.data)
			header, rows, err := readAll(t, path, Options{Encoding: tt.enc})
			require.NoError(t, err)
			assert.Equal(t, []string{"first_name", "last_name"}, header)
			assert.Equal(t, []Row{{Line: 2, Cells: []string{"José", "Ñúñez"}}}, rows)
		})
	}
}

func TestCSVDelimiters(t *testing.T) {
	for _, d := range []string{",", ";", "\t", "|"} {
		t.Run(strings.ReplaceAll(d, "\t", "tab"), func(t *testing.T) {
			// The quoted header cell holds the other delimiters, which must
			// not win the vote.
			data := strings.Join([]string{`"a,b;c|d	e"`, "email", "role"}, d) + "\n" +
				strings.Join([]string{"x", "x@example.com", "admin"}, d) + "\n"
			path := writeFile(t, "roster.csv", []byte(data))
			header, rows, err := readAll(t, path, Options{})
			require.NoError(t, err)
			assert.Equal(t, []string{"a,b;c|d\te", "email", "role"}, header)
			assert.Equal(t, []Row{{Line: 2, Cells: []string{"x", "x@example.com", "admin"}}}, rows)
		})
	}
	t.Run("forced", func(t *testing.T) {
		path := writeFile(t, "roster.csv", []byte("a;b,c\n1;2,3\n"))
		header, _, err := readAll(t, path, Options{Delimiter: ','})
		require.NoError(t, err)
		assert.Equal(t, []string{"a;b", "c"}, header)
	})
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		text string
		want rune
	}{
		{`"x,y";z;w`, ';'},
		{"a,b,c\nd;e;f;g;h\n", ','},
		{"\n\r\na|b|c\n", '|'},
		{"a\tb;c\tc", '\t'},
		{"single", ','},
		{"a;b,c", ','}, // tie: comma first
		{"\"multi\nline\";b;c\n", ';'},
		{"", ','},
		{"Staff list\nname;email;role\n", ';'},    // a title line without delimiters
		{"name;email;role\rAnn;a@x;admin\r", ';'}, // CR-only line ends
		{"a|b|c\rd,e,f,g,h,i\r", '|'},
	}
	for _, tt := range tests {
		assert.Equal(t, string(tt.want), string(sniffDelimiter([]byte(tt.text))), "%q", tt.text)
	}
}

func TestCSVShapesAndLines(t *testing.T) {
	data := "\uFEFF name ,\"email\",,role\r\n" + // line 1: BOM, padded name, empty header cell
		"Ana,ana@example.com,x,\"multi\r\nline \"\"quoted\"\", with, commas\"\r\n" + // lines 2-3
		"\r\n" + // line 4: blank
		",,,\r\n" + // line 5: empty cells only
		"Bo,bo@example.com\r\n" + // line 6: short row, padded
		"Cy,cy@example.com,,guest,,\r\n" + // line 7: trailing empty extras trimmed
		"Di,di@example.com,,member" // line 8: no final newline
	path := writeFile(t, "roster.csv", []byte(data))
	header, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "email", "Column 3", "role"}, header)
	assert.Equal(t, []Row{
		{Line: 2, Cells: []string{"Ana", "ana@example.com", "x", "multi\nline \"quoted\", with, commas"}},
		// Rows as a spreadsheet numbers them: lines 2-3 are one row.
		{Line: 5, Cells: []string{"Bo", "bo@example.com", "", ""}},
		{Line: 6, Cells: []string{"Cy", "cy@example.com", "", "guest"}},
		{Line: 7, Cells: []string{"Di", "di@example.com", "", "member"}},
	}, rows)
}

func TestCSVRowsOwnTheirCells(t *testing.T) {
	path := writeFile(t, "roster.csv", []byte("a,b\n1,2\n3,4\n5,6\n"))
	_, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}},
		[][]string{rows[0].Cells, rows[1].Cells, rows[2].Cells})
}

func TestCSVRejects(t *testing.T) {
	long := "name,notes\n" + "a,b\n" + "c," + strings.Repeat("x", 3<<20) + "\n"
	laterBad := "name\n" + strings.Repeat("José\n", 20_000) + "Ren\xe9\n"
	tests := []struct {
		name  string
		data  string
		opt   Options
		parts []string
		rows  int // good rows read before the error
	}{
		{"unbalanced quote", "name,email\na,a@x\nb,b@x\n\"c,c@x\nd,d@x\n",
			Options{}, []string{`row 4: unbalanced quote: the quoted cell in column 1 opens in this row and is never closed`}, 2},
		{"unbalanced quote in a later field", "name,email\na,a@x\nb,\"b@x\nc,c@x\n",
			Options{}, []string{`row 3: unbalanced quote: the quoted cell in column 2 opens`}, 1},
		{"unbalanced quote after a multi-line cell", "name,email\n\"a\nb\",a@x\nc,\"c@x\nd,d@x\n",
			Options{}, []string{`row 3: unbalanced quote`}, 1},
		{"quote that does not close the field", "name,email\na,a@x\n\"b\"x,b@x\nc,c@x\n",
			Options{}, []string{`row 3: unbalanced quote`}, 1},
		{"invalid utf-8 forced", "name,email\na,a@x\nRen\xe9,r@x\n",
			Options{Encoding: "utf-8"}, []string{`row 3: invalid UTF-8 in column 1`}, 1},
		{"invalid utf-8 after the detection window", laterBad,
			Options{}, []string{`row 20002: invalid UTF-8 in column "name"`}, 20_000},
		{"invalid utf-8 in the header", "\xEF\xBB\xBFname,em\xffail\n1,2\n",
			Options{}, []string{`row 1: invalid UTF-8 in column 2`}, 0},
		{"duplicate header a field needs", "Email,name,email\n1,2,3\n",
			Options{Expect: func(s string) bool { return strings.EqualFold(s, "email") }},
			[]string{`row 1: the header names a column that a field reads more than once: "email" (columns 1 and 3)`}, 0},
		{"stated header row blank", "title\n\nname\n1\n",
			Options{HeaderRow: 2}, []string{`row 2: row 2 (header row) is blank; the first row with values is 3`}, 0},
		{"stated header row past the end", "name\n1\n",
			Options{HeaderRow: 9}, []string{`row 9: no header in row 9`}, 0},
		{"huge line", long,
			Options{}, []string{"row 3: row is over the 1048576-byte limit for a row"}, 1},
		{"unbalanced quote in a large file", "name,email\na,a@x\n\"b,b@x\n" + strings.Repeat("c,c@example.com\n", 100_000),
			Options{}, []string{"row 3: unbalanced quote: a quoted cell that opens in this row runs past the 1048576-byte row limit"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "roster.csv", []byte(tt.data))
			_, rows, err := readAll(t, path, tt.opt)
			requireFileError(t, err, path, tt.parts...)
			assert.Len(t, rows, tt.rows)
		})
	}
}

func TestCSVErrorIsSticky(t *testing.T) {
	path := writeFile(t, "roster.csv", []byte("a,b\n1,2\n\xff,3\n4,5\n"))
	r, err := Open(path, Options{Encoding: "utf-8"})
	require.NoError(t, err)
	defer func() { assert.NoError(t, r.Close()) }()
	_, err = r.Read()
	require.NoError(t, err)
	_, err1 := r.Read()
	requireFileError(t, err1, path, "row 3: invalid UTF-8")
	_, err2 := r.Read()
	assert.Equal(t, err1, err2)
	assert.NoError(t, r.Close(), "Close twice")
}

func TestRecordGuard(t *testing.T) {
	g := &recordGuard{r: strings.NewReader(strings.Repeat("x", 100)), limit: 10}
	buf := make([]byte, 8)
	_, err := io.ReadFull(g, buf)
	require.NoError(t, err)
	g.mark(8)
	_, err = io.ReadFull(g, buf)
	require.NoError(t, err, "8 bytes since the mark")
	_, err = io.ReadFull(g, buf)
	require.NoError(t, err, "16 bytes since the mark: the read that passes the limit still succeeds")
	_, err = g.Read(buf)
	assert.ErrorIs(t, err, errRecordTooLong)
	_, err = io.ReadAll(io.MultiReader(bytes.NewReader(nil), g))
	assert.ErrorIs(t, err, errRecordTooLong, "stays failed")
}

func TestUTF8Scan(t *testing.T) {
	inputs := []string{
		"plain ascii",
		"José Ñúñez 日本 🎉 done",
		"bad \xe9 byte",
		"cut at end \xe6\x97",
		"\xf0\x9f\x8e",
		"ok 🎉\xff",
		"\xef\xbf\xbd is U+FFFD, valid",
		"",
	}
	require.Equal(t, 4, firstInvalid([]byte(inputs[2])))
	require.Equal(t, 11, firstInvalid([]byte(inputs[3])))
	for _, in := range inputs {
		want := int64(firstInvalid([]byte(in)))
		for chunk := 1; chunk <= 7; chunk++ {
			s := newUTF8Scan()
			for b := []byte(in); len(b) > 0; {
				n := min(chunk, len(b))
				s.feed(b[:n])
				b = b[n:]
			}
			s.end()
			assert.Equal(t, want, s.bad, "%q in chunks of %d", in, chunk)
		}
	}
}

// The failed-out file mirrors the input: the reader says what it found.
func TestCSVEncodingAndBOM(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		enc  string
		bom  bool
	}{
		{"utf-8", []byte("a,b\n1,2\n"), "utf-8", false},
		{"utf-8 bom", []byte("\xEF\xBB\xBFa,b\n1,2\n"), "utf-8", true},
		{"windows-1252", []byte("a,b\n\xe9,2\n"), "windows-1252", false},
		{"utf-16le bom", []byte("\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00"), "utf-16le", true},
		{"utf-16be bom", []byte("\xFE\xFF\x00a\x00,\x00b\x00\n\x001\x00,\x002\x00\n"), "utf-16be", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.csv")
			require.NoError(t, os.WriteFile(path, tt.data, 0o600))
			r, err := Open(path, Options{})
			require.NoError(t, err)
			defer r.Close()
			info := r.(interface {
				Encoding() string
				BOM() bool
			})
			assert.Equal(t, tt.enc, info.Encoding())
			assert.Equal(t, tt.bom, info.BOM())
		})
	}
}
