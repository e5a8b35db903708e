package read

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCmpCSV(t *testing.T) {
	if os.Getenv("CMP") == "" { t.Skip() }
	path := t.TempDir() + "/b.csv"
	WriteCSV(path, 50000, 15)
	ours := func() {
		r, _ := Open(path, Options{})
		for { if _, err := r.Read(); err != nil { if err != io.EOF { t.Fatal(err) }; break } }
		r.Close()
	}
	bare := func() {
		f, _ := os.Open(path)
		cr := csv.NewReader(f); cr.ReuseRecord = true
		for { if _, err := cr.Read(); err != nil { break } }
		f.Close()
	}
	var minO, minB, cpuO, cpuB time.Duration = 1 << 62, 1 << 62, 0, 0
	for range 25 {
		for i, fn := range []func(){ours, bare} {
			c0, w0 := cpuNow(), time.Now()
			fn()
			w, c := time.Since(w0), cpuNow()-c0
			if i == 0 { minO = min(minO, w); cpuO += c } else { minB = min(minB, w); cpuB += c }
		}
	}
	fmt.Printf("min wall ours %v bare %v ratio %.2f | cpu ours %v bare %v ratio %.2f\n", minO, minB, float64(minB)/float64(minO), cpuO/25, cpuB/25, float64(cpuB)/float64(cpuO))
}

func TestCmpXLSX(t *testing.T) {
	if os.Getenv("CMP") == "" { t.Skip() }
	path := t.TempDir() + "/b.xlsx"
	WriteXLSX(path, 20000, 15)
	ours := func() {
		r, err := Open(path, Options{})
		if err != nil { t.Fatal(err) }
		for { if _, err := r.Read(); err != nil { if err != io.EOF { t.Fatal(err) }; break } }
		r.Close()
	}
	bare := func(raw bool) func() {
		return func() {
			f, _ := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 16 << 20})
			rows, _ := f.Rows("Roster")
			for rows.Next() { rows.Columns(excelize.Options{RawCellValue: raw}) }
			rows.Close(); f.Close()
		}
	}
	fns := []func(){ours, bare(false), bare(true)}
	mins := []time.Duration{1 << 62, 1 << 62, 1 << 62}
	cpus := make([]time.Duration, 3)
	for range 4 {
		for i, fn := range fns {
			c0, w0 := cpuNow(), time.Now()
			fn()
			mins[i] = min(mins[i], time.Since(w0)); cpus[i] += cpuNow() - c0
		}
	}
	fmt.Printf("min wall ours %v bare %v raw %v | ratio vs bare %.2f vs raw %.2f | cpu ratio vs bare %.2f vs raw %.2f\n", mins[0], mins[1], mins[2],
		float64(mins[1])/float64(mins[0]), float64(mins[2])/float64(mins[0]), float64(cpus[1])/float64(cpus[0]), float64(cpus[2])/float64(cpus[0]))
}
