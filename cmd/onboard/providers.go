package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

func newProvidersCmd() *cobra.Command {
	var check, openapi, operation, output string
	cmd := &cobra.Command{
		Use:   "providers [PROVIDER | FILE]",
		Short: "List the vendors, or one vendor's fields; check a vendor file",
		Example: `  onboard providers
  onboard providers smarterproctoring
  onboard providers ./acme.yaml
  onboard providers --check ./acme.yaml
  onboard providers --from-openapi spec.yaml --operation AddUser -o acme.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if check != "" {
				return checkVendorFile(cmd.ErrOrStderr(), check)
			}
			if openapi != "" {
				return fromOpenAPI(cmd, openapi, operation, output)
			}
			if len(args) == 0 {
				return listProviders(out)
			}
			reg, err := providers.Lookup(args[0])
			if err != nil {
				return fatal(err)
			}
			return describe(out, reg)
		},
	}
	cmd.Flags().StringVar(&check, "check", "", "check a vendor file: every mistake as file:line:col, exit 2")
	cmd.Flags().StringVar(&openapi, "from-openapi", "", "write a starting vendor file from an OpenAPI 3 spec (with --operation)")
	cmd.Flags().StringVar(&operation, "operation", "", "the OpenAPI operationId of the create call")
	cmd.Flags().StringVarP(&output, "output", "o", "", "where --from-openapi writes (default: standard output)")
	return cmd
}

// checkVendorFile compiles a vendor file and prints each mistake on its
// own line, file:line:col first; nothing for a good file.
func checkVendorFile(stderr io.Writer, path string) error {
	if _, err := vendorfile.Load(path); err != nil {
		var p *vendorfile.Problems
		if errors.As(err, &p) {
			fmt.Fprintln(stderr, p.Error())
			return &exitError{code: exitFatal}
		}
		return fatal(err)
	}
	return nil
}

// layoutWidth is what the providers and lookup output fit in: a table of
// short columns, with the long parts (allowed values, aliases, rules) on
// their own indented lines, wrapped at word boundaries.
const layoutWidth = 100

func describe(out io.Writer, reg *providers.Registration) error {
	s := reg.Schema
	fmt.Fprintf(out, "%s: %s\n", reg.ID, reg.Title)
	host := "default host: " + reg.DefaultBaseURL
	if reg.DefaultBaseURL == "" && reg.BaseURLEnv != "" {
		host = "base URL: --base-url, or " + reg.BaseURLEnv + " (environment or --config); no default host"
	}
	fmt.Fprintf(out, "%s\ncredentials (environment or --config): %s\nunique key: %s\n",
		host, credentialWords(reg.Credentials), strings.Join(s.Key, ", then "))
	if reg.Rate > 0 {
		fmt.Fprintf(out, "documented rate: %g requests/s, burst %d (run's default; --rate overrides)\n", reg.Rate, max(reg.Burst, 1))
	}
	fmt.Fprintln(out)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tREQUIRED\tTYPE")
	for _, f := range s.Fields {
		req := ""
		if f.Required {
			req = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, req, f.Type)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i, f := range s.Fields {
		b.WriteString(strings.TrimRight(lines[i+1], " ") + "\n")
		if a := allowed(&f); a != "" {
			wrapTo(&b, "    allowed: ", a, layoutWidth)
		}
		if len(f.Aliases) > 0 {
			wrapTo(&b, "    aliases: ", strings.Join(f.Aliases, ", "), layoutWidth)
		}
	}
	if len(s.Rules) > 0 {
		b.WriteString("\nrules:\n")
		for _, r := range s.Rules {
			wrapTo(&b, "  - ", cmp.Or(r.Description, r.Name), layoutWidth)
		}
	}
	if s.Extra != "" {
		fmt.Fprintf(&b, "\ncolumns that match no field go into %s.\n", s.Extra)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// listProviders prints one line per vendor; credentials with
// alternatives that would pass 100 columns continue, aligned, below.
func listProviders(out io.Writer) error {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVENDOR API\t")
	ids := providers.Names()
	for _, id := range ids {
		reg, _ := providers.Lookup(id)
		fmt.Fprintf(tw, "%s\t%s\t\n", id, reg.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "CREDENTIALS (environment or --config)\n")
	for i, id := range ids {
		reg, _ := providers.Lookup(id)
		indent := strings.Repeat(" ", utf8.RuneCountInString(lines[i+1]))
		words := credentialWords(reg.Credentials)
		if reg.BaseURLEnv != "" && reg.DefaultBaseURL == "" {
			words += ", " + reg.BaseURLEnv // or --base-url
		}
		if utf8.RuneCountInString(lines[i+1]+words) <= layoutWidth {
			b.WriteString(lines[i+1] + words + "\n")
			continue
		}
		alts := strings.Split(words, ", or ")
		b.WriteString(lines[i+1] + alts[0] + "\n")
		for _, a := range alts[1:] {
			b.WriteString(indent + "or " + a + "\n")
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// credentialWords says a Registration's credentials for people:
// "ONBOARD_TOKEN, or ONBOARD_CLIENT_ID + ONBOARD_CLIENT_SECRET".
func credentialWords(specs []string) string {
	parts := make([]string, len(specs))
	for i, spec := range specs {
		alts := strings.Split(spec, "|")
		for j, a := range alts {
			alts[j] = strings.ReplaceAll(a, "+", " + ")
		}
		parts[i] = strings.Join(alts, ", or ")
	}
	return strings.Join(parts, ", ")
}

// wrapTo writes text after prefix, wrapped at word boundaries to width
// columns, continuation lines indented under the text. A word longer than
// the line (a pattern) goes on a line of its own.
func wrapTo(b *strings.Builder, prefix, text string, width int) {
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	line := prefix
	fresh := true
	for _, w := range strings.Fields(text) {
		if !fresh && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			b.WriteString(line + "\n")
			line, fresh = indent, true
		}
		if !fresh {
			line += " "
		}
		line += w
		fresh = false
	}
	b.WriteString(line + "\n")
}

func allowed(f *schema.Field) string {
	var parts []string
	if len(f.Enum) > 0 {
		parts = append(parts, strings.Join(f.Enum, " | "))
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
