package read

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"
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
