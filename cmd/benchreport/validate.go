package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thedatashed/xlsxreader"
	"github.com/xuri/excelize/v2"

	"github.com/onboard/onboard/batch/read"
)

// Sizes of the validate figures (issue 11).
const (
	columns   = 15
	spRows    = 1_000_000
	smallRows = 100_000 // the memory baseline
	xlsxRows  = 200_000
	spPairs   = 3 // A B pairs per ratio
)

// Targets of issue 11 (and the XLSX reader's of before).
const (
	noOutShare    = 0.60 // validate without -o vs bare encoding/csv (issue 22)
	csvShare      = 0.33 // validate -o report.csv vs bare encoding/csv
	xlsxShare     = 0.50 // -o report.xlsx vs -o report.csv
	xlsxBareShare = 0.80 // XLSX validate vs bare excelize
	// Issue 22: XLSX input.
	xlsxInputRows = 100_000
	xlsxMinRate   = 75_000 // rows/s, validate without -o
	xlsxPeerShare = 2.0    // validate without -o vs the xlsxreader peer reading the rows
	firstRowSecs  = 0.2    // Open (the header and the rows after it) per 100k rows, shared strings ≤ 64 MB
	bigSSTSecs    = 20     // validate, 1M rows with a large shared-strings part
	maxRSSMiB     = 150
	maxGrowth     = 64 // bytes a row from 100k to 1M rows: the duplicate index
)

// validateFigures measures the dry run on a fully checked SmarterProctoring
// roster (every column maps to a field with a check, generated like the
// other rosters: writeSPRoster), each speed as a ratio paired in time: A,
// B, A, B ... for spPairs pairs, the median ratio quoted with its min and
// max, so a machine that drifts or is shared moves both sides of a pair.
// It then measures XLSX input with a large shared-strings part, and the
// XLSX reader against bare excelize.
func validateFigures(ctx context.Context, b *bench) error {
	big, err := b.spFile(spRows)
	if err != nil {
		return err
	}
	small, err := b.spFile(smallRows)
	if err != nil {
		return err
	}
	id := fmt.Sprintf("%s-row, %d-column SmarterProctoring CSV, every column checked", count(spRows), len(spHeader))
	bare := func() (childRun, error) { return b.bareCSVChild(ctx, big) }
	noOut := func() (childRun, error) { return b.validateSP(ctx, big, spRows, "") }
	withCSV := func() (childRun, error) { return b.validateSP(ctx, big, spRows, ".csv") }
	withXLSX := func() (childRun, error) { return b.validateSP(ctx, big, spRows, ".xlsx") }

	b.logf("validate without -o vs bare encoding/csv, %d pairs", spPairs)
	p1, err := b.pairs(noOut, bare)
	if err != nil {
		return err
	}
	b.add(check("1a", "validate (no -o) / bare encoding/csv, "+id, p1.String(), "≥ "+ratio(noOutShare), p1.med >= noOutShare))
	b.logf("validate -o report.csv vs bare encoding/csv, %d pairs", spPairs)
	p2, err := b.pairs(withCSV, bare)
	if err != nil {
		return err
	}
	b.add(check("1b", "validate -o report.csv / bare encoding/csv, same file", p2.String(), "≥ "+ratio(csvShare), p2.med >= csvShare))
	b.logf("validate -o report.xlsx vs -o report.csv, %d pairs", spPairs)
	p3, err := b.pairs(withXLSX, withCSV)
	if err != nil {
		return err
	}
	b.add(check("1c", "validate -o report.xlsx / -o report.csv, same file", p3.String(), "≥ "+ratio(xlsxShare), p3.med >= xlsxShare))
	b.add(info("1d", "wall times, medians: bare encoding/csv; no -o; -o report.csv; -o report.xlsx",
		fmt.Sprintf("%s; %s; %s; %s", secs(medWall(p1.b)), secs(medWall(p1.a)), secs(medWall(p2.a)), secs(medWall(p3.a)))))

	// Memory: every mode under the cap at 1M rows, and growing from 100k
	// to 1M rows by no more than the duplicate index.
	for i, m := range []struct {
		name, ext string
		runs      []childRun
	}{{"no -o", "", p1.a}, {"-o report.csv", ".csv", p2.a}, {"-o report.xlsx", ".xlsx", p3.a}} {
		b.logf("validate %s, %s rows, for memory", m.name, count(smallRows))
		s, err := b.validateSP(ctx, small, smallRows, m.ext)
		if err != nil {
			return err
		}
		peak := maxRSS(m.runs)
		if peak == 0 || s.rssKiB == 0 {
			b.add(info(fmt.Sprintf("1%c", 'e'+i), "peak RSS of validate "+m.name, "not reported by this OS"))
			continue
		}
		perRow := float64(peak-s.rssKiB) * 1024 / float64(spRows-smallRows)
		b.add(check(fmt.Sprintf("1%c", 'e'+i), fmt.Sprintf("peak RSS, validate %s, %s rows (%s at %s rows: %.0f B a row more)", m.name, count(spRows), mib(s.rssKiB), count(smallRows), perRow),
			mib(peak), fmt.Sprintf("< %d MiB, ≤ %d B a row", maxRSSMiB, maxGrowth), peak < maxRSSMiB*1024 && perRow <= maxGrowth))
	}
	return xlsxFigures(ctx, b)
}

