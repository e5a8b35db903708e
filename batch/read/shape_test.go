package read

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// read opens data as a CSV (or, with xlsx, as a one-sheet workbook of its
// comma-separated lines) and returns the reader's view of it.
type shape struct {
	header    []string
	headerRow int
	warnings  []string
	rows      []Row
}

func readShape(t *testing.T, path string, opt Options) (shape, error) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		return shape{}, err
	}
	defer r.Close()
	sh := shape{header: r.Header(), headerRow: r.HeaderRow(), warnings: r.Warnings()}
	for {
		row, err := r.Read()
		if err != nil {
			if err == io.EOF {
				return sh, nil
			}
			return sh, err
		}
		sh.rows = append(sh.rows, row)
	}
}

// writeBoth writes lines as a CSV file and as an XLSX sheet of the same
// cells, so one table checks both readers.
func writeBoth(t *testing.T, lines []string) map[string]string {
	var rows [][]string
	for _, l := range lines {
		if l == "" {
			rows = append(rows, nil)
			continue
		}
		rows = append(rows, strings.Split(l, ","))
	}
	return map[string]string{
		"csv":  writeFile(t, "roster.csv", []byte(strings.Join(lines, "\n")+"\n")),
		"xlsx": writeXLSXRows(t, rows),
	}
}

func expectNames(names ...string) func(string) bool {
	return func(s string) bool {
		for _, n := range names {
			if strings.EqualFold(n, s) {
				return true
			}
		}
		return false
	}
}

func TestHeaderDetection(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		opt       Options
		header    []string
		headerRow int
		first     Row
	}{
		{"first row", []string{"email,name", "a@x,Ann"}, Options{},
			[]string{"email", "name"}, 1, Row{Line: 2, Cells: []string{"a@x", "Ann"}}},
		{"version line above (Entra)", []string{"version:v1.0,,,", "Name,User name,Password,Block", "Ann,a@x,pw,No"}, Options{},
			[]string{"Name", "User name", "Password", "Block"}, 2, Row{Line: 3, Cells: []string{"Ann", "a@x", "pw", "No"}}},
		{"title and notes above, blank rows", []string{"Staff report", "", "Generated 2024-09-01", "", "email,name", "a@x,Ann"}, Options{},
			[]string{"email", "name"}, 5, Row{Line: 6, Cells: []string{"a@x", "Ann"}}},
		{"two-cell title loses to the expected names", []string{"Report,September", "email,first_name,last_name", "a@x,Ann,Lee"},
			Options{Expect: expectNames("email", "first_name")},
			[]string{"email", "first_name", "last_name"}, 2, Row{Line: 3, Cells: []string{"a@x", "Ann", "Lee"}}},
		{"without expected names the first full row wins", []string{"Report,September,", "email,first_name,last_name", "a@x,Ann,Lee"}, Options{},
			[]string{"Report", "September", "Column 3"}, 1, Row{Line: 2, Cells: []string{"email", "first_name", "last_name"}}},
		{"stated header row", []string{"Report,September", "email,first_name,last_name", "a@x,Ann,Lee"}, Options{HeaderRow: 2},
			[]string{"email", "first_name", "last_name"}, 2, Row{Line: 3, Cells: []string{"a@x", "Ann", "Lee"}}},
		{"single-column roster", []string{"email", "a@x", "b@x"}, Options{},
			[]string{"email"}, 1, Row{Line: 2, Cells: []string{"a@x"}}},
	}
	for _, tt := range tests {
		for kind, path := range writeBoth(t, tt.lines) {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				sh, err := readShape(t, path, tt.opt)
				require.NoError(t, err)
				assert.Equal(t, tt.header, sh.header)
				assert.Equal(t, tt.headerRow, sh.headerRow)
				require.NotEmpty(t, sh.rows)
				assert.Equal(t, tt.first, sh.rows[0])
			})
		}
	}
}

func TestRaggedRowsAndColumnNames(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		header   []string
		rows     []Row
		warnings []string
	}{
		{"short rows read as empty", []string{"a,b,c", "1", "1,2"}, []string{"a", "b", "c"},
			[]Row{{Line: 2, Cells: []string{"1", "", ""}}, {Line: 3, Cells: []string{"1", "2", ""}}}, nil},
		{"values under a column with no name", []string{"a,b,", "1,2,3", "4,5,"}, []string{"a", "b", "Column 3"},
			[]Row{{Line: 2, Cells: []string{"1", "2", "3"}}, {Line: 3, Cells: []string{"4", "5", ""}}},
			[]string{`has no name for column`, `"Column 3"`}},
		{"interior blank name", []string{"a,,c", "1,2,3"}, []string{"a", "Column 2", "c"},
			[]Row{{Line: 2, Cells: []string{"1", "2", "3"}}}, []string{`"Column 2"`}},
		{"repeated names get a suffix", []string{"a,b,A,a", "1,2,3,4"}, []string{"a", "b", "A (2)", "a (3)"},
			[]Row{{Line: 2, Cells: []string{"1", "2", "3", "4"}}}, []string{`repeats column names`, `"A (2)"`, `"a (3)"`}},
	}
	for _, tt := range tests {
		for kind, path := range writeBoth(t, tt.lines) {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				sh, err := readShape(t, path, Options{})
				require.NoError(t, err)
				assert.Equal(t, tt.header, sh.header)
				assert.Equal(t, tt.rows, sh.rows)
				w := strings.Join(sh.warnings, "\n")
				for _, part := range tt.warnings {
					assert.Contains(t, w, part)
				}
				if tt.warnings == nil {
					assert.Empty(t, sh.warnings)
				}
			})
		}
	}
}

