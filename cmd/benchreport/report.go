package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// figure is one row of the report.
type figure struct {
	id       string // issue item, e.g. "1a"
	what     string
	measured string
	target   string // "" for a figure shown for context only
	pass     bool
}

// info is a figure without a target.
func info(id, what, measured string) figure { return figure{id: id, what: what, measured: measured} }

// check is a figure judged against its target.
func check(id, what, measured, target string, pass bool) figure {
	return figure{id: id, what: what, measured: measured, target: target, pass: pass}
}

func (f figure) verdict() string {
	switch {
	case f.target == "":
		return "info"
	case f.pass:
		return "PASS"
	}
	return "**FAIL**"
}

// machine describes where the figures were measured.
type machine struct {
	cpus int
	cpu  string
	goV  string
	date time.Time
}

func readMachine(ctx context.Context) machine {
	m := machine{cpus: runtime.NumCPU(), cpu: "unknown CPU", goV: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, date: time.Now()}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.goV = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// render returns the report as Markdown.
func render(m machine, took time.Duration, figs []figure, failed []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## onboard performance (make bench)\n\n")
	fmt.Fprintf(&b, "Measured %s on %d cores (%s), %s, against the %s simulator on loopback; the whole run took %s.\n\n",
		m.date.UTC().Format("2006-01-02 15:04 UTC"), m.cpus, m.cpu, m.goV, provider, took.Round(time.Second))
	fmt.Fprintf(&b, "| # | Figure | Measured | Target | Result |\n|---|---|---|---|---|\n")
	pass, fail := 0, 0
	for _, f := range figs {
		target := f.target
		if target == "" {
			target = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.id, f.what, f.measured, target, f.verdict())
		switch {
		case f.target == "":
		case f.pass:
			pass++
		default:
			fail++
		}
	}
	fmt.Fprintf(&b, "\nTargets met: %d of %d", pass, pass+fail)
	if len(failed) > 0 {
		fmt.Fprintf(&b, "; sections that did not finish: %s", strings.Join(failed, ", "))
	}
	b.WriteString(".\n")
	return b.String()
}

// count formats n with thousands separators: 1,000,000.
func count[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// perSec formats a rate: "123,456 rows/s".
func perSec(v float64, unit string) string { return count(int64(v+0.5)) + " " + unit + "/s" }

// pct formats a ratio as a percentage.
func pct(r float64) string { return strconv.FormatFloat(100*r, 'f', 1, 64) + "%" }

// secs formats a duration in seconds.
func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s" }

// mib formats KiB as MiB.
func mib(kib int64) string { return strconv.FormatFloat(float64(kib)/1024, 'f', 1, 64) + " MiB" }
