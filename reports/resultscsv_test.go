package reports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onboard/onboard/samples/realfiles"

	"github.com/gocarina/gocsv"
	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gocsvJoiner is the gocsv.CSVWriter the results CSV was written through
// before it encoded its lines itself: gocsv marshals resultRecord by its
// tags, and the roster's cells (masked, guarded) are appended.
type gocsvJoiner struct {
	w      *csv.Writer
	extra  []string
	rename []string
}

func (j *gocsvJoiner) Write(row []string) error {
	if j.rename != nil && len(j.rename) == len(row) {
		row, j.rename = j.rename, nil
	}
	return j.w.Write(append(append([]string(nil), row...), j.extra...))
}

func (j *gocsvJoiner) Flush() {}

func (j *gocsvJoiner) Error() error { return j.w.Error() }

// gocsvResults is the reference: the results CSV as gocsv and
// encoding/csv write it, byte for byte the way onboard wrote it before.
func gocsvResults(t *testing.T, header []string, outs []batch.Outcome, bom bool, comma rune) []byte {
	t.Helper()
	var buf bytes.Buffer
	if bom {
		buf.WriteString(utf8BOM)
	}
	w := csv.NewWriter(&buf)
	w.Comma = comma
	mask := newMasker(header)
	j := &gocsvJoiner{w: w, extra: append([]string(nil), header...), rename: ownColumns(resultColumns, header)}
	guardAll(j.extra)
	require.NoError(t, gocsv.MarshalCSV(&[]resultRecord{}, j))
	for i := range outs {
		j.extra = mask.cells(outs[i].Cells)
		guardAll(j.extra)
		require.NoError(t, gocsv.MarshalCSVWithoutHeaders([]resultRecord{newResultRecord(&outs[i])}, j))
	}
	w.Flush()
	require.NoError(t, w.Error())
	return buf.Bytes()
}

// newResults writes outs through NewResults and returns the file.
func newResultsBytes(t *testing.T, header []string, outs []batch.Outcome, bom bool, comma rune) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.csv")
	sink, err := NewResults(path, header, ResultsOptions{NoBOM: !bom, Delimiter: comma})
	require.NoError(t, err)
	for _, o := range outs {
		require.NoError(t, sink.Write(o))
	}
	require.NoError(t, sink.Close(batch.NewSummary("run", "x", "in.csv")))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// oddValues are cells encoding/csv quotes, the formula guard prefixes, or
// both; and cells neither touches.
var oddValues = []string{
	"", "plain", "a,b", "a;b", "a\tb", "a|b", "a€b", "x-y", "x5y", `say "hi"`, `"`, `""`, "line\nbreak", "cr\rlf\r\n",
	"=1+2", "+44 20", "-5", "@sum", "\tlead tab", "\rlead cr", "=a,\"b\"\nc", "-", "'quoted",
	" lead space", "\u3000ideographic space", "\u00a0nbsp", `\.`, `\.x`, "Stéphane Ölçer", "日本語", "emoji 🎉",
	"trailing space ", "\x00nul", "\ufeffbom",
}

