package reports

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/onboard/onboard/batch"
)

// Statuses each command always reports, even at zero, in this order.
var (
	validateStatuses = []batch.Status{batch.Valid, batch.Invalid}
	runStatuses      = []batch.Status{batch.Created, batch.Skipped, batch.Invalid, batch.Failed, batch.NotAttempted}
)

func statusesFor(command string) []batch.Status {
	if command == "validate" {
		return validateStatuses
	}
	return runStatuses
}

// SummaryLine is the one-line summary cmd prints on stderr, e.g.
// "validate: 120 rows read, 112 valid, 8 invalid (MISSING_REQUIRED 5, INVALID_ENUM 3)".
// A run adds its requests, duration and achieved rate. Codes are listed
// most frequent first. It returns "" for a nil summary.
func SummaryLine(s *batch.Summary) string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	command := cmp.Or(s.Command, "run")
	fmt.Fprintf(&b, "%s: %d rows read", command, s.RowsRead)
	if s.HeaderRow > 0 {
		fmt.Fprintf(&b, " (header in row %d)", s.HeaderRow)
	}
	for _, l := range statusLines(s) {
		fmt.Fprintf(&b, ", %d %s", l.value, l.label)
	}
	if s.WarnedRows > 0 {
		fmt.Fprintf(&b, ", %d with warnings", s.WarnedRows)
	}
	if codes := countLines(s.ByCode); len(codes) > 0 {
		parts := make([]string, len(codes))
		for i, l := range codes {
			parts[i] = fmt.Sprintf("%s %d", l.label, l.value)
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if command != "validate" {
		if s.Changed > 0 {
			fmt.Fprintf(&b, "; %d changed since last sent", s.Changed)
		}
		if s.MissingChecked && s.Missing > 0 {
			fmt.Fprintf(&b, "; %d newly missing from the file (see the Missing list)", s.Missing)
		}
		if s.MissingChecked && s.StillMissing > 0 {
			fmt.Fprintf(&b, "; %d still missing (listed before)", s.StillMissing)
		}
		fmt.Fprintf(&b, "; %d requests in %s (%.2f/s)", s.Requests, duration(s), s.Rate())
	}
	return b.String()
}

// missingWords is the Summary's missing count, or why there is none.
func missingWords(s *batch.Summary) any {
	if !s.MissingChecked {
		return cmp.Or(s.MissingNote, "not checked (no state store, or the file was not read to its end)")
	}
	return s.Missing
}

// stillMissingWords is the Summary's still-missing count.
func stillMissingWords(s *batch.Summary) any {
	if !s.MissingChecked {
		return "not checked"
	}
	return s.StillMissing
}

// statusLines counts the command's usual statuses (zeros included), then
// any other status that occurred, sorted by name.
func statusLines(s *batch.Summary) []line {
	always := statusesFor(s.Command)
	var out []line
	for _, st := range always {
		out = append(out, line{string(st), s.ByStatus[st]})
	}
	for _, st := range slices.Sorted(maps.Keys(s.ByStatus)) {
		if !slices.Contains(always, st) && s.ByStatus[st] > 0 {
			out = append(out, line{string(st), s.ByStatus[st]})
		}
	}
	return out
}

// countLines lists m's non-zero counts, most frequent first, then by name.
func countLines(m map[string]int) []line {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	var out []line
	for _, k := range keys {
		if m[k] > 0 {
			out = append(out, line{k, m[k]})
		}
	}
	return out
}

func duration(s *batch.Summary) time.Duration {
	return s.End.Sub(s.Start).Round(time.Millisecond)
}

func warningLines(s *batch.Summary) []line {
	out := make([]line, len(s.Warnings))
	for i, w := range s.Warnings {
		out[i] = line{label: w}
	}
	return out
}

// noticeSection lists the summary's notices, or nothing when there are
// none (a notice is not a problem: no "(none)" line for it).
func noticeSection(s *batch.Summary) []section {
	if len(s.Notices) == 0 {
		return nil
	}
	out := make([]line, len(s.Notices))
	for i, n := range s.Notices {
		out[i] = line{label: n}
	}
	return []section{{"Notices", out}}
}

// identityLines say what ran on what; command is the default for an
// unset Command.
func identityLines(s *batch.Summary, command string) []line {
	return []line{{"Command", cmp.Or(s.Command, command)}, {"Provider", s.Provider}, {"Input", s.Input}}
}

// warnedSections count the rows with warnings and the warnings by code,
// when there are any.
func warnedSections(s *batch.Summary) []section {
	if s.WarnedRows == 0 {
		return nil
	}
	return []section{{"Row warnings", append([]line{{"Rows with warnings", s.WarnedRows}}, countLines(s.ByWarning)...)}}
}

// headerLines say which row held the header, when known, and what
// stopped reading part way.
func headerLines(s *batch.Summary) []line {
	var out []line
	if s.Sheet != "" {
		out = append(out, line{"Sheet", s.Sheet})
	}
	if s.HeaderRow > 0 {
		out = append(out, line{"Header row", s.HeaderRow})
	}
	if s.ReadError != "" {
		out = append(out, line{"Reading stopped", s.ReadError})
	}
	return out
}

// validationSections is the validate report's Summary sheet.
func validationSections(s *batch.Summary) []section {
	if s == nil {
		return nil
	}
	head := append(identityLines(s, "validate"), headerLines(s)...)
	head = append(head, line{"Rows read", s.RowsRead})
	out := []section{
		{"Validation", append(head, statusLines(s)...)},
		{"Problems by code", countLines(s.ByCode)},
		{"Problems by field", countLines(s.ByField)},
	}
	out = append(out, warnedSections(s)...)
	out = append(out, section{"Warnings", warningLines(s)})
	return append(out, noticeSection(s)...)
}

// resultsSections is the results sheet's Summary sheet.
func resultsSections(s *batch.Summary) []section {
	if s == nil {
		return nil
	}
	run := append(identityLines(s, "run"), []line{
		{"Start", s.Start.Format(time.RFC3339)},
		{"End", s.End.Format(time.RFC3339)},
		{"Duration", duration(s).String()},
	}...)
	run = append(run, headerLines(s)...)
	run = append(run, []line{
		{"Rows read", s.RowsRead},
		{"Requests sent", s.Requests},
		{"Achieved rate (requests/s)", math.Round(s.Rate()*100) / 100},
		{"Skipped as already onboarded", s.Skipped},
		{"Recovered unknown outcomes", s.Recovered},
		{"Changed since last sent (already onboarded)", s.Changed},
		{"Newly missing from this file (listed on the Missing sheet)", missingWords(s)},
		{"Still missing (listed by an earlier run, not seen since)", stillMissingWords(s)},
		{"Rate-limited answers (429)", s.RateLimited},
		{"Retries", s.Retries},
		{"Stopped", StopWords(s)},
		{"Next step", cmp.Or(NextStep(s), "nothing: every row is done")},
	}...)
	settings := make([]line, 0, len(s.Settings))
	for _, k := range slices.Sorted(maps.Keys(s.Settings)) {
		settings = append(settings, line{k, s.Settings[k]})
	}
	out := []section{
		{"Run", run},
		{"Rows by status", statusLines(s)},
		{"Problems by code", countLines(s.ByCode)},
		{"Problems by field", countLines(s.ByField)},
	}
	out = append(out, warnedSections(s)...)
	out = append(out, section{"Settings", settings}, section{"Warnings", warningLines(s)})
	return append(out, noticeSection(s)...)
}
