package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/samples"
	"github.com/onboard/onboard/schema"
)

func newDemoCmd() *cobra.Command {
	f := runFlags{simulate: true}
	cmd := &cobra.Command{
		Use:   "demo [-p PROVIDER] [-o results.xlsx]",
		Short: "Run a built-in sample roster against the built-in vendor simulator",
		Long: `demo is 'onboard run --simulate' on the sample roster embedded in the binary:
it needs no file, no credentials and no network. The results sheet shows
created rows, rows the validation refused, and why.`,
		Example: "  onboard demo\n  onboard demo -p bksb -o bksb-results.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := providers.Lookup(f.in.provider)
			if err != nil {
				return fatal(err)
			}
			b, err := samples.FS.ReadFile(reg.ID + "/roster.csv")
			generated := err != nil
			if generated {
				// A vendor file brings no sample: its fields' examples make one.
				b = exampleRoster(reg.Schema, 5)
			}
			dir, err := os.MkdirTemp("", "onboard-demo-")
			if err != nil {
				return fatal(err)
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, reg.ID+"-roster.csv")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return fatal(err)
			}
			f.stateFile = filepath.Join(dir, "state.db")
			fmt.Fprintf(cmd.ErrOrStderr(), "demo: onboarding the sample %s roster (%d bytes) into the %s simulator\n", reg.ID, len(b), reg.ID)
			err = runRoster(cmd, &f, path)
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitSomeFailed && ee.err == nil {
				// The sample's bad rows are there on purpose.
				err = nil
			}
			if err == nil && generated {
				fmt.Fprintf(cmd.ErrOrStderr(), "demo: results written to %s (a roster made of the vendor file's examples)\n", f.out)
			} else if err == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "demo: results written to %s (the sample has bad rows on purpose: see the status and error_code columns)\n", f.out)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&f.in.provider, "provider", "p", "smartapp", "vendor id or vendor file")
	cmd.Flags().StringVarP(&f.out, "output", "o", "results.xlsx", "results sheet, .xlsx or .csv")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	f.submit.Rate, f.submit.Workers, f.submit.Burst, f.submit.Retries = 20, 4, 1, 3
	f.submit.Breaker = submit.DefaultBreaker
	return cmd
}

// exampleRoster is a CSV of n people made of the schema's examples, in its
// field names; each person's unique key is made distinct.
func exampleRoster(s *schema.Schema, n int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		header[i] = f.Name
	}
	_ = w.Write(header)
	for p := 1; p <= n; p++ {
		row := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			row[i] = f.Example
			if slices.Contains(s.Key, f.Name) && f.Example != "" {
				if at := strings.IndexByte(f.Example, '@'); at > 0 {
					row[i] = fmt.Sprintf("%s.%d%s", f.Example[:at], p, f.Example[at:])
				} else {
					row[i] = f.Example + strconv.Itoa(p)
				}
			}
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}