// oddOutcomes gives every odd value a turn in every text column of the
// fixed part and in every roster column, with each status, several
// problems, warnings, notes, negative and zero numbers, short and long rows.
func oddOutcomes(width int) []batch.Outcome {
	statuses := []batch.Status{batch.Created, batch.Invalid, batch.Failed, batch.Skipped, batch.NotAttempted,
		batch.Adopted, batch.Unknown, batch.Conflict, batch.Updated, batch.Status("=odd,status")}
	var outs []batch.Outcome
	for i, v := range oddValues {
		next := func(k int) string { return oddValues[(i+k)%len(oddValues)] }
		cells := make([]string, width)
		for c := range cells {
			cells[c] = next(c)
		}
		o := batch.Outcome{Line: i + 2, Status: statuses[i%len(statuses)], ID: v, Cells: cells,
			VendorStatus: []int{0, 201, 409, -1, 503}[i%5], VendorCode: next(1), Attempts: []int{0, 1, 3, -2}[i%4], Note: next(2)}
		switch i % 4 {
		case 0:
			o.Problems = []batch.Problem{{Code: v, Field: next(3), Message: next(4)}}
		case 1:
			o.Problems = []batch.Problem{{Code: "A", Field: v, Message: next(5)}, {Code: next(6), Message: v}, {Field: next(7)}}
			o.Warnings = []batch.Problem{{Code: "W", Field: next(8), Message: v}}
		case 2:
			o.Cells = cells[:i%max(width, 1)] // short: padded with empty cells
		case 3:
			o.Cells = append(cells, "beyond", v) // long: trimmed to the header
			o.Warnings = []batch.Problem{{Message: v}}
		}
		outs = append(outs, o)
	}
	outs = append(outs, batch.Outcome{Line: 1 << 40, Status: batch.Created, Attempts: 1 << 40, VendorStatus: -1 << 40})
	return outs
}

// The results CSV is byte for byte what gocsv wrote, on odd values, for
// every delimiter the input may have (a digit or '-' included, which
// quotes the numbers), with and without a BOM; secrets stay masked and
// the roster's stale onboard_error column empty.
func TestResultsCSVMatchesGocsv(t *testing.T) {
	headers := [][]string{
		rosterHeader,
		{"email", "password", "Status", "ROW", "=formula", " spaced", "a,b", "onboard_error", "client_secret", "id", "onboard_id"},
		{},
		{"only"},
	}
	for _, comma := range []rune{',', ';', '\t', '|', '€', ' ', '-', '5', '\''} {
		for hi, header := range headers {
			for _, bom := range []bool{true, false} {
				t.Run(fmt.Sprintf("%q/header%d/bom=%v", comma, hi, bom), func(t *testing.T) {
					outs := oddOutcomes(len(header))
					want := gocsvResults(t, header, outs, bom, comma)
					got := newResultsBytes(t, header, outs, bom, comma)
					require.Equal(t, string(want), string(got))
				})
			}
		}
	}
}

// rosterOutcomes reads a roster the way run does (header found, cells padded
// to its width) and turns its rows into outcomes of every kind.
func rosterOutcomes(t *testing.T, path string) (header []string, outs []batch.Outcome, comma rune, err error) {
	t.Helper()
	r, err := read.Open(path, read.Options{})
	if err != nil {
		return nil, nil, 0, err
	}
	defer func() { _ = r.Close() }()
	comma = ','
	if d, ok := r.(interface{ Delimiter() rune }); ok {
		comma = d.Delimiter()
	}
	for i := 0; ; i++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, 0, err
		}
		o := batch.Outcome{Line: row.Line, Cells: row.Cells, Attempts: i % 3}
		switch i % 4 {
		case 0:
			o.Status, o.ID, o.VendorStatus = batch.Created, fmt.Sprintf("u-%d", i), 201
		case 1:
			o.Status = batch.Invalid
			o.Problems = []batch.Problem{{Code: "MISSING_REQUIRED", Field: "email", Message: "required"},
				{Code: "INVALID_FORMAT", Field: "name", Message: strings.Join(row.Cells, ",")}}
		case 2:
			o.Status, o.ID = batch.Skipped, fmt.Sprintf("u-%d", i)
			o.Problems = []batch.Problem{{Code: batch.AlreadyOnboarded, Message: "already onboarded on run 1"}}
		case 3:
			o.Status, o.VendorStatus, o.VendorCode = batch.Failed, 409, "=dup"
			o.Problems = []batch.Problem{{Code: "VENDOR_REJECTED", Field: "email", Message: `"taken", it said`}}
			o.Note = "last answer: " + strings.Join(row.Cells, "\n")
		}
		outs = append(outs, o)
	}
	return r.Header(), outs, comma, nil
}

