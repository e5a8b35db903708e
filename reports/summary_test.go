package reports

import (
	"testing"
	"time"

	"github.com/onboard/onboard/batch"
	"github.com/stretchr/testify/assert"
)

func TestSummaryLine(t *testing.T) {
	validate := batch.NewSummary("validate", "acme", "in.csv")
	validate.RowsRead = 120
	validate.ByStatus = map[batch.Status]int{batch.Valid: 112, batch.Invalid: 8}
	validate.ByCode = map[string]int{"INVALID_ENUM": 3, "MISSING_REQUIRED": 5}

	clean := batch.NewSummary("validate", "acme", "in.csv")
	clean.RowsRead = 2
	clean.ByStatus = map[batch.Status]int{batch.Valid: 2}

	run := batch.NewSummary("run", "acme", "in.csv")
	run.Start = testStart
	run.End = testStart.Add(4 * time.Second)
	run.RowsRead = 10
	run.Requests = 9
	run.ByStatus = map[batch.Status]int{batch.Created: 7, batch.Failed: 1, batch.Invalid: 2}
	run.ByCode = map[string]int{"VENDOR_ERROR": 1, "MISSING_REQUIRED": 2}

	tests := []struct {
		name string
		s    *batch.Summary
		want string
	}{
		{"validate", validate, "validate: 120 rows read, 112 valid, 8 invalid (MISSING_REQUIRED 5, INVALID_ENUM 3)"},
		{"clean validate", clean, "validate: 2 rows read, 2 valid, 0 invalid"},
		{"run", run, "run: 10 rows read, 7 created, 0 skipped, 2 invalid, 1 failed, 0 not_attempted (MISSING_REQUIRED 2, VENDOR_ERROR 1); 9 requests in 4s (2.25/s)"},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SummaryLine(tt.s))
		})
	}
}

func TestStatusLinesAddsUnusualStatuses(t *testing.T) {
	s := batch.NewSummary("run", "", "")
	s.ByStatus[batch.Valid] = 3 // a status run does not usually count
	got := statusLines(s)
	assert.Equal(t, line{"valid", 3}, got[len(got)-1])
	assert.Len(t, got, len(runStatuses)+1)
}

func TestStopWordsAndNextStep(t *testing.T) {
	s := batch.NewSummary("run", "smartapp", "in.csv")
	s.ByStatus = map[batch.Status]int{batch.Created: 3, batch.Skipped: 2, batch.NotAttempted: 5}
	tests := []struct{ stop, code, words, next string }{
		{"done", "", "finished: every row has its status", ""},
		{"interrupted", "", "stopped early after the requests in flight finished (Ctrl-C or SIGTERM)", "run the same command again to send the rest; the 5 already created will be skipped"},
		{"interrupted", "--max-creates", "stopped early after the requests in flight finished (the --max-creates limit)", "run the same command again to send the rest; the 5 already created will be skipped"},
		{"licences", "LICENSE_EXHAUSTED", "the vendor's licences are used up (LICENSE_EXHAUSTED)", "free licences or buy more at the vendor, then run the same command again; the 5 already created will be skipped"},
		{"auth_failed", "AUTH_FAILED", "the vendor refused the credentials (AUTH_FAILED)", "check the smartapp credentials (see 'onboard providers smartapp'), then run the same command again; the 5 already created will be skipped"},
	}
	for _, tt := range tests {
		s.Stop, s.StopCode = tt.stop, tt.code
		assert.Equal(t, tt.words, StopWords(s), tt.stop)
		assert.Equal(t, tt.next, NextStep(s), tt.stop)
	}
}
