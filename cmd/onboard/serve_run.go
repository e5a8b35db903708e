package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
)

// planView is `onboard plan`'s totals for the page.
type planView struct {
	Offline   bool // from the state store alone, the vendor not asked
	Conflicts int
	Counts    []codeCount
	Lines     []string
	Error     string
}

func (s *server) planPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mapper == nil {
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	}
	var pv *planView
	if j.plan != nil && j.planSeq == j.meta.EditSeq {
		pv = j.plan // the last plan, while no cell changed since: a reload keeps it
	} else if j.lastPlan != nil && j.lastPlan.Error != "" {
		pv = j.lastPlan // why the last plan failed
	}
	s.renderPlan(w, j, pv)
}

func (s *server) renderPlan(w http.ResponseWriter, j *job, pv *planView) {
	_, canUpdate := s.updater(j)
	// Asking the vendor is one lookup per row at --rate; the plan belongs
	// to the server like a run, so it is offered ticked however long that
	// takes, its time said.
	ask, askTime := true, ""
	if rate := s.f.submit.Rate; rate > 0 {
		d := time.Duration(float64(len(j.rows)) / rate * float64(time.Second))
		askTime = "about " + d.Round(time.Second).String()
	}
	if pv != nil {
		ask = !pv.Offline
	}
	if j.planning && (pv == nil || pv.Error == "") {
		pv = nil // the plan being made shows instead of the last one
	}
	s.render(w, "plan.html", map[string]any{"Title": "Plan and confirm", "Job": j.meta, "Plan": pv, "Step": "plan",
		"Summary": j.summary(), "CanUpdate": canUpdate, "Running": j.busy(), "Ask": ask, "AskTime": askTime,
		"Planning": j.planning, "Planned": j.planRows, "Rows": len(j.rows)})
}

// updater says whether the vendor documents an update call.
func (s *server) updater(j *job) (string, bool) {
	c, err := j.reg.New(providers.Config{BaseURL: "http://127.0.0.1", Credentials: map[string]string{}})
	if err != nil {
		// Without credentials some clients refuse to be built; ask a
		// simulator's instead (the same client type).
		sim := j.reg.Simulator
		if sim == nil {
			return "", false
		}
		srv := sim(simDefault)
		c, err = j.reg.New(providers.Config{BaseURL: "http://127.0.0.1", Credentials: srv.Credentials})
		if err != nil {
			return "", false
		}
	}
	_, ok := c.(providers.Updater)
	return j.reg.ID, ok
}

// makePlan starts `onboard plan` for the job in the server, not in the
// request (the same function, its choices taken from the form): a closed
// tab or a reload does not lose it, and the Plan step shows how far it
// has got until its totals show. A second plan of the job while one is
// being made is refused.
func (s *server) makePlan(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	if j.mapper == nil {
		j.mu.Unlock()
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/map", http.StatusSeeOther)
		return
	}
	if j.planning || j.busy() {
		defer j.mu.Unlock()
		w.WriteHeader(http.StatusConflict)
		s.renderPlan(w, j, &planView{Error: "a plan or a run of this job is under way; wait for it"})
		return
	}
	existing := r.FormValue("existing")
	if _, err := parseExisting(existing); err != nil {
		defer j.mu.Unlock()
		s.renderPlan(w, j, &planView{Error: "choose what to do with people the vendor already has"})
		return
	}
	j.meta.Existing, j.meta.Update = existing, r.FormValue("update") == "on"
	input, _, err := j.runInput()
	if err != nil {
		defer j.mu.Unlock()
		s.renderPlan(w, j, &planView{Error: err.Error()})
		return
	}
	pf := &planFlags{in: j.inputFlags(), simulate: j.meta.Simulate, baseURL: s.f.baseURL, config: s.f.config,
		stateFile: s.statePath, quiet: true, timeout: s.f.timeout, existing: existing, update: j.meta.Update, submit: s.f.submit, sims: s.sims}
	pf.submit.Breaker, pf.submit.MaxCreates, pf.submit.MaxFailures = 0, 0, 0
	if r.FormValue("ask") != "on" || (!pf.simulate && !s.vendorReady(j.reg)) {
		pf.offline, pf.simulate = true, false // the state store alone: no lookups at the vendor's rate
		if j.meta.Simulate {
			// The records of this job's simulated vendor: a simulated
			// run keeps them under the simulator's scope, whatever its port.
			pf.baseURL = simulatedBaseURL(j.reg.ID)
		}
	}
	done := s.beginPlan(j, pf, input)
	j.mu.Unlock()
	// A short plan shows at once; a long one shows its progress.
	t := time.NewTimer(s.planWait)
	defer t.Stop()
	select {
	case <-done:
		j.mu.Lock()
		defer j.mu.Unlock()
		s.renderPlan(w, j, j.lastPlan)
	case <-t.C:
		http.Redirect(w, r, "/jobs/"+j.meta.ID+"/plan", http.StatusSeeOther)
	case <-r.Context().Done():
	}
}

