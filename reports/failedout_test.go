package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/schema"
)

// fixOptions are what a run passes for rosterHeader.
func fixOptions() FailedOutOptions {
	return FailedOutOptions{
		Sheet:        "People",
		FieldColumns: map[string][]int{"email": {0}, "firstName": {1}, "password": {2}, "role": {3}},
		Enums:        map[int][]string{3: {"admin", "member", "guest"}},
	}
}

func TestFailedOutGolden(t *testing.T) {
	tests := []struct {
		file  string
		delim rune
	}{
		{"failed.csv", ';'}, // the input's own delimiter
		{"failed.tsv", 0},   // .tsv means tabs
		{"failed.xlsx", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			opts := fixOptions()
			opts.Delimiter = tt.delim
			sink, err := NewFailedOut(path, rosterHeader, opts)
			require.NoError(t, err)
			writeAll(t, sink, resultOutcomes(), nil)
			assert.Equal(t, 4, sink.Rows())
			checkFileGolden(t, path, tt.file+".golden")
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.NotContains(t, string(got), "hunter2", "never a password")
			assert.NotContains(t, string(got), Masked, "never a mask")
			entries, err := os.ReadDir(filepath.Dir(path))
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file left beside it")
		})
	}
}

// The XLSX fix file as a person opens it: the input's sheet name, each
// failing cell highlighted with its message as a comment, the password
// cell emptied and marked, drop-downs on the enum columns, widths from
// the content.
func TestFailedOutXLSXReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fix.xlsx")
	sink, err := NewFailedOut(path, rosterHeader, fixOptions())
	require.NoError(t, err)
	writeAll(t, sink, resultOutcomes(), nil)

	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"People"}, f.GetSheetList())
	rows, err := f.GetRows("People")
	require.NoError(t, err)
	assert.Equal(t, append(append([]string(nil), rosterHeader...), "onboard_row", "onboard_error"), rows[0], "the input's column order, then onboard's")
	assert.Equal(t, []string{"", "Bob", "", "boss", "=cmd|' /C calc'!A0", "3"}, rows[1][:6])

	comments, err := f.GetComments("People")
	require.NoError(t, err)
	byCell := map[string]string{}
	for _, c := range comments {
		var b strings.Builder
		for _, p := range c.Paragraph {
			b.WriteString(p.Text)
		}
		byCell[c.Cell] = b.String()
		assert.Equal(t, "onboard", c.Author)
	}
	assert.Equal(t, "MISSING_REQUIRED: email is required", byCell["A2"])
	assert.Equal(t, "INVALID_ENUM: must be one of admin, member, guest", byCell["D2"])
	assert.Contains(t, byCell["C2"], "re-enter the password")
	assert.Equal(t, "VENDOR_REJECTED: Email already used", byCell["A3"])
	assert.NotContains(t, byCell, "B4", "a row with no field problem marks only its message")

	for _, cell := range []string{"A2", "D2", "C2", "G2", "A3", "G4"} {
		assert.Equal(t, toneFills[toneBad], fillOf(t, f, cell), cell)
	}
	assert.Empty(t, fillOf(t, f, "B2"), "a good cell is not highlighted")

	dvs, err := f.GetDataValidations("People")
	require.NoError(t, err)
	require.Len(t, dvs, 1)
	assert.Equal(t, "D2:D5", dvs[0].Sqref)
	assert.Equal(t, `"admin,member,guest"`, dvs[0].Formula1)

	w, err := f.GetColWidth("People", "G")
	require.NoError(t, err)
	assert.Greater(t, w, 40.0, "the message column fits its text")
	w, err = f.GetColWidth("People", "D")
	require.NoError(t, err)
	assert.Less(t, w, 12.0)
}

func fillOf(t *testing.T, f *excelize.File, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle("People", cell)
	require.NoError(t, err)
	st, err := f.GetStyle(id)
	require.NoError(t, err)
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return st.Fill.Color[0]
}

// A long enum goes into a very hidden list sheet, after the roster's.
func TestFailedOutXLSXLongEnum(t *testing.T) {
	long := make([]string, 60)
	for i := range long {
		long[i] = "department-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	opts := fixOptions()
	opts.Enums = map[int][]string{4: long}
	path := filepath.Join(t.TempDir(), "fix.xlsx")
	sink, err := NewFailedOut(path, rosterHeader, opts)
	require.NoError(t, err)
	writeAll(t, sink, resultOutcomes()[1:2], nil)
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"People", "onboard_lists"}, f.GetSheetList())
	visible, err := f.GetSheetVisible("onboard_lists")
	require.NoError(t, err)
	assert.False(t, visible)
	dvs, err := f.GetDataValidations("People")
	require.NoError(t, err)
	require.Len(t, dvs, 1)
	assert.Contains(t, dvs[0].Formula1, "onboard_lists!$A$1:$A$60")
}

