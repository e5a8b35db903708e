package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/onboard/onboard/batch"
)

// plainEvery is how often a plain progress line is written when stderr is not
// a terminal (cron, CI, log files); redrawEvery how often a terminal line
// is redrawn.
const (
	plainEvery  = 5 * time.Second
	redrawEvery = 100 * time.Millisecond
)

// progress draws one line that is redrawn in place on a terminal, and a
// plain line every few seconds elsewhere. update is called from one
// goroutine. Every figure on the line comes from one Summary snapshot, so
// "created" never runs ahead of the done count.
type progress struct {
	w     io.Writer
	label string
	tty   bool
	width int   // terminal columns; the line never reaches the last one
	total int64 // estimated rows, -1 when unknown
	start time.Time
	last  time.Time
	drawn bool
	quiet bool
	now   func() time.Time
}

// newProgress starts progress output for input (a path, for an estimate of
// the total rows on a terminal; "" for none).
func newProgress(w io.Writer, quiet bool, label, input string) *progress {
	p := &progress{w: w, label: label, start: time.Now(), last: time.Now(), quiet: quiet, total: -1, width: 80, now: time.Now}
	if f, ok := w.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			p.width = cols
		}
		p.total = estimateRows(input)
	}
	return p
}

func (p *progress) update(s *batch.Summary) {
	if p.quiet {
		return
	}
	now := p.now()
	if p.tty {
		if now.Sub(p.last) < redrawEvery && p.drawn {
			return
		}
		p.last, p.drawn = now, true
		fmt.Fprint(p.w, "\r"+p.line(s, now)+"\x1b[K")
		return
	}
	if now.Sub(p.last) >= plainEvery {
		p.last = now
		fmt.Fprintf(p.w, "%s: %d rows done (%s), %s\n", p.label, s.RowsRead, countsText(s, long), rateText(p.rate(s, now)))
	}
}

func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K") // the summary line follows on a clean line
	}
}

// rate is rows per second over the rows that took work: the rows skipped
// from the state store cost nothing and would make the ETA lie.
func (p *progress) rate(s *batch.Summary, now time.Time) float64 {
	secs := now.Sub(p.start).Seconds()
	worked := s.RowsRead - s.Skipped
	if secs <= 0 || worked <= 0 {
		return 0
	}
	return float64(worked) / secs
}

// Count styles, longest first: the line shortens its text before it wraps.
const (
	long  = iota // "12 created, 3 skipped, 0 invalid, 1 failed"
	brief        // zeros left out
	terse        // "12 cr 3 sk 1 fail"
)

// line renders the progress line to fit p.width-1 columns: the bar goes
// first, then the text shortens, then the label goes, and what is left is
// cut, never wrapped.
func (p *progress) line(s *batch.Summary, now time.Time) string {
	fit := max(p.width-1, 10)
	done := int64(s.RowsRead)
	count := fmt.Sprintf("%d rows", done)
	pct := ""
	if p.total > 0 {
		total := max(p.total, done)
		count = fmt.Sprintf("%d/%d", done, total)
		pct = fmt.Sprintf(" %3d%%", done*100/total)
	}
	r := p.rate(s, now)
	speed, short := rateText(r), shortRate(r)
	if p.total > 0 && r > 0 && done < p.total {
		eta := " ETA " + time.Duration(float64(p.total-done)/r*float64(time.Second)).Round(time.Second).String()
		speed += eta
		short += eta
	}
	full := p.label + " " + count + "  " + countsText(s, long) + "  " + speed
	if p.total > 0 {
		// The bar takes what is left, if at least 12 columns.
		if room := fit - width(full) - width(pct) - 2; room >= 12 {
			return full + "  " + bar(room, done, p.total) + pct
		}
	}
	for _, text := range []string{
		full,
		count + "  " + countsText(s, long) + "  " + speed,
		count + "  " + countsText(s, long) + "  " + short,
		count + "  " + countsText(s, brief) + "  " + short,
		count + "  " + countsText(s, terse) + "  " + short,
	} {
		if width(text) <= fit {
			return text
		}
	}
	return cut(count+" "+countsText(s, terse), fit)
}

// countsText is the row counts in a style; validate counts valid and
// invalid, run its statuses (any other status that occurred after them).
func countsText(s *batch.Summary, style int) string {
	order := []batch.Status{batch.Created, batch.Skipped, batch.Invalid, batch.Failed}
	if s.Command == "validate" {
		order = []batch.Status{batch.Valid, batch.Invalid}
	}
	for _, st := range slices.Sorted(maps.Keys(s.ByStatus)) {
		if !slices.Contains(order, st) && s.ByStatus[st] > 0 {
			order = append(order, st)
		}
	}
	var parts []string
	for i, st := range order {
		n := s.ByStatus[st]
		switch {
		case style == long && i < 4:
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		case n == 0:
		case style == terse:
			parts = append(parts, fmt.Sprintf("%d %s", n, terseStatus(st)))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		return "0 done"
	}
	sep := ", "
	if style == terse {
		sep = " "
	}
	return strings.Join(parts, sep)
}

func terseStatus(st batch.Status) string {
	switch st {
	case batch.Created:
		return "new"
	case batch.Skipped:
		return "skip"
	case batch.Invalid:
		return "bad"
	case batch.Failed:
		return "fail"
	case batch.Valid:
		return "ok"
	case batch.NotAttempted:
		return "left"
	}
	s := string(st)
	if len(s) > 5 {
		s = s[:5]
	}
	return s
}

// shortRate is rateText without the unit's noun: "12/s".
func shortRate(r float64) string {
	return strings.Replace(rateText(r), " rows/s", "/s", 1)
}

func rateText(r float64) string {
	switch {
	case r <= 0:
		return "-- rows/s"
	case r < 10:
		return fmt.Sprintf("%.1f rows/s", r)
	}
	return fmt.Sprintf("%.0f rows/s", r)
}

// bar is "[=====>    ]" in n columns.
func bar(n int, done, total int64) string {
	inner := n - 2
	fill := int(int64(inner) * min(done, total) / total)
	s := strings.Repeat("=", fill)
	if fill < inner {
		s += ">" + strings.Repeat(" ", inner-fill-1)
	}
	return "[" + s + "]"
}

func width(s string) int { return utf8.RuneCountInString(s) }

func cut(s string, n int) string {
	if width(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// estimateRows counts the lines of a CSV file for the bar's total and ETA
// (about 30 ms for 150 MB); quoted line breaks make it an overestimate. It
// returns -1 (no total) for XLSX or when the file cannot be read.
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
