package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Usage errors in onboard's own words: cobra and pflag speak of arg(s),
// strconv.ParseFloat and shorthand flags; a person needs what was wrong
// and what to type instead.

// usageError is a mistake on the command line (exit 2), with the pointer to
// the command's --help added once.
type usageError struct {
	cmd *cobra.Command
	msg string
}

func (e *usageError) Error() string {
	sep := ". "
	if strings.HasSuffix(e.msg, "?") {
		sep = " "
	}
	return fmt.Sprintf("%s%sSee '%s --help'.", e.msg, sep, e.cmd.CommandPath())
}

func usagef(cmd *cobra.Command, format string, a ...any) error {
	return &exitError{code: exitFatal, err: &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}}
}

// argSpec is what a command takes after its flags.
type argSpec struct {
	min, max int
	what     string // "the roster file (INPUT)"
}

var argSpecs = map[string]argSpec{
	"validate":  {1, 1, "the roster file (INPUT)"},
	"run":       {1, 1, "the roster file (INPUT)"},
	"plan":      {1, 1, "the roster file (INPUT)"},
	"lookup":    {1, 1, "the person's email or login (EMAIL|LOGIN)"},
	"providers": {0, 1, "a provider id"},
	"template":  {0, 0, ""},
	"history":   {0, 0, ""},
	"demo":      {0, 0, ""},
	"simulate":  {0, 0, ""},
	"version":   {0, 0, ""},
}

// valueWords says what a flag takes, by name; other flags by type.
var valueWords = map[string]string{
	"rate":       "a number of requests per second",
	"rate-limit": "a number of requests per second",
	"burst":      "a whole number of requests",
	"workers":    "a whole number of requests in flight",
	"retries":    "a whole number of retries",
	"limit":      "a whole number of runs",
	"fail-rate":  "a share between 0 and 1",
	"drop-rate":  "a share between 0 and 1",
	"licences":   "a whole number of licences",
}

var typeWords = map[string]string{
	"float64":  "a number",
	"float32":  "a number",
	"int":      "a whole number",
	"int64":    "a whole number",
	"int32":    "a whole number",
	"uint":     "a whole number, 0 or more",
	"uint64":   "a whole number, 0 or more",
	"bool":     "true or false",
	"duration": "a length of time such as 30s, 2m or 1h",
}

// friendlyCommands installs onboard's wording on root and every command
// under it: flag errors, argument counts and unknown commands.
func friendlyCommands(root *cobra.Command) {
	root.SetFlagErrorFunc(flagError)
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return usagef(cmd, "unknown command %q%s The commands are %s", args[0],
			hintCommand(args[0], root), strings.Join(commandNames(root), ", "))
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	for _, c := range root.Commands() {
		if spec, ok := argSpecs[c.Name()]; ok {
			c.Args = checkArgs(spec)
		} else if c.Args != nil {
			c.Args = wrapArgs(c.Args)
		}
	}
}

// wrapArgs keeps a command's own argument check and rewords its error.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usagef(cmd, "wrong arguments %s: use %s", quoteList(args), cmd.UseLine())
		}
		return nil
	}
}

func checkArgs(spec argSpec) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < spec.min:
			return usagef(cmd, "missing %s", spec.what)
		case len(args) <= spec.max:
			return nil
		case spec.max == 0:
			return usagef(cmd, "'%s' takes no arguments, got %s (a flag's value needs its flag, e.g. -o FILE)",
				cmd.CommandPath(), quoteList(args))
		case spec.min == 1 && spec.max == 1 && strings.HasSuffix(spec.what, "(INPUT)"):
			return usagef(cmd, "expected one roster file (INPUT), got %d: %s (one file per run; quote a path with spaces)",
				len(args), quoteList(args))
		case spec.max == 1:
			return usagef(cmd, "expected at most one argument, %s, got %d: %s", spec.what, len(args), quoteList(args))
		}
		return usagef(cmd, "expected at most %d arguments, got %d: %s", spec.max, len(args), quoteList(args))
	}
}

func quoteList(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}

func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && c.Name() != "completion" && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	return names
}

func hintCommand(word string, root *cobra.Command) string {
	if c := schema.Closest(word, commandNames(root)); c != "" {
		return ": did you mean " + c + "?"
	}
	return "."
}

// flagError rewrites pflag's parse errors.
func flagError(cmd *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		name, group := notExist.GetSpecifiedName(), notExist.GetSpecifiedShortnames()
		if group != "" {
			// "-rate": one dash makes r, a, t, e shorthand flags.
			if f := cmd.Flags().Lookup(group); f != nil {
				return usagef(cmd, "unknown flag -%s: did you mean --%s? (long flags take two dashes)", group, f.Name)
			}
			return usagef(cmd, "unknown flag -%s%s", name, inGroup(name, group))
		}
		return usagef(cmd, "unknown flag --%s%s", name, hintFlag(cmd, name))
	case errors.As(err, &noValue):
		f := noValue.GetFlag()
		return usagef(cmd, "%s needs a value: %s", flagName(f), words(f))
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return usagef(cmd, "%s must be %s, got %s", flagName(f), words(f), invalid.GetValue())
	case errors.As(err, &syntax):
		return usagef(cmd, "cannot read %s as a flag", syntax.GetSpecifiedFlag())
	}
	return usagef(cmd, "%v", err)
}

func inGroup(name, group string) string {
	if group == name {
		return ""
	}
	return " in -" + group
}

func hintFlag(cmd *cobra.Command, name string) string {
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if c := schema.Closest(name, names); c != "" {
		return ": did you mean --" + c + "?"
	}
	return ""
}

// flagName is how the person probably typed the flag.
func flagName(f *pflag.Flag) string {
	return "--" + f.Name
}

func words(f *pflag.Flag) string {
	if w, ok := valueWords[f.Name]; ok {
		return w
	}
	if w, ok := typeWords[f.Value.Type()]; ok {
		return w
	}
	if f.Usage != "" {
		return f.Usage
	}
	return "a value"
}

// requiredFlagError names the required flags that are missing; cobra's own
// message is `required flag(s) "output" not set`.
func requiredFlagError(cmd *cobra.Command) error {
	var missing []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if req, ok := f.Annotations[cobra.BashCompOneRequiredFlag]; ok && len(req) > 0 && req[0] == "true" && !f.Changed {
			missing = append(missing, f.Name)
		}
	})
	if len(missing) == 0 {
		return nil
	}
	// The provider first: it is what the rest depends on.
	rank := func(name string) int {
		if name == "provider" {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(missing, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	var parts []string
	for _, name := range missing {
		f := cmd.Flags().Lookup(name)
		what := f.Usage
		if name == "provider" {
			what = "the vendor id, one of " + strings.Join(providers.Names(), ", ")
		}
		short := ""
		if f.Shorthand != "" {
			short = " (-" + f.Shorthand + ")"
		}
		parts = append(parts, fmt.Sprintf("--%s%s: %s", name, short, what))
	}
	return usagef(cmd, "missing %s", strings.Join(parts, "; missing "))
}
