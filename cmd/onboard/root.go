package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "onboard",
		Short: "Bulk-onboard people from CSV/XLSX rosters into vendors' user APIs",
		Long: `onboard reads a roster (CSV or XLSX), maps and validates every row against a
vendor's create-user contract, creates the valid people through the vendor's
API at a safe rate, and writes a results sheet. A state store makes re-runs
and nightly files create each person exactly once.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionText(),
	}
	var vendors string
	root.PersistentFlags().StringVar(&vendors, "vendors", "", "a folder of vendor files (*.yaml) to add by id (default: $"+vendorsEnv+", or "+vendorsEnv+"= in the --config file)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		dir := cmp.Or(vendors, os.Getenv(vendorsEnv))
		if dir == "" {
			var err error
			if dir, err = configVendors(cmd); err != nil {
				return fatal(err)
			}
		}
		if dir == "" {
			return nil
		}
		if err := vendorfile.LoadDir(dir); err != nil {
			return fatal(err)
		}
		return nil
	}
	root.SetVersionTemplate("{{.Version}}")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newValidateCmd(),
		newRunCmd(),
		newDemoCmd(),
		newSimulateCmd(),
		newProvidersCmd(),
		newTemplateCmd(),
		newHistoryCmd(),
		newWatchCmd(),
		newLookupCmd(),
		newPlanCmd(),
		newStateCmd(),
		newServeCmd(),
		newWorkerCmd(),
		newJobsCmd(),
		newVersionCmd(),
	)
	friendlyCommands(root)
	return root
}

// vendorsEnv names the vendors folder in the environment or the config
// file (--vendors wins, then the environment).
const vendorsEnv = "ONBOARD_VENDORS"

// configVendors is the vendors folder the command's --config file names
// ("" when it has none, or the command takes no --config). A relative
// folder is the config file's neighbour, wherever onboard runs from (a
// cron job's working directory is not the admin's).
func configVendors(cmd *cobra.Command) (string, error) {
	f := cmd.Flags().Lookup("config")
	if f == nil || f.Value.String() == "" {
		return "", nil
	}
	path := f.Value.String()
	vals, _, err := readConfig(path) // its warnings: loadCredentials prints them
	if err != nil {
		return "", err
	}
	dir := vals[vendorsEnv]
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(path), dir)
	}
	return dir, nil
}

// inputFlags are how a roster is read and mapped; validate and run share them.
type inputFlags struct {
	provider  string
	mapping   string
	sheet     string
	delimiter string
	encoding  string
	headerRow int
	// checkWhileReading: the command sends nothing before the roster is
	// read whole (validate), so a workbook's sheet is checked for damage
	// in the same pass as its rows are read (read.Options).
	checkWhileReading bool
}

func (f *inputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.provider, "provider", "p", "", "vendor id (see 'onboard providers') or a vendor file (./acme.yaml)")
	cmd.Flags().StringVarP(&f.mapping, "mapping", "m", "", "YAML mapping file (columns, constants, defaults, value maps, transforms)")
	cmd.Flags().StringVar(&f.sheet, "sheet", "", "XLSX sheet name or 1-based index, hidden sheets counted (default: the first visible sheet)")
	cmd.Flags().IntVar(&f.headerRow, "header-row", 0, "the header's row number as the spreadsheet shows it (default: detected among the first 20 rows)")
	cmd.Flags().StringVar(&f.delimiter, "delimiter", "", `CSV delimiter: "," ";" "|" or "tab" (default: detected)`)
	cmd.Flags().StringVar(&f.encoding, "encoding", "", "CSV encoding: "+read.Encodings+" (default: detected)")
	_ = cmd.MarkFlagRequired("provider")
}

// input is an opened roster bound to a vendor.
type input struct {
	reg    *providers.Registration
	reader read.Reader
	mapper *schema.Mapper
}

// loadMappingFile is schema.LoadMapping; a test makes it slow.
var loadMappingFile = schema.LoadMapping

// loadMapping loads the mapping file, giving up at an interrupt: one near
// the size caps (16 MiB, and its lookup tables 64 MiB each) takes seconds,
// and nothing has been opened or written yet. The abandoned load ends with
// the process.
func loadMapping(ctx context.Context, path string) (*schema.Mapping, error) {
	type loaded struct {
		m   *schema.Mapping
		err error
	}
	done := make(chan loaded, 1)
	load := loadMappingFile
	go func() {
		m, err := load(path)
		done <- loaded{m, err}
	}()
	select {
	case l := <-done:
		return l.m, l.err
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted while loading the mapping file %s; nothing was written", path)
	}
}

// sheet is the sheet read, for an XLSX roster; "" for CSV.
func (in *input) sheet() string {
	if s, ok := in.reader.(interface{ Sheet() string }); ok {
		return s.Sheet()
	}
	return ""
}

// warnings are the reader's and the mapper's, to report once.
func (in *input) warnings() []string {
	return append(append([]string(nil), in.reader.Warnings()...), in.mapper.Warnings()...)
}

// open looks the vendor up, opens the roster and binds its header. Every
// error is fatal and names the file or the field.
func (f *inputFlags) open(ctx context.Context, path string) (*input, error) {
	reg, err := providers.Lookup(f.provider)
	if err != nil {
		return nil, fatal(err)
	}
	f.provider = reg.ID // -p is case-insensitive; the id is spelled one way after
	var m *schema.Mapping
	if f.mapping != "" {
		if m, err = loadMapping(ctx, f.mapping); err != nil {
			if ctx.Err() != nil {
				return nil, &exitError{code: exitInterrupted, err: err}
			}
			return nil, fatal(err)
		}
	}
	opt := read.Options{Sheet: f.sheet, Encoding: f.encoding, HeaderRow: f.headerRow, Expect: schema.HeaderMatcher(reg.Schema, m),
		CheckWhileReading: f.checkWhileReading}
	if f.headerRow < 0 {
		return nil, fatal(fmt.Errorf("--header-row %d: rows start at 1 (leave it out to detect the header)", f.headerRow))
	}
	if opt.HeaderRow == 0 && m != nil {
		opt.HeaderRow = m.HeaderRow
	}
	if opt.Delimiter, err = parseDelimiter(f.delimiter); err != nil {
		return nil, fatal(err)
	}
	r, err := read.Open(path, opt)
	if err != nil {
		return nil, fatal(err)
	}
	header, guarded := r.Header(), isGuardedFixFile(r)
	if guarded {
		// The fix file guards its header cells as it does its data.
		for i, h := range header {
			header[i] = strings.TrimSpace(strings.TrimPrefix(h, "'"))
		}
	}
	mp, err := schema.NewMapper(reg.Schema, header, m)
	if err != nil {
		r.Close()
		where := path
		if s, ok := r.(interface{ Sheet() string }); ok {
			where += fmt.Sprintf(" (sheet %q)", s.Sheet())
		}
		if n, ok := r.(interface{ SheetNote() string }); ok && n.SheetNote() != "" {
			err = fmt.Errorf("%w; %s", err, n.SheetNote())
		}
		return nil, fatal(fmt.Errorf("%s: %w", where, err))
	}
	if guarded {
		mp = mp.FormulaGuarded()
	}
	return &input{reg: reg, reader: r, mapper: mp}, nil
}

// delimiter is a CSV roster's delimiter, which CSV outputs use too (a
// spreadsheet set for ';' opens them in columns); ',' for an XLSX.
func (in *input) delimiter() rune {
	if d, ok := in.reader.(interface{ Delimiter() rune }); ok && d.Delimiter() != 0 {
		return d.Delimiter()
	}
	return ','
}

// isGuardedFixFile reports a CSV fix file that onboard wrote (its header
// holds onboard_error): its cells carry the fix file's formula guard.
func isGuardedFixFile(r read.Reader) bool {
	if _, csv := r.(interface{ Delimiter() rune }); !csv {
		return false
	}
	for _, h := range r.Header() {
		if strings.EqualFold(strings.TrimSpace(h), schema.OwnErrorColumn) {
			return true
		}
	}
	return false
}

func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case ",", ";", "|":
		r, _ := utf8.DecodeRuneInString(s)
		return r, nil
	}
	return 0, fmt.Errorf(`--delimiter %q: use "," ";" "|" or "tab"`, s)
}