// A fix file run again keeps its onboard_row (the row of the original
// file) and overwrites its onboard_error; no column is doubled.
func TestFailedOutReusesOwnColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "again.csv")
	sink, err := NewFailedOut(path, []string{"email", "onboard_row", "role", "ONBOARD_ERROR"}, FailedOutOptions{})
	require.NoError(t, err)
	writeAll(t, sink, []batch.Outcome{
		{Line: 2, Status: batch.Created, Cells: []string{"a@x.org", "7", "member", "old"}},
		{Line: 3, Status: batch.Failed, Cells: []string{"b@x.org", "12", "member", "MISSING_REQUIRED email"},
			Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "try later"}}},
		{Line: 4, Status: batch.Invalid, Cells: []string{"c@x.org", "", "member", ""},
			Problems: []batch.Problem{{Code: "INVALID_ENUM", Field: "role", Message: "no"}}},
	}, nil)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "email,onboard_row,role,ONBOARD_ERROR\nb@x.org,12,member,VENDOR_ERROR: try later\nc@x.org,4,member,INVALID_ENUM role: no\n", string(got))
}

// Only rows a person can fix are written; when there are none, no file.
func TestFailedOutNothingToFix(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"fix.csv", "fix.xlsx"} {
		path := filepath.Join(dir, name)
		sink, err := NewFailedOut(path, rosterHeader, fixOptions())
		require.NoError(t, err)
		writeAll(t, sink, []batch.Outcome{
			{Line: 2, Status: batch.Created, Cells: []string{"a@x.org"}},
			{Line: 3, Status: batch.Skipped, Cells: []string{"b@x.org"}},
			{Line: 4, Status: batch.Unknown, Cells: []string{"c@x.org"}},
			{Line: 5, Status: batch.Adopted, Cells: []string{"d@x.org"}},
		}, nil)
		assert.Zero(t, sink.Rows())
		assert.NoFileExists(t, path)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no temporary file left")
}

func TestFailedOutUnwritable(t *testing.T) {
	_, err := NewFailedOut(filepath.Join(t.TempDir(), "missing", "fix.csv"), rosterHeader, FailedOutOptions{})
	require.Error(t, err, "an unwritable place fails before the run")
}