// A stray delimiter far down a CSV makes that row alone malformed; the
// rows before and after it read as usual.
func TestMalformedRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,email\n")
	for range 30 {
		b.WriteString("Ann,a@x\n")
	}
	b.WriteString("O,Brien,o@x\n") // row 32
	b.WriteString("Bo,b@x\n")
	path := writeFile(t, "roster.csv", []byte(b.String()))
	sh, err := readShape(t, path, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name", "email"}, sh.header)
	require.Len(t, sh.rows, 32)
	bad := sh.rows[30]
	assert.Equal(t, 32, bad.Line)
	assert.Equal(t, []string{"O", "Brien"}, bad.Cells)
	assert.Contains(t, bad.Malformed, `column 3 "o@x"`)
	assert.Empty(t, sh.rows[31].Malformed)
	assert.Equal(t, []string{"Bo", "b@x"}, sh.rows[31].Cells)

	// XLSX names the cell.
	rows := [][]string{{"name", "email"}}
	for range 30 {
		rows = append(rows, []string{"Ann", "a@x"})
	}
	rows = append(rows, []string{"Cy", "c@x", "", "note"})
	sh, err = readShape(t, writeXLSXRows(t, rows), Options{})
	require.NoError(t, err)
	require.Len(t, sh.rows, 31)
	assert.Contains(t, sh.rows[30].Malformed, `D32 "note"`)
}

func TestCSVQuotesAndLineEnds(t *testing.T) {
	tests := []struct {
		name string
		data string
		rows []Row
	}{
		{"bare quotes are literal", "name,notes\nO\"Brien,=HYPERLINK(\"x\")\n",
			[]Row{{Line: 2, Cells: []string{`O"Brien`, `=HYPERLINK("x")`}}}},
		{"quoted cells still unquote", "name,notes\n\"Lee, Ann\",\"said \"\"hi\"\"\"\n",
			[]Row{{Line: 2, Cells: []string{"Lee, Ann", `said "hi"`}}}},
		{"CR-only line ends", "name,email\rAnn,a@x\rBo,b@x\r",
			[]Row{{Line: 2, Cells: []string{"Ann", "a@x"}}, {Line: 3, Cells: []string{"Bo", "b@x"}}}},
		{"CR-only with a quoted cell last", "name,email\r\"Ann\",\"a@x\"\rBo,b@x",
			[]Row{{Line: 2, Cells: []string{"Ann", "a@x"}}, {Line: 3, Cells: []string{"Bo", "b@x"}}}},
		{"CR LF inside a quoted cell is kept", "name,notes\r\nAnn,\"one\r\ntwo\"\r\nBo,x\r\n",
			[]Row{{Line: 2, Cells: []string{"Ann", "one\ntwo"}}, {Line: 3, Cells: []string{"Bo", "x"}}}},
		{"rows after multi-line cells", "name,notes\nAnn,\"a\nb\nc\"\n\nBo,x\n",
			[]Row{{Line: 2, Cells: []string{"Ann", "a\nb\nc"}}, {Line: 4, Cells: []string{"Bo", "x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, err := readShape(t, writeFile(t, "roster.csv", []byte(tt.data)), Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.rows, sh.rows)
		})
	}
}

// The scanner's decisions do not depend on where reads split the text.
func TestQuoteScanChunks(t *testing.T) {
	text := "a,\"b\r\nc\"\"d\",e\"f\rg,\"h\"\r\n\"i\rj\",k\r"
	q := newQuoteScan(strings.NewReader(text), ',')
	b, err := io.ReadAll(q)
	require.NoError(t, err)
	want := string(b)
	assert.Equal(t, "a,\"b\r\nc\"\"d\",e\"f\ng,\"h\"\r\n\"i\rj\",k\n", want)
	for size := 1; size < len(text); size++ {
		q := newQuoteScan(&chunked{s: text, n: size}, ',')
		var out []byte
		buf := make([]byte, 3)
		for {
			n, err := q.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				break
			}
		}
		assert.Equal(t, want, string(out), "chunks of %d", size)
		assert.False(t, q.unclosed)
	}
}

type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}
