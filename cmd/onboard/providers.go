package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

func newProvidersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "providers [PROVIDER]",
		Short: "List the vendors, or one vendor's fields",
		Example: `  onboard providers
  onboard providers smarterproctoring`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tVENDOR API\tCREDENTIALS")
				for _, id := range providers.Names() {
					reg, _ := providers.Lookup(id)
					fmt.Fprintf(tw, "%s\t%s\t%s\n", id, reg.Title, strings.Join(reg.Credentials, ", "))
				}
				return tw.Flush()
			}
			reg, err := providers.Lookup(args[0])
			if err != nil {
				return fatal(err)
			}
			return describe(out, reg)
		},
	}
}

func describe(out io.Writer, reg *providers.Registration) error {
	s := reg.Schema
	fmt.Fprintf(out, "%s: %s\n", reg.ID, reg.Title)
	fmt.Fprintf(out, "default host: %s\ncredentials (environment): %s\nunique key: %s\n\n",
		reg.DefaultBaseURL, strings.Join(reg.Credentials, ", "), strings.Join(s.Key, ", then "))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tREQUIRED\tTYPE\tALLOWED\tALIASES")
	for _, f := range s.Fields {
		req := ""
		if f.Required {
			req = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, req, f.Type, allowed(&f), strings.Join(f.Aliases, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Rules) > 0 {
		fmt.Fprintln(out, "\nrules:")
		for _, r := range s.Rules {
			desc := r.Description
			if desc == "" {
				desc = r.Name
			}
			fmt.Fprintf(out, "  - %s\n", desc)
		}
	}
	if s.Extra != "" {
		fmt.Fprintf(out, "\ncolumns that match no field go into %s.\n", s.Extra)
	}
	return nil
}

func allowed(f *schema.Field) string {
	var parts []string
	if len(f.Enum) > 0 {
		parts = append(parts, strings.Join(f.Enum, "|"))
	}
	if f.PatternText != "" {
		parts = append(parts, f.PatternText)
	} else if f.Pattern != nil {
		parts = append(parts, f.Pattern.String())
	}
	switch {
	case f.MinLen > 0 && f.MinLen == f.MaxLen:
		parts = append(parts, fmt.Sprintf("%d chars", f.MinLen))
	case f.MinLen > 0 || f.MaxLen > 0:
		parts = append(parts, fmt.Sprintf("%d..%d chars", f.MinLen, f.MaxLen))
	}
	if f.Secret {
		parts = append(parts, "secret, masked in outputs")
	}
	return strings.Join(parts, "; ")
}
