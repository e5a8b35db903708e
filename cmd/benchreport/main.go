// Command benchreport measures onboard's performance targets on this
// machine in one run and prints them as a Markdown table, each figure with
// its target and PASS or FAIL (`make bench`). It generates its rosters in a
// temp dir, builds the onboard binary once and runs it as a child process
// where the figure is about the binary (validate, run with a state store),
// and drives the worker pool in-process against a vendor simulator on
// loopback for the submit figures.
//
// Usage: go run ./cmd/benchreport [-out FILE] [-only validate,submit,limit,state,vendorfile,page,workers] [-keep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// provider is the vendor every figure runs against: the generated roster
// columns fit its schema (first/last name, email, phone, role; the rest go
// into its metadata), given the constants in mappingYAML.
const provider = "smartapp"

// mappingYAML fills the two smartapp fields a generated roster has no
// column for.
const mappingYAML = "constants:\n  companyName: smartapp.com\n  companyLocationName: headquarters\n"

// budget bounds the whole run; a normal run takes a few minutes.
const budget = 20 * time.Minute

// sections are the parts of the report, in order.
var sections = []struct {
	name string
	run  func(context.Context, *bench) error
}{
	{"validate", validateFigures},
	{"submit", submitFigures},
	{"limit", limitFigures},
	{"state", stateFigures},
	{"vendorfile", vendorFileFigures},
	{"page", pageFigures},
	{"workers", workersFigures},
}

// bench is one run's shared state: the temp dir, the built binary, the
// generated files and the figures measured so far.
type bench struct {
	dir     string
	bin     string // the onboard binary, built on first use
	mapping string // mappingYAML written to dir
	csvs    map[int]string
	sps     map[int]string // generated SmarterProctoring rosters
	figures []figure
	log     io.Writer // progress lines
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == spawnArg {
		os.Exit(spawn(os.Args[2], os.Args[3:]))
	}
	if len(os.Args) == 3 && os.Args[1] == simulateArg {
		if err := simulate(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 3 && os.Args[1] == peerXLSXArg {
		if _, err := peerXLSX(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 3 && os.Args[1] == bareCSVArg {
		if _, err := bareCSV(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 4 && os.Args[1] == genSPArg {
		n, err := strconv.Atoi(os.Args[3])
		if err == nil {
			err = writeSPRoster(os.Args[2], n)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		return
	}
	out := flag.String("out", "", "also write the report (Markdown) to `FILE`")
	only := flag.String("only", "", "comma-separated sections to run: validate, submit, limit, state, vendorfile, page, workers (default: all)")
	keep := flag.Bool("keep", false, "keep the temp dir with the generated files")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	if err := run(ctx, *out, *only, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, only string, keep bool) (err error) {
	want, err := pickSections(only)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	}
	b := &bench{dir: dir, csvs: map[int]string{}, sps: map[int]string{}, log: os.Stderr, mapping: filepath.Join(dir, "map.yaml")}
	if err := os.WriteFile(b.mapping, []byte(mappingYAML), 0o644); err != nil {
		return err
	}
	m := readMachine(ctx)
	start := time.Now()
	var failed []string
	for _, s := range sections {
		if !want[s.name] {
			continue
		}
		if err := s.run(ctx, b); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w (stopped: %w)", s.name, err, context.Cause(ctx))
			}
			// One broken section must not hide the others' figures.
			fmt.Fprintf(os.Stderr, "benchreport: %s: %v\n", s.name, err)
			failed = append(failed, s.name)
		}
	}
	report := render(m, time.Since(start), b.figures, failed)
	fmt.Print(report)
	if out != "" {
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("sections did not finish: %s", strings.Join(failed, ", "))
	}
	return nil
}

// pickSections parses -only.
func pickSections(only string) (map[string]bool, error) {
	want := map[string]bool{}
	var names []string
	for _, s := range sections {
		names = append(names, s.name)
		want[s.name] = only == ""
	}
	if only == "" {
		return want, nil
	}
	for name := range strings.SplitSeq(only, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("-only: unknown section %q (known: %s)", name, strings.Join(names, ", "))
		}
		want[name] = true
	}
	return want, nil
}

// add records a figure.
func (b *bench) add(f figure) { b.figures = append(b.figures, f) }

// logf prints a progress line.
func (b *bench) logf(format string, a ...any) {
	fmt.Fprintf(b.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}