// xlsxFigures: XLSX input whose strings are all shared (as LibreOffice
// and Excel write them), at 100k rows with a ~10 MB shared-strings part
// and at 1M rows with a ~100 MB one; then the XLSX reader against bare
// excelize on the StreamWriter-written roster.
func xlsxFigures(ctx context.Context, b *bench) error {
	var small childRun
	for i, rows := range []int{smallRows, spRows} {
		path := filepath.Join(b.dir, fmt.Sprintf("sst-%d.xlsx", rows))
		b.logf("generating %s-row XLSX with shared strings", count(rows))
		sst, err := writeSSTXLSX(path, rows)
		if err != nil {
			return fmt.Errorf("generate %s: %w", path, err)
		}
		r, err := b.validateSP(ctx, path, rows, "")
		if err != nil {
			return err
		}
		what, target, ok := "", fmt.Sprintf("< %d MiB", maxRSSMiB), r.rssKiB < maxRSSMiB*1024
		if i == 0 {
			small = r
		} else if small.rssKiB > 0 {
			// Like the CSV figures: growing by no more than the duplicate index.
			perRow := float64(r.rssKiB-small.rssKiB) * 1024 / float64(rows-smallRows)
			what = fmt.Sprintf(" (%s at %s rows: %.0f B a row more)", mib(small.rssKiB), count(smallRows), perRow)
			target += fmt.Sprintf(", ≤ %d B a row", maxGrowth)
			ok = ok && perRow <= maxGrowth
		}
		b.add(check(fmt.Sprintf("1%c", 'h'+i), fmt.Sprintf("peak RSS, validate %s-row XLSX, %s shared-strings part%s", count(rows), mib(sst/1024), what),
			mib(r.rssKiB)+" ("+secs(r.wall)+")", target, ok))
		if i == 1 {
			b.add(check("1p", fmt.Sprintf("wall time, validate %s-row XLSX, %s shared-strings part", count(rows), mib(sst/1024)),
				secs(r.wall), fmt.Sprintf("≤ %d s", bigSSTSecs), r.wall.Seconds() <= bigSSTSecs))
		}
	}
	if err := xlsxInputFigures(ctx, b); err != nil {
		return err
	}

	xlsx := filepath.Join(b.dir, "roster.xlsx")
	b.logf("generating %s-row XLSX", count(xlsxRows))
	if err := read.WriteXLSX(xlsx, xlsxRows, columns); err != nil {
		return fmt.Errorf("generate %s: %w", xlsx, err)
	}
	xv, err := b.validate(ctx, xlsx, xlsxRows, true)
	if err != nil {
		return err
	}
	xb, err := timeIt(func() (int, error) { return bareXLSX(xlsx, false) })
	if err != nil {
		return err
	}
	xvRate, xbRate := rate(xlsxRows, xv.wall), rate(xlsxRows, xb)
	xID := fmt.Sprintf("%s-row, %d-column XLSX (smartapp)", count(xlsxRows), columns)
	b.add(check("1j", "XLSX validate -o report.csv / bare excelize Rows + Columns(), "+xID, pct(xvRate/xbRate)+" (validate "+secs(xv.wall)+", peak RSS "+mib(xv.rssKiB)+")",
		"≥ "+pct(xlsxBareShare), xvRate/xbRate >= xlsxBareShare))
	return nil
}

