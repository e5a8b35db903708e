package schema

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// parseFloat is strconv.ParseFloat bit for bit, errors included.
func TestParseFloatIsStrconvs(t *testing.T) {
	cases := []string{"", "-", "+", ".", "-.", "0", "-0", "+0", "-0.0", "5.", ".5", "+.5", "-53.7354", "6.8206",
		"00012.50", "1e5", "1E-3", "0x1p3", "inf", "NaN", "1_000", "1.2.3", "--1", " 1", "1 ",
		"123456789012345", "1234567890123456", "0.000000000000001", "9007199254740993", "99999999999999.9",
		"3.14159265358979", "١٢", "1,5"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := []byte{}
		if r.IntN(3) == 0 {
			b = append(b, "-+"[r.IntN(2)])
		}
		n := r.IntN(18)
		point := r.IntN(n + 2)
		for i := range n {
			if i == point {
				b = append(b, '.')
			}
			b = append(b, byte('0'+r.IntN(10)))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, werr := strconv.ParseFloat(s, 64)
		got, gerr := parseFloat(s)
		if (werr == nil) != (gerr == nil) || math.Float64bits(want) != math.Float64bits(got) && !(math.IsNaN(want) && math.IsNaN(got)) {
			t.Fatalf("parseFloat(%q) = %v, %v; strconv: %v, %v", s, got, gerr, want, werr)
		}
		if werr != nil && werr.Error() != gerr.Error() {
			t.Fatalf("parseFloat(%q) error %v; strconv: %v", s, gerr, werr)
		}
	}
}
