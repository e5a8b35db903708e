package read

import (
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

func TestFullSize(t *testing.T) {
	kind := os.Getenv("FULL")
	if kind == "" { t.Skip() }
	path := "/tmp/rexp/full." + kind
	if _, err := os.Stat(path); err != nil {
		t0 := time.Now()
		if kind == "csv" { WriteCSV(path, 1_000_000, 15) } else { WriteXLSX(path, 200_000, 15) }
		fmt.Println("gen", time.Since(t0))
		return
	}
	t0 := time.Now()
	r, err := Open(path, Options{})
	if err != nil { t.Fatal(err) }
	n := 0
	for { if _, err := r.Read(); err != nil { if err != io.EOF { t.Fatal(err) }; break }; n++ }
	r.Close()
	el := time.Since(t0)
	fmt.Printf("%s rows %d in %v: %.0f rows/s\n", kind, n, el, float64(n)/el.Seconds())
}
