package read

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// Benchmark sizes: small enough that `go test -bench .` ends in about a
// minute; `make bench` uses the generators for the full-size files.
const (
	benchRows = 50_000
	benchCols = 15
)

// benchFile generates a roster with write in a temp dir.
func benchFile(b *testing.B, name string, write func(string, int, int) error) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	require.NoError(b, write(path, benchRows, benchCols))
	return path
}

// reportRows adds rows/s; call after the b.Loop loop.
func reportRows(b *testing.B) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// readRows reads every row through our Reader and returns the count.
func readRows(b *testing.B, path string) int {
	return readRowsWith(b, path, Options{})
}

func readRowsWith(b *testing.B, path string, opt Options) int {
	r, err := Open(path, opt)
	require.NoError(b, err)
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // not require: its Helper call per row would dominate
			b.Fatal(err)
		}
		n++
	}
	require.NoError(b, r.Close())
	return n
}

func BenchmarkCSVRead(b *testing.B) {
	path := benchFile(b, "bench.csv", WriteCSV)
	b.ReportAllocs()
	for b.Loop() {
		require.Equal(b, benchRows, readRows(b, path))
	}
	reportRows(b)
}

// BenchmarkBareCSV is the baseline: encoding/csv alone on the same file.
func BenchmarkBareCSV(b *testing.B) {
	path := benchFile(b, "bench.csv", WriteCSV)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		require.NoError(b, err)
		cr := csv.NewReader(f)
		cr.ReuseRecord = true
		n := -1 // the header
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		require.NoError(b, f.Close())
		require.Equal(b, benchRows, n)
	}
	reportRows(b)
}

func BenchmarkXLSXRead(b *testing.B) {
	path := benchFile(b, "bench.xlsx", WriteXLSX)
	b.ReportAllocs()
	for b.Loop() {
		require.Equal(b, benchRows, readRows(b, path))
	}
	reportRows(b)
}

// BenchmarkXLSXReadChecking checks the sheet in the scan's pass, as
// validate reads.
func BenchmarkXLSXReadChecking(b *testing.B) {
	path := benchFile(b, "bench.xlsx", WriteXLSX)
	b.ReportAllocs()
	for b.Loop() {
		require.Equal(b, benchRows, readRowsWith(b, path, Options{CheckWhileReading: true}))
	}
	reportRows(b)
}

// BenchmarkXLSXReadExcelize is the reader with excelize's row iterator,
// the way before the byte scanner.
func BenchmarkXLSXReadExcelize(b *testing.B) {
	path := benchFile(b, "bench.xlsx", WriteXLSX)
	b.ReportAllocs()
	for b.Loop() {
		require.Equal(b, benchRows, readRowsWith(b, path, Options{excelizeRows: true}))
	}
	reportRows(b)
}

// bareXLSX reads every row with excelize alone, with the Options our
// reader passes; raw selects RawCellValue.
func bareXLSX(b *testing.B, raw bool) {
	path := benchFile(b, "bench.xlsx", WriteXLSX)
	opt := Options{}.withDefaults()
	b.ReportAllocs()
	for b.Loop() {
		f, err := excelize.OpenFile(path, excelize.Options{
			UnzipSizeLimit:    opt.MaxUnzipBytes,
			UnzipXMLSizeLimit: xmlSpillBytes,
		})
		require.NoError(b, err)
		rows, err := f.Rows(f.GetSheetName(0))
		require.NoError(b, err)
		n := -1 // the header
		for rows.Next() {
			if _, err := rows.Columns(excelize.Options{RawCellValue: raw}); err != nil {
				b.Fatal(err)
			}
			n++
		}
		require.NoError(b, rows.Close())
		require.NoError(b, f.Close())
		require.Equal(b, benchRows, n)
	}
	reportRows(b)
}

// BenchmarkBareXLSX is the baseline: excelize's formatted values (dates come
// out as mm-dd-yy).
func BenchmarkBareXLSX(b *testing.B) { bareXLSX(b, false) }

// BenchmarkBareXLSXRaw is excelize's stored values (dates as serials), the
// fastest excelize can go.
func BenchmarkBareXLSXRaw(b *testing.B) { bareXLSX(b, true) }

// TestCSVConstantMemory reads a ~15 MB CSV and checks the live heap stays
// far below the file size.
func TestCSVConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 100,000-row file")
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	require.NoError(t, WriteCSV(path, 100_000, benchCols))
	info, err := os.Stat(path)
	require.NoError(t, err)
	r, err := Open(path, Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, r.Close()) }()
	var peak uint64
	var ms runtime.MemStats
	for n := 0; ; n++ {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if n%20_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	assert.Less(t, peak, uint64(info.Size())/2, "live heap %d B for a %d B file", peak, info.Size())
}

// BenchmarkXMLCheck is the well-formedness check of the bench workbook's
// sheet part alone (verifyZip runs it while it inflates every part).
func BenchmarkXMLCheck(b *testing.B) {
	path := benchFile(b, "bench.xlsx", WriteXLSX)
	zr, err := zip.OpenReader(path)
	require.NoError(b, err)
	defer zr.Close()
	var part []byte
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/") {
			rc, err := zf.Open()
			require.NoError(b, err)
			part, err = io.ReadAll(rc)
			require.NoError(b, err)
			rc.Close()
		}
	}
	b.SetBytes(int64(len(part)))
	for b.Loop() {
		d, err := checkXMLPart("sheet", bytes.NewReader(part))
		require.NoError(b, err)
		require.Nil(b, d)
	}
}
