package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/state"
)

func newHistoryCmd() *cobra.Command {
	var file string
	var limit int
	cmd := &cobra.Command{
		Use:     "history [--state FILE]",
		Short:   "List the runs recorded in the state store",
		Example: "  onboard history --state /var/lib/onboard/state.db",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := state.OpenReadOnly(file)
			if err != nil {
				return fatal(err)
			}
			defer st.Close()
			runs, err := st.History(limit)
			if err != nil {
				return fatal(err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tSTARTED\tSTATUS\tPROVIDER\tFILE\tROWS\tCREATED\tSKIPPED\tINVALID\tFAILED\tNOT SENT\tRECOVERED")
			for _, r := range runs {
				c := r.Counts
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.ID, r.Started.Local().Format(time.DateTime),
					r.Status, r.Provider, r.File, c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Recovered)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&file, "state", "onboard-state.db", "state store")
	cmd.Flags().IntVar(&limit, "limit", 50, "newest runs to show")
	return cmd
}

func newLookupCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:     "lookup EMAIL|LOGIN [--state FILE]",
		Short:   "Show what the state store knows of one person",
		Example: "  onboard lookup ann.lee@example.com",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := state.OpenReadOnly(file)
			if err != nil {
				return fatal(err)
			}
			defer st.Close()
			people, err := st.Lookup(args[0])
			if err != nil {
				return fatal(err)
			}
			if len(people) == 0 {
				return &exitError{code: exitSomeFailed, err: fmt.Errorf("%s: not in %s", args[0], file)}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tPROVIDER\tTENANT\tSTATUS\tVENDOR ID\tFIRST SEEN\tLAST SEEN\tCREATED BY RUN")
			for _, p := range people {
				tenant := p.BaseURL
				if p.Tenant != "" {
					tenant += " [" + p.Tenant + "]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", p.Key, p.Provider, tenant, p.Status, p.VendorID,
					p.FirstSeen.Local().Format(time.DateTime), p.LastSeen.Local().Format(time.DateTime), p.CreatedRun)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&file, "state", "onboard-state.db", "state store")
	return cmd
}
