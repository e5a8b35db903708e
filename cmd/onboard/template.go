package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
)

func newTemplateCmd() *cobra.Command {
	var id, out string
	var force bool
	cmd := &cobra.Command{
		Use:     "template -p PROVIDER -o FILE.xlsx|FILE.csv",
		Short:   "Write a blank roster with the vendor's headers",
		Long:    "template writes a blank roster; the XLSX version marks required headers, offers a drop-down for every enum column and explains each field on an Instructions sheet.",
		Example: "  onboard template -p ispring -o ispring-roster.xlsx",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutputDir("-o", out); err != nil {
				return fatal(err)
			}
			reg, err := providers.Lookup(id)
			if err != nil {
				return fatal(err)
			}
			if _, err := os.Stat(out); err == nil && !force {
				return fatal(fmt.Errorf("%s exists: it may be a filled-in roster; use --force to overwrite it, or -o another name", out))
			}
			if err := reports.WriteTemplate(out, reg.Schema, reports.TemplateOptions{Version: shortVersion()}); err != nil {
				return fatal(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&id, "provider", "p", "", "vendor id")
	cmd.Flags().StringVarP(&out, "output", "o", "", "template file, .xlsx or .csv")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the output file if it exists")
	_ = cmd.MarkFlagRequired("provider")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}