// The sample rosters give the same bytes as gocsv wrote, through the
// reader's own header and cells.
func TestResultsCSVMatchesGocsvOnSamples(t *testing.T) {
	files, err := filepath.Glob("../samples/*/*.csv")
	require.NoError(t, err)
	xlsx, err := filepath.Glob("../samples/*/*.xlsx")
	require.NoError(t, err)
	files = append(files, xlsx...)
	require.NotEmpty(t, files)
	matchGocsvOnFiles(t, files)
}

// So do the real files in ../shared/real-files.
func TestResultsCSVMatchesGocsvOnRealFiles(t *testing.T) {
	real := realFilesDir(t)
	var files []string
	require.NoError(t, filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	}))
	matchGocsvOnFiles(t, files)
}

// realFilesDir is ../shared/real-files beside the checkout; the test
// skips, saying why, when it is absent.
func realFilesDir(t *testing.T) string {
	dir, why := realfiles.Dir()
	if dir == "" {
		t.Skip(why)
	}
	return dir
}

// matchGocsvOnFiles compares the two writers on each file onboard reads,
// with the file's own delimiter, ',' and ';'.
func matchGocsvOnFiles(t *testing.T, files []string) {
	t.Helper()
	compared := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			header, outs, own, err := rosterOutcomes(t, f)
			if err != nil {
				t.Skipf("not a roster onboard reads: %v", err)
			}
			compared++
			for _, comma := range []rune{own, ',', ';'} {
				want := gocsvResults(t, header, outs, true, comma)
				got := newResultsBytes(t, header, outs, true, comma)
				require.Equal(t, string(want), string(got), "delimiter %q", comma)
			}
		})
	}
	assert.GreaterOrEqual(t, compared, (len(files)+1)/2, "most files are rosters")
}

// appendCSVField writes a field as encoding/csv writes it (after the
// formula guard's quote when guarding a non-empty cell), for every delimiter a Writer
// takes: the validation report and the results share it.
func TestAppendCSVFieldMatchesEncodingCSV(t *testing.T) {
	// Every leading byte encoding/csv's unicode.IsSpace quotes for, and
	// its neighbours (appendCSVField tests ASCII bytes itself).
	lead := []string{"\vvt", "\fff", "\nnl", "\x08bs", "\x0ebs", "\x1fus", "!bang", "\u0085nel", "\x85bad", "\x7fdel"}
	for _, comma := range []rune{',', ';', '\t', '|', '€', ' ', '-', '5', '\''} {
		for _, v := range append(slices.Clone(oddValues), lead...) {
			for _, guard := range []bool{false, v != ""} { // an empty cell is never guarded
				want := v
				if guard {
					want = "'" + v
				}
				var buf bytes.Buffer
				w := csv.NewWriter(&buf)
				w.Comma = comma
				require.NoError(t, w.Write([]string{want}))
				w.Flush()
				assert.Equal(t, buf.String(), string(appendCSVField(nil, v, comma, guard))+"\n", "%q in %q, guard %v", v, comma, guard)
			}
		}
	}
}

// hasCSVSpecial reads eight bytes a step: a special byte is found at
// every position of every length, in the word or in the tail, among
// fillers next to each special byte's value and above 0x7f.
func TestHasCSVSpecialEveryPosition(t *testing.T) {
	for _, comma := range []rune{',', ';', '\t', '|', 0x7f} {
		specials := []byte{'"', '\r', '\n', byte(comma)}
		var fillers []byte
		for _, c := range specials {
			fillers = append(fillers, c-1, c+1)
		}
		fillers = append(fillers, 0x00, 0x80, 0xa2, 0xff, 'a', ' ')
		for _, f := range fillers {
			if strings.IndexByte(string(specials), f) >= 0 {
				continue
			}
			for n := 0; n <= 20; n++ {
				s := bytes.Repeat([]byte{f}, n)
				assert.False(t, hasCSVSpecial(string(s), comma), "%q in %q", s, comma)
				for p := range n {
					for _, c := range specials {
						s[p] = c
						assert.True(t, hasCSVSpecial(string(s), comma), "%q in %q", s, comma)
						s[p] = f
					}
				}
			}
		}
	}
}