// pairStat is A's speed as a share of B's (B's time / A's time), pair by
// pair.
type pairStat struct {
	med, min, max float64
	a, b          []childRun
}

func (p pairStat) String() string {
	return fmt.Sprintf("%s (median of %d pairs; min %s, max %s)", ratio(p.med), len(p.a), ratio(p.min), ratio(p.max))
}

// pairs runs a and b in turn, A B A B, spPairs times.
func (b *bench) pairs(a, bb func() (childRun, error)) (pairStat, error) {
	return b.pairsN(spPairs, a, bb)
}

// pairsN is pairs with n pairs.
func (b *bench) pairsN(n int, a, bb func() (childRun, error)) (pairStat, error) {
	var p pairStat
	var rs []float64
	for range n {
		ra, err := a()
		if err != nil {
			return p, err
		}
		rb, err := bb()
		if err != nil {
			return p, err
		}
		p.a, p.b = append(p.a, ra), append(p.b, rb)
		rs = append(rs, rb.wall.Seconds()/ra.wall.Seconds())
	}
	slices.Sort(rs)
	p.min, p.max, p.med = rs[0], rs[len(rs)-1], median(rs)
	return p, nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func medWall(runs []childRun) time.Duration {
	ws := make([]float64, len(runs))
	for i, r := range runs {
		ws[i] = r.wall.Seconds()
	}
	slices.Sort(ws)
	return time.Duration(median(ws) * float64(time.Second))
}

func maxRSS(runs []childRun) int64 {
	var m int64
	for _, r := range runs {
		m = max(m, r.rssKiB)
	}
	return m
}

func ratio(r float64) string { return strconv.FormatFloat(r, 'f', 2, 64) + "x" }

// validateSP runs `onboard validate -p smarterproctoring` on path, with a
// report of extension ext ("" for none: the first problems to stdout),
// and checks every row was read.
func (b *bench) validateSP(ctx context.Context, path string, rows int, ext string) (childRun, error) {
	args := []string{"validate", "-p", "smarterproctoring", "-q"}
	if ext != "" {
		out := filepath.Join(b.dir, "report"+ext)
		args = append(args, "-o", out)
		defer os.Remove(out) // a 1M-row report is about 200 MB
	}
	r, err := b.runOnboard(ctx, nil, append(args, path)...)
	if err != nil {
		return r, err
	}
	if want := fmt.Sprintf("%d rows read", rows); !strings.Contains(r.stderr, want) {
		return r, fmt.Errorf("onboard validate %s: want %q in its summary, got:\n%s", path, want, tail(r.stderr, 5))
	}
	return r, nil
}

// bareCSVChild reads path with bare encoding/csv in a child process (this
// program with bareCSVArg), timed like onboard.
func (b *bench) bareCSVChild(ctx context.Context, path string) (childRun, error) {
	self, err := os.Executable()
	if err != nil {
		return childRun{}, err
	}
	r, err := b.runChild(ctx, nil, self, bareCSVArg, path)
	if err != nil {
		return r, fmt.Errorf("bare encoding/csv %s: %w\n%s", path, err, tail(r.stderr, 5))
	}
	b.logf("  bare encoding/csv: %s", secs(r.wall))
	return r, nil
}

// validate runs `onboard validate` on path, with a CSV report when
// report is set, and checks every row was read.
func (b *bench) validate(ctx context.Context, path string, rows int, report bool) (childRun, error) {
	args := []string{"validate", "-p", provider, "-m", b.mapping, "-q"}
	out := filepath.Join(b.dir, "report.csv")
	if report {
		args = append(args, "-o", out)
		defer os.Remove(out) // a 1M-row report is about 170 MB
	}
	r, err := b.runOnboard(ctx, nil, append(args, path)...)
	if err != nil {
		return r, err
	}
	if want := fmt.Sprintf("%d rows read", rows); !strings.Contains(r.stderr, want) {
		return r, fmt.Errorf("onboard validate %s: want %q in its summary, got:\n%s", path, want, tail(r.stderr, 5))
	}
	return r, nil
}

// bareCSV reads every record of path with encoding/csv alone and returns
// the data rows.
func bareCSV(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("bare csv %s: %w", path, err)
		}
		n++
	}
}