// The round trip: a roster in each encoding and delimiter, its fix file
// read back by onboard's own reader gives the same encoding, BOM,
// delimiter and every cell exactly (formula-like ones included), the
// password emptied, onboard_row pointing at the original row.
func TestFailedOutRoundTrip(t *testing.T) {
	header := "Email;First Name;Password;notes"
	data := []string{
		"ann@x.org;=1+2;hunter2;'quoted",
		"bob@x.org;-Bob;;+44 20 7946 0958",
		"cy@x.org;Zoë Ñúñez;;@home\ttab",
	}
	text := header + "\n" + strings.Join(data, "\n") + "\n"
	u16 := func(e unicode.Endianness, bom []byte) []byte {
		b, err := unicode.UTF16(e, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(text))
		require.NoError(t, err)
		return append(bom, b...)
	}
	u32 := func(e utf32.Endianness, bom []byte) []byte {
		b, err := utf32.UTF32(e, utf32.IgnoreBOM).NewEncoder().Bytes([]byte(text))
		require.NoError(t, err)
		return append(bom, b...)
	}
	w1252, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	tests := []struct {
		name string
		raw  []byte
		enc  string
		bom  []byte
	}{
		{"utf-8", []byte(text), "utf-8", nil},
		{"utf-8 with BOM", append([]byte("\xEF\xBB\xBF"), text...), "utf-8", []byte("\xEF\xBB\xBF")},
		{"utf-16le", u16(unicode.LittleEndian, []byte{0xFF, 0xFE}), "utf-16le", []byte{0xFF, 0xFE}},
		{"utf-16be", u16(unicode.BigEndian, []byte{0xFE, 0xFF}), "utf-16be", []byte{0xFE, 0xFF}},
		{"windows-1252", w1252, "windows-1252", nil},
		{"utf-32le", u32(utf32.LittleEndian, []byte{0xFF, 0xFE, 0, 0}), "utf-32le", []byte{0xFF, 0xFE, 0, 0}},
		{"utf-32be", u32(utf32.BigEndian, []byte{0, 0, 0xFE, 0xFF}), "utf-32be", []byte{0, 0, 0xFE, 0xFF}},
	}
	s := &schema.Schema{Provider: "test", Fields: []schema.Field{
		{Name: "email", Type: schema.String}, {Name: "firstName", Type: schema.String, Aliases: []string{"First Name"}},
		{Name: "password", Type: schema.String, Secret: true}, {Name: "notes", Type: schema.String},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			require.NoError(t, os.WriteFile(in, tt.raw, 0o600))
			r, m, rows := readRoster(t, s, in)
			info := r.(interface {
				Delimiter() rune
				Encoding() string
				BOM() bool
			})
			require.Equal(t, tt.enc, info.Encoding())
			fix := filepath.Join(dir, "fix.csv")
			sink, err := NewFailedOut(fix, r.Header(), FailedOutOptions{Delimiter: info.Delimiter(),
				Encoding: info.Encoding(), BOM: info.BOM(), Secret: m.Secret()})
			require.NoError(t, err)
			for _, row := range rows {
				require.NoError(t, sink.Write(batch.Outcome{Line: row.Line, Cells: m.Mask(row.Cells), Status: batch.Failed,
					Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "=évil → ☃"}}}))
			}
			require.NoError(t, sink.Close(nil))

			raw, err := os.ReadFile(fix)
			require.NoError(t, err)
			if tt.bom != nil {
				assert.True(t, bytes.HasPrefix(raw, tt.bom), "keeps the BOM")
			} else {
				assert.False(t, bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")), "adds no BOM")
			}
			r2, m2, rows2 := readRoster(t, s, fix)
			info2 := r2.(interface {
				Delimiter() rune
				Encoding() string
				BOM() bool
			})
			assert.Equal(t, info.Delimiter(), info2.Delimiter())
			assert.Equal(t, info.Encoding(), info2.Encoding())
			assert.Equal(t, info.BOM(), info2.BOM())
			assert.Equal(t, []string{"Email", "First Name", "Password", "notes", "onboard_row", "onboard_error"}, r2.Header())
			assert.Equal(t, []int{4, 5}, m2.OwnColumns())
			g := m2.FormulaGuarded()
			require.Len(t, rows2, len(rows))
			for i, row := range rows2 {
				want := strings.Split(data[i], ";")
				want[2] = "" // the password is never written
				got := g.Mask(row.Cells)
				assert.Equal(t, want, got[:4], "every value reads back exactly")
				assert.Equal(t, rows[i].Line, atoiT(t, got[4]), "onboard_row is the original row")
				assert.Contains(t, got[5], "VENDOR_ERROR: =")
				if i == 0 {
					assert.Contains(t, got[5], "Password: re-enter it", "a row whose password was emptied says so")
				} else {
					assert.NotContains(t, got[5], "Password")
				}
				rec, errs := g.Map(row.Cells)
				require.Empty(t, errs)
				assert.Equal(t, want[1], rec["firstName"])
			}
		})
	}
}

func readRoster(t *testing.T, s *schema.Schema, path string) (read.Reader, *schema.Mapper, []read.Row) {
	t.Helper()
	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	m, err := schema.NewMapper(s, r.Header(), nil)
	require.NoError(t, err)
	var rows []read.Row
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		rows = append(rows, row)
	}
	return r, m, rows
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}

// fixGuard and the reader's unguarding are inverses for every cell.
func TestFixGuardRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "=1+2", "+44", "-5", "@x", "\tx", "\rx", "'", "'=x", "''", "a'b"} {
		g := fixGuard(s)
		assert.Equal(t, s, strings.TrimPrefix(g, "'"), "%q", s)
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			assert.True(t, strings.HasPrefix(g, "'"), "%q is guarded", s)
		}
	}
}

func TestProblemText(t *testing.T) {
	tests := []struct {
		name string
		o    batch.Outcome
		want string
	}{
		{"several", batch.Outcome{Problems: []batch.Problem{
			{Code: "MISSING_REQUIRED", Field: "email", Message: "required"},
			{Code: "INVALID_ENUM", Field: "role", Message: "one of a, b"},
		}}, "MISSING_REQUIRED email: required; INVALID_ENUM role: one of a, b"},
		{"no field", batch.Outcome{Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "boom"}}}, "VENDOR_ERROR: boom"},
		{"no message", batch.Outcome{Problems: []batch.Problem{{Code: "INTERRUPTED"}}}, "INTERRUPTED"},
		{"message only", batch.Outcome{Problems: []batch.Problem{{Message: "odd"}}}, "odd"},
		{"no problem says the status", batch.Outcome{Status: batch.NotAttempted, Note: "stopped"}, "not_attempted [stopped]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, problemText(&tt.o))
		})
	}
}

func TestFailedOutBadDelimiter(t *testing.T) {
	_, err := NewFailedOut(filepath.Join(t.TempDir(), "f.csv"), rosterHeader, FailedOutOptions{Delimiter: '"'})
	require.ErrorContains(t, err, "invalid CSV delimiter")
}

