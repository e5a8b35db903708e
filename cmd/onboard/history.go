package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/stores"
)

func newHistoryCmd() *cobra.Command {
	var sf storeFlags
	var limit int
	cmd := &cobra.Command{
		Use:   "history [--state FILE]",
		Short: "List the runs recorded in the state store",
		Long: `history lists the newest runs first: when each started, how long it took, how
it ended (done, interrupted, auth_failed, licences, breaker, aborted, crashed,
running), its counts, and on a second line the provider, the input and where
its results and fix file went. A crashed run (killed before it could record
its end) shows its counts as of its last checkpoint, at most a second old.`,
		Example: "  onboard history --state /var/lib/onboard/state.db",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.resolve(cmd); err != nil {
				return err
			}
			st, err := openStateReadOnly(sf.state)
			if err != nil {
				return fatal(err)
			}
			defer st.Close()
			runs, err := st.History(limit)
			if err != nil {
				return fatal(err)
			}
			return writeHistory(cmd.OutOrStdout(), runs, time.Now())
		},
	}
	sf.register(cmd, "state store")
	cmd.Flags().IntVar(&limit, "limit", 50, "newest runs to show")
	return cmd
}

func newLookupCmd() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:     "lookup EMAIL|LOGIN [--state FILE]",
		Short:   "Show what the state store knows of one person",
		Example: "  onboard lookup ann.lee@example.com",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sf.resolve(cmd); err != nil {
				return err
			}
			st, err := openStateReadOnly(sf.state)
			if err != nil {
				return fatal(err)
			}
			defer st.Close()
			people, err := st.Lookup(args[0])
			if err != nil {
				return fatal(err)
			}
			if len(people) == 0 {
				return &exitError{code: exitSomeFailed, err: fmt.Errorf("%s: not in %s", args[0], stores.Name(sf.state))}
			}
			// One short table line per person, the long parts (the host,
			// the dates) on an indented line under it: fits 100 columns.
			var table bytes.Buffer
			tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tPROVIDER\tSTATUS\tVENDOR ID\tRUN")
			for _, p := range people {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", p.Key, p.Provider, p.Status, p.VendorID, p.CreatedRun)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
			var b strings.Builder
			b.WriteString(strings.TrimRight(lines[0], " ") + "\n")
			for i, p := range people {
				b.WriteString(strings.TrimRight(lines[i+1], " ") + "\n")
				fmt.Fprintf(&b, "    first seen %s, last seen %s\n", p.FirstSeen.Local().Format(time.DateTime), p.LastSeen.Local().Format(time.DateTime))
				tenant := p.BaseURL
				if p.Tenant != "" {
					tenant += " [" + p.Tenant + "]"
				}
				fmt.Fprintf(&b, "    at %s\n", tenant)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), b.String())
			return err
		},
	}
	sf.register(cmd, "state store")
	return cmd
}

// writeHistory prints each run on one line of at most 100 columns (GONE:
// people the state store knows that the run's file did not hold), and its
// provider, input and outputs on a second, indented line: paths are long and
// wrap badly inside a table.
func writeHistory(w io.Writer, runs []state.Run, now time.Time) error {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tTOOK\tSTATUS\tROWS\tCREATED\tSKIPPED\tINVALID\tFAILED\tNOT SENT\tGONE")
	for _, r := range runs {
		c := r.Counts
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.ID, r.Started.Local().Format("2006-01-02 15:04"),
			took(r, now), r.Status, c.Rows, c.Created, c.Skipped, c.Invalid, c.Failed, c.NotAttempted, c.Missing)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i, r := range runs {
		b.WriteString(lines[i+1] + "\n")
		// Detail lines end in their path, so a long path wraps alone.
		who := r.Provider
		for _, n := range []struct {
			n    int
			what string
		}{{r.Counts.Recovered, "recovered"}, {r.Counts.Changed, "changed"}, {r.Counts.Updated, "updated"}, {r.Counts.Conflicts, "conflict"}} {
			if n.n > 0 {
				who += fmt.Sprintf(", %d %s", n.n, n.what)
			}
		}
		fmt.Fprintf(&b, "      %s: %s\n", who, r.File)
		if r.Results != "" {
			fmt.Fprintf(&b, "      results: %s\n", r.Results)
		}
		if r.FixFile != "" {
			fmt.Fprintf(&b, "      fix file: %s\n", r.FixFile)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// took is a run's duration: "-" for a crashed run (its end is unknown),
// the time so far for one still running.
func took(r state.Run, now time.Time) string {
	end := r.Ended
	switch {
	case r.Status == state.RunCrashed:
		return "-"
	case end.IsZero():
		end = now
	}
	d := end.Sub(r.Started)
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