// bareXLSX reads every row of the first sheet with excelize alone, opened
// with the Options the reader passes (batch/read/xlsx.go), and returns the
// data rows; raw selects RawCellValue.
func bareXLSX(path string, raw bool) (n int, err error) {
	f, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    read.DefaultMaxUnzipBytes,
		UnzipXMLSizeLimit: 4 << 20,
	})
	if err != nil {
		return 0, fmt.Errorf("bare excelize %s: %w", path, err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return 0, fmt.Errorf("bare excelize %s: %w", path, err)
	}
	defer func() { err = errors.Join(err, rows.Close()) }()
	n = -1 // the header
	for rows.Next() {
		if _, err := rows.Columns(excelize.Options{RawCellValue: raw}); err != nil {
			return n, fmt.Errorf("bare excelize %s: %w", path, err)
		}
		n++
	}
	return n, rows.Error()
}

// timeIt times read and checks it returned a positive row count.
func timeIt(read func() (int, error)) (time.Duration, error) {
	start := time.Now()
	n, err := read()
	d := time.Since(start)
	if err == nil && n <= 0 {
		err = fmt.Errorf("read %d rows", n)
	}
	return d, err
}

// best keeps the faster run, and the larger peak RSS of the two.
func best(a, b childRun) childRun {
	if a.wall == 0 || b.wall < a.wall {
		b.rssKiB = max(a.rssKiB, b.rssKiB)
		return b
	}
	a.rssKiB = max(a.rssKiB, b.rssKiB)
	return a
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

// xlsxInputFigures (issue 22): XLSX input at 100k rows, inline strings
// (excelize's StreamWriter) and shared strings (as Excel and LibreOffice
// save), as validate's rows/s and against the xlsxreader peer reading the
// same file's rows in a process of its own, paired in time; and the time
// to the first row with a shared-strings part held in memory.
func xlsxInputFigures(ctx context.Context, b *bench) error {
	inline := filepath.Join(b.dir, "inline-100k.xlsx")
	b.logf("generating %s-row XLSX, inline strings", count(xlsxInputRows))
	if err := read.WriteXLSX(inline, xlsxInputRows, columns); err != nil {
		return fmt.Errorf("generate %s: %w", inline, err)
	}
	shared := filepath.Join(b.dir, fmt.Sprintf("sst-%d.xlsx", xlsxInputRows))
	if _, err := os.Stat(shared); err != nil {
		if _, err := writeSSTXLSX(shared, xlsxInputRows); err != nil {
			return fmt.Errorf("generate %s: %w", shared, err)
		}
	}
	for i, in := range []struct {
		name, path string
		run        func() (childRun, error)
	}{
		{"inline strings (smartapp)", inline, func() (childRun, error) { return b.validate(ctx, inline, xlsxInputRows, false) }},
		{"shared strings (SmarterProctoring)", shared, func() (childRun, error) { return b.validateSP(ctx, shared, xlsxInputRows, "") }},
	} {
		b.logf("validate %s XLSX vs the xlsxreader peer, %d pairs", in.name, spPairs)
		path := in.path
		p, err := b.pairs(in.run, func() (childRun, error) { return b.peerXLSXChild(ctx, path) })
		if err != nil {
			return err
		}
		wall := medWall(p.a)
		rows := rate(xlsxInputRows, wall)
		b.add(check(fmt.Sprintf("1%c", 'k'+2*i), fmt.Sprintf("XLSX input, validate (no -o), %s-row XLSX, %s: rows/s (median wall %s)", count(xlsxInputRows), in.name, secs(wall)),
			fmt.Sprintf("%.0fk rows/s (min %.0fk, max %.0fk)", rows/1000, rate(xlsxInputRows, maxWall(p.a))/1000, rate(xlsxInputRows, minWall(p.a))/1000),
			fmt.Sprintf("≥ %dk rows/s", xlsxMinRate/1000), rows >= xlsxMinRate))
		b.add(check(fmt.Sprintf("1%c", 'l'+2*i), fmt.Sprintf("XLSX input, validate (no -o) / the xlsxreader peer reading the rows, same file, %s (peer median %s)", in.name, secs(medWall(p.b))),
			p.String(), "≥ "+ratio(xlsxPeerShare), p.med >= xlsxPeerShare))
	}
	// Time to the first row: Open reads the shared strings, the header
	// and the rows after it (in this process, three times, the median), as
	// validate opens it (the sheet checked while read).
	var opens []float64
	for range 3 {
		start := time.Now()
		r, err := read.Open(shared, read.Options{CheckWhileReading: true})
		if err != nil {
			return err
		}
		opens = append(opens, time.Since(start).Seconds())
		if err := r.Close(); err != nil {
			return err
		}
	}
	slices.Sort(opens)
	per100k := median(opens) * 100_000 / xlsxInputRows
	b.add(check("1o", fmt.Sprintf("XLSX, shared strings held in memory: time to the first row (read.Open), per 100k rows, %s-row file", count(xlsxInputRows)),
		fmt.Sprintf("%.2f s (min %.2f, max %.2f)", per100k, opens[0]*100_000/xlsxInputRows, opens[len(opens)-1]*100_000/xlsxInputRows),
		fmt.Sprintf("≤ %.1f s", firstRowSecs), per100k <= firstRowSecs))
	return nil
}

func minWall(runs []childRun) time.Duration {
	m := runs[0].wall
	for _, r := range runs {
		m = min(m, r.wall)
	}
	return m
}

func maxWall(runs []childRun) time.Duration {
	m := runs[0].wall
	for _, r := range runs {
		m = max(m, r.wall)
	}
	return m
}

// peerXLSXArg makes benchreport read every row of an XLSX's first sheet
// with the xlsxreader peer in a child process of its own, timed and paired
// with onboard like bare encoding/csv: `benchreport -peerxlsx FILE`. The
// peer is only ever a yardstick here, never part of onboard.
const peerXLSXArg = "-peerxlsx"

// peerXLSX reads every row of path's first sheet with xlsxreader and
// returns the data rows.
func peerXLSX(path string) (int, error) {
	x, err := xlsxreader.OpenFile(path)
	if err != nil {
		return 0, fmt.Errorf("xlsxreader %s: %w", path, err)
	}
	defer x.Close()
	if len(x.Sheets) == 0 {
		return 0, fmt.Errorf("xlsxreader %s: no sheet", path)
	}
	n := -1 // the header
	for row := range x.ReadRows(x.Sheets[0]) {
		if row.Error != nil {
			return n, fmt.Errorf("xlsxreader %s: %w", path, row.Error)
		}
		n++
	}
	return n, nil
}

// peerXLSXChild runs peerXLSX on path in a child process, timed like
// onboard.
func (b *bench) peerXLSXChild(ctx context.Context, path string) (childRun, error) {
	self, err := os.Executable()
	if err != nil {
		return childRun{}, err
	}
	r, err := b.runChild(ctx, nil, self, peerXLSXArg, path)
	if err != nil {
		return r, fmt.Errorf("xlsxreader %s: %w\n%s", path, err, tail(r.stderr, 5))
	}
	b.logf("  xlsxreader: %s", secs(r.wall))
	return r, nil
}