// A Shift_JIS roster gets a Shift_JIS fix file, which reads back the same;
// vendor text Shift_JIS cannot hold becomes '?'.
func TestFailedOutShiftJIS(t *testing.T) {
	text := "email,name\nhanako@example.jp,山田 花子\ntaro@example.jp,すずき たろう\n"
	raw, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	s := &schema.Schema{Provider: "test", Fields: []schema.Field{{Name: "email", Type: schema.String}, {Name: "name", Type: schema.String}}}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, raw, 0o600))
	r, m, rows := readRoster(t, s, in)
	enc := r.(interface{ Encoding() string }).Encoding()
	require.Equal(t, "shift_jis", enc)
	fix := filepath.Join(dir, "fix.csv")
	sink, err := NewFailedOut(fix, r.Header(), FailedOutOptions{Delimiter: ',', Encoding: enc})
	require.NoError(t, err)
	for _, row := range rows {
		require.NoError(t, sink.Write(batch.Outcome{Line: row.Line, Cells: m.Mask(row.Cells), Status: batch.Failed,
			Problems: []batch.Problem{{Code: "VENDOR_ERROR", Message: "名前 ☃ ë"}}}))
	}
	require.NoError(t, sink.Close(nil))
	_, _, rows2 := readRoster(t, s, fix)
	require.Len(t, rows2, 2)
	assert.Equal(t, []string{"hanako@example.jp", "山田 花子"}, rows2[0].Cells[:2])
	assert.Equal(t, []string{"taro@example.jp", "すずき たろう"}, rows2[1].Cells[:2])
	assert.Contains(t, rows2[0].Cells[3], "名前 ? ?")
}

// failingWriter fails as outfile does on a full disk: naming the path.
type failingWriter struct{ path string }

func (w failingWriter) Write([]byte) (int, error) {
	return 0, fmt.Errorf("%s: %w", w.path, syscall.ENOSPC)
}

// A full disk while the fix file is written is said once: "F: no space
// left on device", not "F: F: ...".
func TestFailedOutFullDiskNamesThePathOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fix.csv")
	fo, err := NewFailedOut(path, []string{"email"}, FailedOutOptions{Delimiter: ','})
	require.NoError(t, err)
	fo.out = failingWriter{path}
	fo.w = csv.NewWriter(fo.out)
	require.NoError(t, fo.Write(batch.Outcome{Line: 2, Cells: []string{"a@example.com"}, Status: batch.Failed}))
	err = fo.Close(nil)
	require.Error(t, err)
	assert.Equal(t, path+": no space left on device", err.Error())
	assert.ErrorIs(t, err, syscall.ENOSPC)
	_, statErr := os.Stat(path)
	assert.True(t, os.IsNotExist(statErr), "no half-written fix file")
}

// An XLSX fix file never cuts a cell silently: a value over 32,767
// characters is left out of its cell, which is marked, and onboard_error
// says so; the CSV fix file's header cells are formula-guarded like its
// data.
func TestFailedOutLongCellAndGuardedHeader(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 40_000)
	fix := filepath.Join(dir, "fix.xlsx")
	fo, err := NewFailedOut(fix, []string{"email", "notes"}, FailedOutOptions{Sheet: "People"})
	require.NoError(t, err)
	require.NoError(t, fo.Write(batch.Outcome{Line: 7, Cells: []string{"a@example.com", long}, Status: batch.Invalid,
		Problems: []batch.Problem{{Code: "INVALID_VALUE", Field: "email", Message: "bad"}}}))
	require.NoError(t, fo.Close(nil))
	f, err := excelize.OpenFile(fix)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("People")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, "a@example.com", rows[1][0])
	assert.Empty(t, rows[1][1], "left out, not cut")
	assert.Contains(t, rows[1][3], `the value in "notes" is 40000 characters, more than an XLSX cell holds (32,767): it is left out here`)
	comments, err := f.GetComments("People")
	require.NoError(t, err)
	found := false
	for _, c := range comments {
		found = found || c.Cell == "B2"
	}
	assert.True(t, found, "the cell is marked")

	csvFix := filepath.Join(dir, "fix.csv")
	fo, err = NewFailedOut(csvFix, []string{"email", "=HYPERLINK(\"x\")", "@name"}, FailedOutOptions{Delimiter: ','})
	require.NoError(t, err)
	require.NoError(t, fo.Write(batch.Outcome{Line: 2, Cells: []string{"a@example.com", "=1", "b"}, Status: batch.Failed}))
	require.NoError(t, fo.Close(nil))
	raw, err := os.ReadFile(csvFix)
	require.NoError(t, err)
	first := strings.SplitN(strings.TrimPrefix(string(raw), "\xEF\xBB\xBF"), "\n", 2)[0]
	assert.Equal(t, `email,"'=HYPERLINK(""x"")",'@name,onboard_row,onboard_error`, strings.TrimSpace(first))
}
