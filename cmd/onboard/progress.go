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

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/onboard/onboard/batch"
)

// plainEvery is how often a plain progress line is written when stderr is not
// a terminal (cron, CI, log files); redrawEvery how often a terminal line
// is redrawn at most.
const (
	plainEvery  = 5 * time.Second
	redrawEvery = 100 * time.Millisecond
)

// progress is a progressbar/v3 bar on a terminal and a plain line every
// few seconds elsewhere. update is called from one goroutine. Every figure
// comes from one Summary snapshot, so "created" never runs ahead of the
// done count.
//
// On a terminal the bar's own figures (percent, bar, rate, ETA) count the
// rows sent only: its value is the rows read less those skipped from the
// state store, its max the estimated total less them, so rows that cost
// nothing do not make the rate or the ETA lie. The description (label,
// done/total, counts) gets the columns the figures leave, in the longest
// wording that fits, and fitWriter cuts any frame at the last column but
// one, so the line never wraps.
type progress struct {
	w     io.Writer
	label string
	tty   bool
	width int   // terminal columns; the line never reaches the last one
	total int64 // estimated rows, -1 when unknown
	start time.Time
	last  time.Time
	quiet bool
	now   func() time.Time
	bar   *progressbar.ProgressBar // the terminal renderer; nil off a terminal
	drawn bool
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
		p.bar = newBar(w, p.width, p.total)
	}
	return p
}

// barLayout is what the bar shows at a terminal width: the figures that
// still leave the description some room.
type barLayout struct {
	cols      int  // the bar's own width
	rate, eta bool // rows/s, [elapsed:ETA]
}

func layoutFor(width int) barLayout {
	switch {
	case width >= 120:
		return barLayout{cols: 20, rate: true, eta: true}
	case width >= 90:
		return barLayout{cols: 10, rate: true, eta: true}
	case width >= 70:
		return barLayout{cols: 10, eta: true}
	case width >= 50:
		return barLayout{cols: 8}
	}
	return barLayout{cols: 5}
}

// newBar is the terminal renderer for width columns and total rows (-1:
// unknown, a spinner).
func newBar(w io.Writer, width int, total int64) *progressbar.ProgressBar {
	l := layoutFor(width)
	limit := total
	if limit <= 0 {
		limit = -1
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(&fitWriter{w: w, fit: max(width-1, 10)}),
		progressbar.OptionSetWidth(l.cols),
		progressbar.OptionThrottle(redrawEvery),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSetPredictTime(l.eta),
		progressbar.OptionSetElapsedTime(l.eta),
		progressbar.OptionSetItsString("rows"),
		// No ticker goroutine for a spinner: it redraws on updates only,
		// and nothing draws after finish.
		progressbar.OptionSetSpinnerChangeInterval(0),
	}
	if l.rate {
		opts = append(opts, progressbar.OptionShowIts())
	}
	return progressbar.NewOptions64(limit, opts...)
}

func (p *progress) update(s *batch.Summary) {
	if p.quiet {
		return
	}
	now := p.now()
	if p.tty {
		if p.bar == nil {
			p.bar = newBar(p.w, p.width, p.total)
		}
		sent := int64(s.RowsRead - s.Skipped)
		// Describe first: it draws the first frame, which then has it.
		p.bar.Describe(p.describe(s, p.room()))
		if p.total > 0 {
			// Never at max before the end: a finished bar draws no more.
			p.bar.ChangeMax64(max(p.total-int64(s.Skipped), sent+1, 1))
		}
		_ = p.bar.Set64(sent)
		p.drawn = true
		return
	}
	if now.Sub(p.last) >= plainEvery {
		p.last = now
		fmt.Fprintf(p.w, "%s: %d rows done (%s), %s\n", p.label, s.RowsRead, countsText(s, long), rateText(p.rate(s, now)))
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Exit()
	}
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K") // the summary line follows on a clean line
	}
}

// room is the columns the description may take: the line's width less the
// bar's own figures as last drawn (or as the layout says before the first
// frame), with two to spare for a rate or ETA that grows a digit.
func (p *progress) room() int {
	fit := max(p.width-1, 10)
	figures := 0
	if r := p.bar.String(); r != "" {
		figures = width(visible(r)) - width(p.bar.State().Description)
	} else {
		// Before the first frame: as the layout draws them.
		l := layoutFor(p.width)
		figures = len("100% ") + l.cols + len("|| ")
		if p.total <= 0 {
			figures = len("| ") // a spinner, no bar
		}
		if l.rate {
			figures += len("(100 rows/s) ")
		}
		switch {
		case l.eta && p.total > 0:
			figures += len("[1m40s:1m40s] ")
		case l.eta:
			figures += len("[1m40s] ")
		}
	}
	return max(fit-figures-2, 0)
}

// describe is the bar's description in the longest wording that fits in
// room columns: the label goes first, then the counts shorten, and what is
// left is cut.
func (p *progress) describe(s *batch.Summary, room int) string {
	done := int64(s.RowsRead)
	count := fmt.Sprintf("%d rows", done)
	if p.total > 0 {
		count = fmt.Sprintf("%d/%d", done, max(p.total, done))
	}
	for _, text := range []string{
		p.label + " " + count + "  " + countsText(s, long),
		count + "  " + countsText(s, long),
		count + "  " + countsText(s, brief),
		count + " " + countsText(s, terse),
	} {
		if width(text)+1 <= room {
			return text + " "
		}
	}
	return strings.TrimRight(cut(count+" "+countsText(s, terse), max(room-1, 0)), " ") + " "
}

// visible is a rendered frame without its carriage return and escape
// sequences.
func visible(frame string) string {
	frame = strings.TrimPrefix(frame, "\r")
	if i := strings.Index(frame, "\x1b["); i >= 0 {
		frame = frame[:i]
	}
	return frame
}

// fitWriter is the bar's writer: each frame ("\r" text, then an escape
// that clears the rest of the line) is cut at fit columns, so a figure
// that grew since the description was sized can never wrap the line.
type fitWriter struct {
	w   io.Writer
	fit int
}

func (f *fitWriter) Write(b []byte) (int, error) {
	s := string(b)
	if strings.HasPrefix(s, "\r") {
		body, tail := s[1:], ""
		if i := strings.Index(body, "\x1b["); i >= 0 {
			body, tail = body[:i], body[i:]
		}
		s = "\r" + cut(body, f.fit) + tail
	}
	if _, err := io.WriteString(f.w, s); err != nil {
		return 0, err
	}
	return len(b), nil
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

func rateText(r float64) string {
	switch {
	case r <= 0:
		return "-- rows/s"
	case r < 10:
		return fmt.Sprintf("%.1f rows/s", r)
	}
	return fmt.Sprintf("%.0f rows/s", r)
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
