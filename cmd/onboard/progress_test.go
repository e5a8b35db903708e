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

// newTestProgress is a terminal progress of width columns writing to b,
// as newProgress makes it on a terminal.
func newTestProgress(b *bytes.Buffer, label string, width int, total int64, start time.Time) *progress {
	p := &progress{w: b, label: label, tty: true, width: width, total: total, start: start, now: func() time.Time { return start }}
	p.bar = newBar(b, width, total)
	return p
}

// frames are the lines a terminal shows, one per redraw, without their
// escape sequences.
func frames(out string) []string {
	var f []string
	for _, part := range strings.Split(out, "\r") {
		if v := visible("\r" + part); v != "" {
			f = append(f, v)
		}
	}
	return f
}

// The progressbar line at 120 to 40 columns is one line: the description
// gets the columns the bar's own figures leave (the label goes first,
// then the counts shorten), and no frame reaches the last column, not
// even the first one, whose rate is absurd.
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
			var b bytes.Buffer
			label := "onboarding"
			if tc.s.Command == "validate" {
				label = "validating"
			}
			p := newTestProgress(&b, label, w, tc.total, start)
			p.update(tc.s)
			p.finish()
			out := b.String()
			assert.NotContains(t, out, "\n")
			f := frames(out)
			if assert.NotEmpty(t, f, "%s at %d", tc.name, w) {
				for _, fr := range f {
					assert.Less(t, utf8.RuneCountInString(fr), w, "%s at %d columns: %q", tc.name, w, fr)
				}
			}
			desc := p.bar.State().Description
			if tc.total > 0 {
				assert.True(t, strings.HasPrefix(f[0], desc), "the description leads the line: %q / %q", desc, f[0])
			} else {
				assert.Contains(t, f[0], desc, "after the spinner")
			}
			golden.WriteString(tc.name + " @" + itoa(w) + "\n" + desc + "\n")
		}
	}
	checkGolden(t, "progress.golden", golden.String())

	// At 120 columns a run keeps every count beside the bar's figures.
	var b bytes.Buffer
	p := newTestProgress(&b, "onboarding", 120, 20000, start)
	p.update(run)
	for _, c := range []string{"1515/20000", "1200 created", "300 skipped", "12 invalid", "3 failed", "%", "rows/"} {
		assert.Contains(t, frames(b.String())[0], c)
	}
}

// The bar's rate and ETA count the rows sent: 300 skipped from the state
// store in no time are neither in its value nor in what is left.
func TestProgressRateSkipsStateSkips(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := progressSummary("run", map[batch.Status]int{batch.Created: 1000, batch.Skipped: 300, batch.Invalid: 0}, 300)
	var b bytes.Buffer
	p := newTestProgress(&b, "onboarding", 120, 2300, start)
	p.update(s)
	st := p.bar.State()
	assert.Equal(t, int64(1000), st.CurrentNum, "rows sent")
	assert.Equal(t, int64(2000), st.Max, "rows to send: the total less the skipped")
	assert.Contains(t, frames(b.String())[0], "1300/2300", "the description counts every row read")
	assert.InDelta(t, 10.0, p.rate(s, start.Add(100*time.Second)), 0.001, "the plain line's rate too")
}

// Each update redraws one line in place (no line feed, every frame within
// the width), "created" never runs ahead of the done count, and finish
// clears the line for the summary.
func TestProgressRedrawsOneLine(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newTestProgress(&b, "onboarding", 80, 10, clock)
	s := batch.NewSummary("run", "smartapp", "r.csv")
	for i := range 10 {
		o := batch.Outcome{Status: batch.Created}
		s.Add(&o)
		p.update(s)
		assert.Equal(t, int64(i+1), p.bar.State().CurrentNum)
		assert.Contains(t, p.bar.State().Description, itoa(i+1)+"/10 ")
		assert.Contains(t, p.bar.State().Description, " "+itoa(i+1)+" created")
	}
	p.finish()
	assert.NotContains(t, b.String(), "\n")
	for _, f := range frames(b.String()) {
		assert.Less(t, utf8.RuneCountInString(f), 80, f)
	}
	assert.True(t, strings.HasSuffix(b.String(), "\r\x1b[K"), "cleared for the summary line")
	n := b.Len()
	p.update(s)
	_ = p.bar.Add(1)
	assert.Equal(t, n, b.Len(), "nothing is drawn after finish")
}

// fitWriter cuts a frame at the last column but one and passes the rest.
func TestFitWriter(t *testing.T) {
	var b bytes.Buffer
	w := &fitWriter{w: &b, fit: 10}
	frame := []byte("\rabcdefghijklmnop\x1b[0K")
	n, err := w.Write(frame)
	assert.NoError(t, err)
	assert.Equal(t, len(frame), n, "all of it, as far as the bar knows")
	_, _ = w.Write([]byte("\x1b[2K\r"))
	_, _ = w.Write([]byte("\rshort\x1b[0K"))
	assert.Equal(t, "\rabcdefghij\x1b[0K\x1b[2K\r\rshort\x1b[0K", b.String())
}

// Off a terminal: the plain line every few seconds, as before.
func TestProgressPlainLine(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{w: &b, label: "onboarding", start: clock, last: clock, total: -1, now: func() time.Time { return clock }}
	s := progressSummary("run", map[batch.Status]int{batch.Created: 40, batch.Skipped: 10}, 10)
	p.update(s)
	assert.Empty(t, b.String(), "not before plainEvery")
	clock = clock.Add(plainEvery)
	p.update(s)
	assert.Equal(t, "onboarding: 50 rows done (40 created, 10 skipped, 0 invalid, 0 failed), 8.0 rows/s\n", b.String())
	p.finish()
	assert.NotContains(t, b.String(), "\r")
}

func itoa(n int) string { return strconv.Itoa(n) }
