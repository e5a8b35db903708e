package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/batch"
)

// planColumns come before the roster's own columns in the plan sheet.
var planColumns = []string{"row", "plan", "id", "code", "message", "lookups"}

// NewPlan returns the plan sheet written to path: XLSX or CSV by its
// extension. One row per roster row, in roster order: row, plan (the
// decision), id (the vendor's, when known), code, message, lookups (the
// plan's own requests for the row), then the roster's own columns with
// secrets masked. XLSX adds a Summary sheet with the totals, the API calls
// a run would make and how long they would take: est is read at Close,
// so the caller fills it in after planning. CSV cells are formula-guarded
// and start with a UTF-8 BOM unless noBOM.
func NewPlan(path string, header []string, est *batch.PlanEstimate, noBOM bool) (batch.Sink, error) {
	f, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	l := xlsxLayout{
		sheet:   "Plan",
		header:  append(ownColumns(planColumns, header), header...),
		widths:  widths([]float64{8, 18, 24, 20, 60, 9}, header),
		numeric: []bool{0: true, 5: true},
		bom:     !noBOM,
	}
	t, err := openTable(path, f, l, ',', true)
	if err != nil {
		return nil, err
	}
	p := &planSheet{mask: newMasker(header)}
	return &tableSink{path: path, t: t, rows: p.rows, sections: func(s *batch.Summary) []section {
		return planSections(s, est)
	}}, nil
}

type planSheet struct {
	mask  masker
	cells []string
	tones []tone
}

func (p *planSheet) rows(o *batch.Outcome, emit emitFunc) error {
	var codes, msgs []string
	for _, pr := range o.Problems {
		if pr.Code != "" {
			codes = append(codes, pr.Code)
		}
		m := pr.Message
		if pr.Field != "" && m != "" {
			m = pr.Field + ": " + m
		}
		if m != "" {
			msgs = append(msgs, m)
		}
	}
	p.cells = append(p.cells[:0], strconv.Itoa(o.Line), string(o.Status), o.ID, strings.Join(codes, "; "),
		withNote(strings.Join(msgs, "; "), o.Note), strconv.Itoa(o.Attempts))
	for i := range p.mask.width {
		p.cells = append(p.cells, p.mask.cell(o.Cells, i))
	}
	p.tones = append(p.tones[:0], make([]tone, len(p.cells))...)
	p.tones[1] = planTone(o.Status)
	return emit(p.cells, p.tones)
}

// planTone colours a decision: green goes ahead, grey-blue needs nothing,
// orange needs a person.
func planTone(s batch.Status) tone {
	switch s {
	case batch.PlanCreate:
		return toneCreated
	case batch.PlanAlreadyOnboarded, batch.PlanExistsAtVendor:
		return toneSkipped
	case batch.Invalid, batch.PlanConflict:
		return toneInvalid
	case batch.PlanChanged:
		return toneNotAttempted
	}
	return plain
}

// planSections is the plan's Summary sheet.
func planSections(s *batch.Summary, est *batch.PlanEstimate) []section {
	if s == nil {
		return nil
	}
	head := append(identityLines(s, "plan"), line{"Rows read", s.RowsRead})
	var totals []line
	for _, st := range batch.PlanDecisions {
		totals = append(totals, line{string(st), s.ByStatus[st]})
	}
	var cost []line
	if est != nil {
		cost = []line{
			{"API calls a run would make", est.Calls},
			{"Estimated run time", EstimateWords(est)},
			{"Rate", rateWords(est.Rate)},
			{"Workers", est.Workers},
			{"Lookups sent by this plan", est.Lookups},
			{"Lookups that failed", est.LookupFailures},
			{"Mean lookup answer time", est.MeanLatency.Round(time.Millisecond).String()},
		}
	}
	return []section{
		{"Plan", head},
		{"Rows by decision", totals},
		{"Cost of a run", cost},
		{"Problems by code", countLines(s.ByCode)},
		{"Warnings", warningLines(s)},
	}
}

// PlanLines are what cmd prints for a plan: the totals per decision, then
// the cost of a run.
func PlanLines(s *batch.Summary, est *batch.PlanEstimate) []string {
	out := []string{fmt.Sprintf("plan: %d rows read", s.RowsRead)}
	for _, st := range batch.PlanDecisions {
		out = append(out, fmt.Sprintf("  %-18s %d", st, s.ByStatus[st]))
	}
	if est != nil {
		out = append(out, fmt.Sprintf("a run would make %d API calls: %s (rate %s, %d workers)",
			est.Calls, EstimateWords(est), rateWords(est.Rate), est.Workers))
		if est.LookupFailures > 0 {
			out = append(out, fmt.Sprintf("%d lookups failed: those rows are planned as create (see their message)", est.LookupFailures))
		}
	}
	return out
}

// EstimateWords says how long a run would take.
func EstimateWords(est *batch.PlanEstimate) string {
	switch {
	case est.Calls == 0:
		return "nothing to send"
	case est.Rate <= 0 && est.MeanLatency == 0:
		return "unknown at an unlimited rate without lookups (the vendor's answer time decides)"
	}
	d := est.Duration
	if d < time.Second {
		return "under a second"
	}
	return "about " + d.Round(time.Second).String()
}

func rateWords(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%g/s", r)
}
