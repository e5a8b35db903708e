package reports

import "testing"

// csvBenchCells are a generated SmarterProctoring row's cells (the 1b
// report's roster part) and a results row's own cells.
var csvBenchCells = []string{"Kenji", "Tanaka", "user1@example.edu", "p1@example.org", "+1 480 555 0001",
	"+1 602 555 0007", "EUR", "TZ1234567890abcdef1234567890abcdef", "-53.7354", "6.8206", "u1", "********",
	"yes", "S1000001", "HR-1", "skipped", "bcf058f7-10c3-41b3-bb0e-dda6490a9344", "ALREADY_ONBOARDED",
	"onboarded by run 1 on 2026-12-07", "Chloé", "mgr249@example.com", "full_time", ""}

// BenchmarkAppendCSVField encodes the cells one field at a time, the
// formula guard on, as the reports do.
func BenchmarkAppendCSVField(b *testing.B) {
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, c := range csvBenchCells {
			buf = appendCSVField(buf, c, ',', needsGuard(c))
		}
	}
}
