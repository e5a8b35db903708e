package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/onboard/onboard/batch"
)

func progressSummary(command string, counts map[batch.Status]int, skippedFromState int) *batch.Summary {
	s := batch.NewSummary(command, "smartapp", "r.csv")
	for st, n := range counts {
		s.ByStatus[st] = n
		s.RowsRead += n
	}
	s.Skipped = skippedFromState
	return s
}

// The progress line at 80 columns (and narrower) is one line: it never
// reaches the last column, the bar goes before the counts do, and the
// text shortens rather than wraps.
func TestProgressLineFits(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := progressSummary("run", map[batch.Status]int{batch.Created: 1200, batch.Skipped: 300, batch.Invalid: 12, batch.Failed: 3}, 300)
	val := progressSummary("validate", map[batch.Status]int{batch.Valid: 99000, batch.Invalid: 1000}, 0)
	huge := progressSummary("run", map[batch.Status]int{batch.Created: 1234567, batch.Skipped: 7654321, batch.Invalid: 123456,
		batch.Failed: 65432, batch.NotAttempted: 99999}, 7654321)
	var golden strings.Builder
	for _, tc := range []struct {
		name  string
		s     *batch.Summary
		total int64
	}{{"run", run, 20000}, {"validate", val, 1000000}, {"huge", huge, 99999999}, {"no total", run, -1}} {
		for _, w := range []int{120, 100, 80, 60, 40} {
			p := &progress{label: "onboarding", tty: true, width: w, total: tc.total, start: start}
			if tc.s.Command == "validate" {
				p.label = "validating"
			}
			got := p.line(tc.s, start.Add(100*time.Second))
			assert.NotContains(t, got, "\n")
			assert.Less(t, utf8.RuneCountInString(got), w, "%s at %d columns: %q", tc.name, w, got)
			golden.WriteString(tc.name + " @" + itoa(w) + "\n" + got + "\n")
		}
	}
	checkGolden(t, "progress.golden", golden.String())

	// At 80 columns a run keeps every count; the bar went first.
	p := &progress{label: "onboarding", tty: true, width: 80, total: 20000, start: start}
	line := p.line(run, start.Add(100*time.Second))
	for _, c := range []string{"1515/20000", "1200 created", "300 skipped", "12 invalid", "3 failed"} {
		assert.Contains(t, line, c)
	}
}

// The rate and ETA count the rows that took work: 300 skipped from the
// state store in no time do not make 1,215 rows in 100 s look like 15/s.
func TestProgressRateSkipsStateSkips(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := progressSummary("run", map[batch.Status]int{batch.Created: 1000, batch.Skipped: 300, batch.Invalid: 0}, 300)
	p := &progress{label: "onboarding", tty: true, width: 120, total: 2300, start: start}
	now := start.Add(100 * time.Second)
	assert.InDelta(t, 10.0, p.rate(s, now), 0.001)
	assert.Contains(t, p.line(s, now), "10 rows/s ETA 1m40s") // 1000 rows left at 10/s
}

// "created" comes from the same snapshot as the done count, so it can
// never run ahead of it, and each redraw is one line.
func TestProgressRedrawsOneLine(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &b, label: "onboarding", tty: true, width: 80, total: 10, start: clock, now: func() time.Time { return clock }}
	s := batch.NewSummary("run", "smartapp", "r.csv")
	for i := range 10 {
		clock = clock.Add(time.Second)
		o := batch.Outcome{Status: batch.Created}
		s.Add(&o)
		p.update(s)
		frame := b.String()[strings.LastIndex(b.String(), "\r")+1:]
		assert.Contains(t, frame, itoa(i+1)+"/10 ")
		assert.Contains(t, frame, " "+itoa(i+1)+" created")
	}
	p.finish()
	assert.NotContains(t, b.String(), "\n")
	assert.True(t, strings.HasSuffix(b.String(), "\r\x1b[K"), "cleared for the summary line")
}

func itoa(n int) string { return strconv.Itoa(n) }
