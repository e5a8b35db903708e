package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/reports"
)

func newValidateCmd() *cobra.Command {
	var in inputFlags
	var out string
	var quiet, noBOM bool
	cmd := &cobra.Command{
		Use:   "validate -p PROVIDER [-m map.yaml] [-o report.xlsx|report.csv] INPUT",
		Short: "Check every row against the vendor's rules; no network call is made",
		Example: `  onboard validate -p ispring -m samples/ispring/map.yaml -o report.xlsx samples/ispring/roster-mapped.csv
  onboard validate -p bksb samples/bksb/roster.xlsx`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutputDir("-o", out); err != nil {
				return fatal(err)
			}
			in.checkWhileReading = true // validate sends nothing
			src, err := in.open(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer src.reader.Close()
			stderr := cmd.ErrOrStderr()
			sum := batch.NewSummary("validate", in.provider, args[0])
			sum.Warnings = src.warnings()
			sum.HeaderRow = src.reader.HeaderRow()
			sum.Sheet = src.sheet()
			warn(stderr, sum.Warnings)
			sum.Notices = src.notices()
			note(stderr, sum.Notices)

			if strings.EqualFold(filepath.Ext(out), ".xlsx") {
				src.mapper.LimitCells(reports.MaxXLSXCell, "an XLSX cell")
			}
			var sink batch.Sink = &problemPrinter{w: cmd.OutOrStdout(), max: 20}
			if out != "" {
				opts := reports.ValidationOptions{FieldColumns: src.mapper.FieldColumns(), NoBOM: noBOM, Delimiter: src.delimiter()}
				if sink, err = reports.NewValidation(out, src.mapper.Header(), opts); err != nil {
					return fatal(err)
				}
			}
			prog := newProgress(stderr, quiet, "validating", args[0])
			err = batch.Validate(cmd.Context(), src.reader, src.reg.Schema, src.mapper, sink, sum, prog.update)
			prog.finish()
			var readErr *read.Error
			if errors.As(err, &readErr) {
				// The file went bad part way: the report keeps the rows
				// read before, and its Summary says which row stopped it.
				sum.ReadError = readErr.Error()
				if cerr := sink.Close(sum); cerr != nil {
					return fatal(fmt.Errorf("write %s: %w", out, cerr))
				}
				fmt.Fprintln(stderr, reports.SummaryLine(sum))
				if out != "" {
					return fatal(fmt.Errorf("%w (reading stopped there; %s has the rows before it)", err, out))
				}
				return fatal(err)
			}
			if err != nil {
				reports.Abort(sink)
				return fatal(err)
			}
			if err := sink.Close(sum); err != nil {
				return fatal(fmt.Errorf("write %s: %w", out, err))
			}
			fmt.Fprintln(stderr, reports.SummaryLine(sum))
			if out != "" {
				fmt.Fprintf(stderr, "report written to %s\n", out)
			}
			if sum.ByStatus[batch.Invalid] > 0 {
				return &exitError{code: exitSomeFailed}
			}
			return nil
		},
	}
	in.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "validation report, .xlsx or .csv (default: the first problems on stdout)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().BoolVar(&noBOM, "no-bom", false, "write a CSV report without the UTF-8 BOM that Excel needs (for tools that choke on it)")
	return cmd
}

func warn(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintln(w, "warning:", s)
	}
}

func note(w io.Writer, notices []string) {
	for _, s := range notices {
		fmt.Fprintln(w, "note:", s)
	}
}

// notices are what the reading and the binding did that is worth knowing
// once: the workbook's other sheets, which columns go into the vendor's
// free-form field (smartapp's metadata), and how to send one that is not
// sent.
func (in *input) notices() []string {
	var out []string
	if n, ok := in.reader.(interface{ Notes() []string }); ok {
		out = n.Notes() // the workbook's other sheets
	}
	field := in.reg.Schema.Extra
	if cols := in.mapper.ExtraColumns(); len(cols) == 1 {
		out = append(out, fmt.Sprintf("column %s goes into %s's %s (listed under metadata: in the mapping file)", quoteAll(cols), in.reg.ID, field))
	} else if len(cols) > 1 {
		out = append(out, fmt.Sprintf("columns %s go into %s's %s (listed under metadata: in the mapping file)", quoteAll(cols), in.reg.ID, field))
	}
	if cols := in.mapper.UnsentColumns(); len(cols) > 0 {
		what := "1 column is"
		if len(cols) > 1 {
			what = fmt.Sprintf("%d columns are", len(cols))
		}
		out = append(out, fmt.Sprintf("%s not sent (%s): to send one in %s's %s, list it in the mapping file, e.g. metadata: [%s]",
			what, quoteAll(cols), in.reg.ID, field, cols[0]))
	}
	return out
}

func quoteAll(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, ", ")
}

// problemPrinter is the sink when no report file is asked for: it prints the
// first problems so a quick check needs no spreadsheet.
type problemPrinter struct {
	w     io.Writer
	max   int
	shown int
	more  int
}

func (p *problemPrinter) Write(o batch.Outcome) error {
	if err := p.print(o.Line, "", o.Problems); err != nil {
		return err
	}
	// A warning the summary counts is printed too: the row is valid, but
	// the value is worth a look (a number a spreadsheet rounded).
	return p.print(o.Line, "warning ", o.Warnings)
}

func (p *problemPrinter) print(line int, kind string, problems []batch.Problem) error {
	for _, pr := range problems {
		if p.shown >= p.max {
			p.more++
			continue
		}
		p.shown++
		if _, err := fmt.Fprintf(p.w, "row %d: %s%s %s: %s\n", line, kind, pr.Code, pr.Field, pr.Message); err != nil {
			return err
		}
	}
	return nil
}

func (p *problemPrinter) Close(*batch.Summary) error {
	if p.more > 0 {
		_, err := fmt.Fprintf(p.w, "... and %d more problems and warnings (write them all with -o report.xlsx)\n", p.more)
		return err
	}
	return nil
}
