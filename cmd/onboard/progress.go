package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/onboard/onboard/batch"
)

// plainEvery is how often a plain progress line is written when stderr is not
// a terminal (cron, CI, log files).
const plainEvery = 5 * time.Second

// progress draws a bar on a terminal and a plain line every few seconds
// elsewhere. update is called from one goroutine.
type progress struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar
	last  time.Time
	done  int
	start time.Time
	quiet bool
}

// newProgress starts progress output for input (a path, for an estimate of
// the total rows on a terminal; "" for none).
func newProgress(w io.Writer, quiet bool, label, input string) *progress {
	p := &progress{w: w, label: label, start: time.Now(), last: time.Now(), quiet: quiet}
	if f, ok := w.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(estimateRows(input),
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) update(s *batch.Summary) {
	if p.quiet {
		return
	}
	n := s.RowsRead
	if p.bar != nil {
		p.bar.Describe(p.label + " " + counts(s))
		_ = p.bar.Add(n - p.done)
		p.done = n
		return
	}
	if now := time.Now(); now.Sub(p.last) >= plainEvery {
		p.last = now
		rate := float64(n) / now.Sub(p.start).Seconds()
		fmt.Fprintf(p.w, "%s: %d rows done (%s), %.0f rows/s\n", p.label, n, counts(s), rate)
	}
}

func counts(s *batch.Summary) string {
	if s.Command == "validate" {
		return fmt.Sprintf("%d valid, %d invalid", s.ByStatus[batch.Valid], s.ByStatus[batch.Invalid])
	}
	return fmt.Sprintf("%d created, %d skipped, %d invalid, %d failed", s.ByStatus[batch.Created], s.ByStatus[batch.Skipped],
		s.ByStatus[batch.Invalid], s.ByStatus[batch.Failed])
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Exit()
	}
}

// estimateRows counts the lines of a CSV file for the bar's total and ETA
// (about 30 ms for 150 MB); quoted line breaks make it an overestimate. It
// returns -1 (a spinner) for XLSX or when the file cannot be read.
func estimateRows(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	var lines int64
	for first := true; ; first = false {
		n, err := f.Read(buf)
		if first && n >= 2 && buf[0] == 'P' && buf[1] == 'K' {
			return -1
		}
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err != nil {
			break
		}
	}
	if lines < 1 {
		return -1
	}
	return lines - 1
}
