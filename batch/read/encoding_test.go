package read

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCSVEncodingsFromEverywhere reads files written by iconv (see
// testdata/encodings/README.md) in each encoding: given with --encoding,
// or detected where the bytes say so, with a word on what was guessed.
func TestCSVEncodingsFromEverywhere(t *testing.T) {
	dir := filepath.Join("testdata", "encodings")
	tests := []struct {
		file, enc string
		want      []string // the second row's cells
		encoding  string   // what Encoding() says
		warning   string   // part of the warning when the encoding was guessed
	}{
		{"roster-utf-32le-bom.csv", "", []string{"jose@example.com", "José", "Núñez"}, "utf-32le", ""},
		{"roster-utf-32be-bom.csv", "", []string{"jose@example.com", "José", "Núñez"}, "utf-32be", ""},
		{"roster-utf-32le-bom.csv", "utf-16le", []string{"jose@example.com", "José", "Núñez"}, "utf-32le", ""}, // the BOM wins
		{"roster-shift_jis.csv", "shift_jis", []string{"hanako@example.jp", "花子", "山田", "営業部"}, "shift_jis", ""},
		{"roster-shift_jis.csv", "CP932", []string{"hanako@example.jp", "花子", "山田", "営業部"}, "shift_jis", ""},
		{"roster-shift_jis.csv", "", []string{"hanako@example.jp", "花子", "山田", "営業部"}, "shift_jis", "read as Shift_JIS (detected"},
		{"roster-euc-kr.csv", "euc-kr", []string{"minsu@example.kr", "민수", "김"}, "euc-kr", ""},
		{"roster-gb18030.csv", "gb18030", []string{"wei@example.cn", "伟", "张"}, "gb18030", ""},
		{"roster-gb18030.csv", "GBK", []string{"wei@example.cn", "伟", "张"}, "gb18030", ""},
		{"roster-big5.csv", "big5", []string{"wei@example.tw", "偉", "張"}, "big5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.enc, func(t *testing.T) {
			r, err := Open(filepath.Join(dir, tt.file), Options{Encoding: tt.enc})
			require.NoError(t, err)
			defer r.Close()
			row, err := r.Read()
			require.NoError(t, err)
			assert.Equal(t, tt.want, row.Cells)
			assert.Equal(t, tt.encoding, r.(interface{ Encoding() string }).Encoding())
			if tt.warning == "" {
				assert.Empty(t, r.Warnings())
			} else {
				require.Len(t, r.Warnings(), 1)
				assert.Contains(t, r.Warnings()[0], tt.warning)
				assert.Contains(t, r.Warnings()[0], "--encoding")
			}
		})
	}
}

// TestCSVEncodingGuessesNothingUnsure: Chinese and Korean encodings cannot
// be told apart from bytes alone: such a file is refused with the
// encodings it could be, and the choices. Bytes valid in no encoding are
// refused too; Western text is read as Windows-1252, saying so.
func TestCSVEncodingGuessesNothingUnsure(t *testing.T) {
	dir := filepath.Join("testdata", "encodings")
	for _, file := range []string{"roster-gb18030.csv", "roster-big5.csv", "roster-euc-kr.csv"} {
		t.Run(file, func(t *testing.T) {
			_, err := Open(filepath.Join(dir, file), Options{})
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, "the text is not UTF-8, and could be")
			assert.Contains(t, msg, "--encoding (one of "+Encodings+")")
			want := map[string]string{"roster-gb18030.csv": "gb18030", "roster-big5.csv": "big5", "roster-euc-kr.csv": "euc-kr"}[file]
			assert.Contains(t, msg, want+" (")
		})
	}
	t.Run("fits none", func(t *testing.T) {
		// 0x81 is undefined in Windows-1252; 0xFF is no character in
		// the others.
		path := writeFile(t, "roster.csv", []byte("email,name\nx@example.com,\xff\x81\xff\n"))
		_, err := Open(path, Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the text is in no encoding onboard reads")
		assert.Contains(t, err.Error(), "--encoding (one of "+Encodings+")")
	})
	t.Run("windows-1252 says so", func(t *testing.T) {
		path := writeFile(t, "roster.csv", []byte("email,name\nx@example.com,Gr\xf6\xdfe Jos\xe9\n"))
		r, err := Open(path, Options{})
		require.NoError(t, err)
		defer r.Close()
		row, err := r.Read()
		require.NoError(t, err)
		assert.Equal(t, "Größe José", row.Cells[1])
		require.Len(t, r.Warnings(), 1)
		assert.True(t, strings.HasPrefix(r.Warnings()[0], "read as Windows-1252 (detected"), r.Warnings()[0])
	})
	t.Run("unknown encoding lists the choices", func(t *testing.T) {
		path := writeFile(t, "roster.csv", []byte("email\nx@example.com\n"))
		_, err := Open(path, Options{Encoding: "latin-2"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `unknown encoding "latin-2" (want one of `+Encodings+")")
	})
}
