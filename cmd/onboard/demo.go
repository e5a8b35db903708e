package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/samples"
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
			b, err := samples.FS.ReadFile(f.in.provider + "/roster.csv")
			if err != nil {
				return fatal(fmt.Errorf("no sample roster for %q", f.in.provider))
			}
			dir, err := os.MkdirTemp("", "onboard-demo-")
			if err != nil {
				return fatal(err)
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, f.in.provider+"-roster.csv")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return fatal(err)
			}
			f.stateFile = filepath.Join(dir, "state.db")
			fmt.Fprintf(cmd.ErrOrStderr(), "demo: onboarding the sample %s roster (%d bytes) into the %s simulator\n", f.in.provider, len(b), f.in.provider)
			err = runRoster(cmd, &f, path)
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitSomeFailed && ee.err == nil {
				// The sample's bad rows are there on purpose.
				err = nil
			}
			if err == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "demo: results written to %s (the sample has bad rows on purpose: see the status and error_code columns)\n", f.out)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&f.in.provider, "provider", "p", "smartapp", "vendor id")
	cmd.Flags().StringVarP(&f.out, "output", "o", "results.xlsx", "results sheet, .xlsx or .csv")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	f.submit.Rate, f.submit.Workers, f.submit.Burst, f.submit.Retries = 20, 4, 1, 3
	f.submit.Breaker = submit.DefaultBreaker
	return cmd
}
