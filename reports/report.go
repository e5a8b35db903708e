package reports

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onboard/onboard/batch"
)

// Report is the morning report: one file's outcome as one JSON line, the
// same for `run --json` and `watch`. Paths are as the run was given them.
type Report struct {
	File     string         `json:"file"`
	Provider string         `json:"provider"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Status   string         `json:"status"` // done, an early stop, failed (never ran), same_file (not run again), queued (watch --queue)
	Rows     int            `json:"rows"`
	Counts   map[string]int `json:"counts"`
	// NewInvalid and StillInvalid compare the invalid rows with the
	// previous run of the same scope; nil without a state store.
	NewInvalid   *int   `json:"new_invalid"`
	StillInvalid *int   `json:"still_invalid"`
	RateLimited  int    `json:"rate_limited"`
	Retries      int    `json:"retries"`
	Results      string `json:"results,omitempty"`
	FixFile      string `json:"fix_file,omitempty"`
	Archived     string `json:"archived,omitempty"` // watch: where the input file went
	Job          int64  `json:"job,omitempty"`      // watch --queue: the job a worker runs
	Error        string `json:"error,omitempty"`
	Next         string `json:"next,omitempty"` // what to do next, in words
	// Day two. Changed: onboarded people whose values changed (updated or
	// not); Updated and Conflict: rows of those statuses. Missing: people
	// who went missing now (listed once, in MissingList); StillMissing:
	// listed before and not seen since (counted, not listed). Both null
	// when not checked (no state store, a fix file, --partial, the file
	// not read to its end; watch: until the night's drop is complete),
	// MissingNote says why.
	Changed      int    `json:"changed"`
	Updated      int    `json:"updated"`
	Conflict     int    `json:"conflict"`
	Missing      *int   `json:"missing"`
	StillMissing *int   `json:"still_missing"`
	MissingNote  string `json:"missing_note,omitempty"`
	MissingList  string `json:"missing_list,omitempty"`
	// Kind is "" for a file's report, "night" for watch's end-of-night
	// report of the missing people over the night's whole drop.
	Kind string `json:"kind,omitempty"`
}

// DayTwo fills the day-two counts from a run's Summary. The missing list
// is where a results sheet at r.Results keeps it: its Missing sheet, or
// the -missing.csv beside CSV results.
func (r *Report) DayTwo(s *batch.Summary) {
	r.Changed, r.Updated, r.Conflict = s.Changed, s.ByStatus[batch.Updated], s.ByStatus[batch.Conflict]
	r.MissingNote = s.MissingNote
	if !s.MissingChecked {
		return
	}
	r.Missing, r.StillMissing = new(int), new(int)
	*r.Missing, *r.StillMissing = s.Missing, s.StillMissing
	switch {
	case r.Results == "" || s.Missing == 0:
	case strings.EqualFold(filepath.Ext(r.Results), ".csv"):
		r.MissingList = MissingPath(r.Results)
	default:
		r.MissingList = r.Results + " (sheet Missing)"
	}
}

// NewReport fills a Report from a run's Summary.
func NewReport(s *batch.Summary) *Report {
	r := &Report{File: s.Input, Provider: s.Provider, Start: s.Start.UTC(), End: s.End.UTC(),
		Status: cmp.Or(s.Stop, "done"), Rows: s.RowsRead, Counts: map[string]int{},
		RateLimited: s.RateLimited, Retries: s.Retries, Next: NextStep(s)}
	for _, l := range statusLines(s) {
		r.Counts[l.label] = l.value.(int)
	}
	return r
}

// Text is the report as a person reads it: the first line of a Slack or
// Teams message, and the watcher's log.
func (r *Report) Text() string {
	var b strings.Builder
	if r.Kind == "night" {
		fmt.Fprintf(&b, "onboard %s: the night's drop in %s is complete", r.Provider, r.File)
		if r.Error != "" {
			fmt.Fprintf(&b, "; the missing people could not be listed: %s", r.Error)
		}
		if r.Missing != nil {
			fmt.Fprintf(&b, "\nmissing: %d newly missing", *r.Missing)
			if r.MissingList != "" {
				fmt.Fprintf(&b, " (listed in %s)", r.MissingList)
			}
			fmt.Fprintf(&b, ", %d still missing (listed before)", *r.StillMissing)
		}
		if r.Next != "" {
			fmt.Fprintf(&b, "\nnext: %s", r.Next)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "onboard %s: %s — %s", r.Provider, r.File, r.Status)
	if r.Error != "" {
		fmt.Fprintf(&b, ": %s", r.Error)
	}
	if r.Rows > 0 || r.Status != "failed" {
		var parts []string
		for _, st := range runStatuses {
			parts = append(parts, fmt.Sprintf("%d %s", r.Counts[string(st)], st))
		}
		for _, k := range slices.Sorted(maps.Keys(r.Counts)) {
			if r.Counts[k] > 0 && !slices.Contains(runStatuses, batch.Status(k)) {
				parts = append(parts, fmt.Sprintf("%d %s", r.Counts[k], k))
			}
		}
		fmt.Fprintf(&b, "\n%d rows: %s", r.Rows, strings.Join(parts, ", "))
	}
	if r.Changed+r.Updated+r.Conflict > 0 {
		fmt.Fprintf(&b, "\nday two: %d changed, %d updated, %d conflict", r.Changed, r.Updated, r.Conflict)
	}
	if r.Missing != nil {
		fmt.Fprintf(&b, "\nmissing: %d newly missing", *r.Missing)
		if r.MissingList != "" {
			fmt.Fprintf(&b, " (listed in %s)", r.MissingList)
		}
		fmt.Fprintf(&b, ", %d still missing (listed before)", *r.StillMissing)
	} else if r.MissingNote != "" {
		fmt.Fprintf(&b, "\nmissing: %s", r.MissingNote)
	}
	if r.NewInvalid != nil && *r.NewInvalid+*r.StillInvalid > 0 {
		fmt.Fprintf(&b, "\ninvalid: %d new, %d already invalid last run", *r.NewInvalid, *r.StillInvalid)
	}
	if r.RateLimited > 0 || r.Retries > 0 {
		fmt.Fprintf(&b, "\n%d rate-limited answers (429), %d retries", r.RateLimited, r.Retries)
	}
	if r.Results != "" {
		fmt.Fprintf(&b, "\nresults: %s", r.Results)
	}
	if r.FixFile != "" {
		fmt.Fprintf(&b, "\nfix file: %s", r.FixFile)
	}
	if r.Next != "" {
		fmt.Fprintf(&b, "\nnext: %s", r.Next)
	}
	return b.String()
}

// stopWords say why a run stopped, for the Summary sheet.
var stopWords = map[string]string{
	"done":        "finished: every row has its status",
	"interrupted": "stopped early after the requests in flight finished",
	"auth_failed": "the vendor refused the credentials",
	"licences":    "the vendor's licences are used up",
	"breaker":     "the breaker stopped it: the latest requests all failed the same way",
	"aborted":     "aborted before every row had its status",
}

// StopWords says why the run stopped, in words.
func StopWords(s *batch.Summary) string {
	stop := cmp.Or(s.Stop, "done")
	w := cmp.Or(stopWords[stop], stop)
	switch {
	case stop == "interrupted" && s.StopCode == "":
		w += " (Ctrl-C or SIGTERM)"
	case stop == "interrupted":
		w += " (the " + s.StopCode + " limit)"
	case s.StopCode != "" && stop != "done":
		w += " (" + s.StopCode + ")"
	}
	return w
}

// NextStep says what to do after the run, or "" when nothing is left:
// one step, right for the cause. After an early stop it is the stop's own
// (fix the cause, run the same command again: the state store skips who
// is done, and the rows not sent go then); rows not sent are never "to
// fix". After a finished run it is the fix file, naming what is in it.
func NextStep(s *batch.Summary) string {
	created, skipped := s.ByStatus[batch.Created], s.ByStatus[batch.Skipped]
	done := created + skipped + s.ByStatus[batch.Adopted]
	again, skip := "run the same command again", ""
	switch {
	case done > 0 && s.Settings["state"] == "off":
		again = "run the fix file (--failed-out), not the same roster"
		skip = fmt.Sprintf("; without a state store the %d created would be sent again", done)
	case done > 0:
		skip = fmt.Sprintf("; the %d already created will be skipped", done)
	}
	switch cmp.Or(s.Stop, "done") {
	case "auth_failed":
		return fmt.Sprintf("check the %s credentials (see 'onboard providers %s'), then %s%s", s.Provider, s.Provider, again, skip)
	case "licences":
		return "free licences or buy more at the vendor, then " + again + skip
	case "breaker":
		return "the vendor answered every recent request with the same error: fix its cause (see the results sheet's codes), then " + again + skip
	case "interrupted", "aborted":
		return again + " to send the rest" + skip
	}
	var parts []string
	if n := s.ByStatus[batch.Invalid]; n > 0 {
		parts = append(parts, rows(n, "invalid row"))
	}
	if n := s.ByStatus[batch.Conflict]; n > 0 {
		parts = append(parts, rows(n, "conflict")+" (decide who the person is: the message names who holds the key or identity)")
	}
	if n := s.ByStatus[batch.Failed]; n > 0 {
		parts = append(parts, rows(n, "row")+" failed at the vendor (see the codes)")
	}
	if len(parts) == 0 {
		return ""
	}
	return "the fix file lists " + strings.Join(parts, ", ") + ", each with its reason: fix them and run the fix file"
}

// rows is "1 invalid row" or "n invalid rows".
func rows(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
