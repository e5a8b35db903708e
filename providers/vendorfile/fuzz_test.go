package vendorfile

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no file makes the checker panic; every refusal is Problems
// with a line.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/small.yaml", "../alphalearn/vendor.yaml", "../smartapp/vendor.yaml",
		"../bksb/vendor.yaml", "../smarterproctoring/vendor.yaml", "../ispring/vendor.yaml"} {
		if b, err := os.ReadFile(filepath.FromSlash(p)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("onboard: vendor/v1\nfields: [{name: a, path: /0/~}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Parse("f.yaml", b)
		if err == nil {
			return
		}
		p, ok := err.(*Problems)
		if !ok || len(p.List) == 0 {
			t.Fatalf("want Problems, got %T %v", err, err)
		}
		for _, pr := range p.List {
			if pr.Pos.Line < 1 {
				t.Fatalf("no line: %v", pr)
			}
		}
	})
}