// beginPlan makes the plan in a goroutine of the server's; the job's lock
// is held. Edits, the mapping and Start wait for it through planning.
func (s *server) beginPlan(j *job, pf *planFlags, input string) chan struct{} {
	pv := &planView{Offline: pf.offline}
	pf.planned = func(sum *batch.Summary, est *batch.PlanEstimate) {
		for _, st := range batch.PlanDecisions {
			pv.Counts = append(pv.Counts, codeCount{Code: string(st), Count: sum.ByStatus[st]})
		}
		pv.Counts = append(pv.Counts, codeCount{Code: "missing", Count: sum.Missing})
		pv.Conflicts = sum.ByStatus[batch.PlanConflict]
		pv.Lines = reports.PlanLines(sum, est)
	}
	pf.progress = func(sum *batch.Summary) {
		j.mu.Lock()
		j.planRows = sum.RowsRead
		j.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	j.planning, j.planRows, j.lastPlan = true, 0, nil
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		go func() { // the server's shutdown stops the plan
			select {
			case <-s.quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		var out bytes.Buffer
		err := planRoster(commandFor(ctx, &out), pf, input)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.planning = false
		var ee *exitError
		if err != nil && !(errors.As(err, &ee) && ee.code == exitSomeFailed && pv.Lines != nil) {
			pv.Error = strings.ReplaceAll(errorLine(err), j.dir+string(filepath.Separator), "")
		}
		if j.meta.Status == jobUploaded {
			j.meta.Status = jobMapped
		}
		_ = j.save()
		j.lastPlan = pv
		if pv.Error == "" {
			j.plan, j.planSeq = pv, j.meta.EditSeq
		}
		close(done)
	}()
	return done
}

func errorLine(err error) string {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err == nil {
			return "" // rows failed: the counts say so
		}
		return ee.err.Error()
	}
	return err.Error()
}

func (j *job) inputFlags() inputFlags {
	return inputFlags{provider: j.reg.ID, mapping: j.path("mapping.yaml")}
}

func (s *server) vendorReady(reg *providers.Registration) bool {
	creds, _, err := loadCredentials(s.f.config, reg.Credentials, io.Discard)
	return err == nil && len(missingCredentials(reg.Credentials, creds)) == 0
}

// startRun starts the job's run, once: a double click, a reload or a
// second tab finds it running and shows it.
func (s *server) startRun(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	if msg := s.begin(j); msg != "" {
		j.mu.Lock()
		running := j.cancel != nil || j.queuedOpen()
		j.mu.Unlock()
		if running {
			http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
			return
		}
		s.problemPage(w, http.StatusConflict, msg)
		return
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
}

// begin starts the run in the server, not in the request: it outlives the
// tab. It says why not when it cannot start.
func (s *server) begin(j *job) string {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.running != nil && s.queue == nil {
		if s.running == j {
			return "this job is running"
		}
		return "another job is running; start this one when it has finished"
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.queuedOpen():
		return "this job is queued"
	case j.mapper == nil:
		return "map the columns first"
	case j.meta.Existing == "":
		return "make the plan first: it asks what to do with people the vendor already has"
	case j.planning:
		return "the plan is being made; start when it shows"
	case j.meta.Runs > 0 && j.meta.Stop == state.RunDone && j.meta.EditSeq == j.meta.RanEditSeq:
		return "this job has run to the end; correct cells on the Review step to send the corrections, or upload a new roster"
	case !j.meta.Simulate && !s.vendorReady(j.reg):
		return fmt.Sprintf("%s is not set up on this server: ask IT to set its credentials (or try the simulator)", j.reg.ID)
	}
	input, _, err := j.runInput()
	if err != nil {
		return err.Error()
	}
	fix := "fix" + filepath.Ext(input)
	rf := &runFlags{in: j.inputFlags(), out: j.path("results.xlsx"), failedOut: j.path(fix), baseURL: s.f.baseURL,
		config: s.f.config, simulate: j.meta.Simulate, stateFile: s.statePath, quiet: true, timeout: s.f.timeout,
		existing: j.meta.Existing, update: j.meta.Update, submit: s.f.submit, recordAs: j.meta.File, sims: s.sims}
	if input == j.rosterPath() {
		rf.in.sheet, rf.in.delimiter, rf.in.encoding, rf.in.headerRow = j.meta.Sheet, j.meta.Delimiter, j.meta.Encoding, j.meta.HeaderRow
	}
	if err := rf.check(); err != nil {
		return err.Error()
	}
	if s.queue != nil {
		return s.enqueue(j, rf, input)
	}
	counted := s.observeRun(rf)
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel, j.done = cancel, make(chan struct{})
	j.live = state.Counts{}
	rf.progress = func(sum *batch.Summary) {
		c := counts4state(sum)
		j.mu.Lock()
		j.live = c
		j.mu.Unlock()
	}
	j.meta.Status, j.meta.Started, j.meta.Ended = jobRunning, time.Now().UTC(), time.Time{}
	j.meta.Stop, j.meta.StopCode, j.meta.Message = "", "", ""
	j.meta.Runs++
	j.meta.RanEditSeq = j.meta.EditSeq
	_ = j.save()
	s.running = j
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var log bytes.Buffer // the run's own lines: file names and counts, never cells
		fr, err := runFile(ctx, &log, rf, input)
		if fr != nil {
			counted(fr.sum)
		}
		j.mu.Lock()
		j.meta.Status, j.meta.Ended = jobFinished, time.Now().UTC()
		if fr != nil && fr.sum != nil {
			j.meta.Counts = counts4state(fr.sum)
			j.meta.Stop, j.meta.StopCode = fr.sum.Stop, fr.sum.StopCode
			j.meta.Results = true
			j.meta.Fix = ""
			if fr.fixRows > 0 {
				j.meta.Fix = fix
			}
			j.meta.Message = reports.SummaryLine(fr.sum)
		}
		if err != nil {
			if j.meta.Stop == "" {
				j.meta.Stop = state.RunAborted
			}
			if msg := errorLine(err); msg != "" {
				// run's next step, in the page's words.
				msg = strings.ReplaceAll(msg, "Run the same command again", "Press Resume")
				j.meta.Message = strings.ReplaceAll(msg, j.dir+string(filepath.Separator), "")
			}
		}
		j.cancel = nil
		_ = j.save()
		close(j.done)
		j.mu.Unlock()
		cancel()
		s.runMu.Lock()
		s.running = nil
		s.runMu.Unlock()
	}()
	return ""
}

func (s *server) stopRun(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	j.mu.Lock()
	if j.cancel != nil {
		j.cancel() // a soft stop: requests in flight finish, the results are written
		j.meta.Status = jobStopping
	}
	queued, id := j.queuedOpen(), j.meta.QueueID
	j.mu.Unlock()
	if queued {
		s.cancelQueued(r.Context(), id)
	}
	http.Redirect(w, r, "/jobs/"+j.meta.ID+"/run", http.StatusSeeOther)
}

// runView is the Run step's state, for the page and the event stream.
type runView struct {
	Status    string       `json:"status"`
	Counts    state.Counts `json:"counts"`
	Stop      string       `json:"stop"`
	Message   string       `json:"message"`
	Banner    string       `json:"banner"`
	Results   bool         `json:"results"`
	Fix       string       `json:"fix"`
	Running   bool         `json:"running"`
	Resumable bool         `json:"resumable"`
	Queue     string       `json:"queue,omitempty"` // the queued run's state, in words
}

func (j *job) runView() runView {
	v := runView{Status: j.meta.Status, Counts: j.meta.Counts, Stop: j.meta.Stop, Message: j.meta.Message,
		Results: j.meta.Results, Fix: j.meta.Fix, Running: j.cancel != nil || j.queuedOpen()}
	if j.cancel != nil {
		v.Counts = j.live
	}
	if j.meta.QueueID != 0 {
		v.Queue = fmt.Sprintf("Queued run %d (onboard jobs get %d): %s", j.meta.QueueID, j.meta.QueueID, j.meta.QueueState)
		if j.meta.QueueWorker != "" {
			v.Queue += ", worker " + j.meta.QueueWorker
		}
	}
	switch j.meta.Stop {
	case state.RunAuthFailed:
		v.Banner = "The vendor refused the credentials. Ask IT to check them, then press Resume: nobody is created twice."
	case state.RunLicences:
		v.Banner = "The vendor has no licences left. Free or buy licences, then press Resume: nobody is created twice."
	case state.RunBreaker:
		v.Banner = "The run stopped itself: row after row failed the same way (" + j.meta.StopCode + "). Fix the cause, then press Resume."
	}
	v.Resumable = !v.Running && (j.meta.Status == jobInterrupted || (j.meta.Status == jobFinished && j.meta.Stop != state.RunDone))
	return v
}

func (s *server) runPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	s.syncQueued(r.Context(), j)
	j.mu.Lock()
	defer j.mu.Unlock()
	s.render(w, "run.html", map[string]any{"Title": "Run", "Job": j.meta, "Run": j.runView(), "Step": "run"})
}

// events streams the run's counts as server-sent events until it ends;
// the page reloads then to show the downloads.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	j := s.jobFor(w, r)
	if j == nil {
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	t := time.NewTicker(300 * time.Millisecond)
	defer t.Stop()
	for {
		s.syncQueued(r.Context(), j)
		j.mu.Lock()
		v := j.runView()
		j.mu.Unlock()
		b, _ := jsonMarshal(v)
		ev := "counts"
		if !v.Running {
			ev = "end"
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev, b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if !v.Running {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}
