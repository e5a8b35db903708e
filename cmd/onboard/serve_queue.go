package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"github.com/onboard/onboard/batch/state/stores"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onboard/onboard/batch/jobs"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/reports"
)

// jobQueued: Start put the run on the PostgreSQL queue; an `onboard
// worker` on any machine runs it.
const jobQueued = "queued"

// queueURL is the job queue serve enqueues on: --state when it is a
// postgres:// URL, else ONBOARD_STATE (environment, then --config) when it
// is one; "" runs in the server as before (SQLite).
func queueURL(f *serveFlags) (string, error) {
	spec := f.state
	if spec != "" {
		// A password in argv is readable by every user (ps).
		if err := stores.CheckArg(spec); err != nil {
			return "", err
		}
	} else {
		v, err := configuredState(f.config)
		if err != nil {
			return "", err
		}
		spec = v
	}
	if !isPostgres(spec) {
		return "", nil
	}
	return jobsDatabase(spec, f.config)
}

// enqueue is Start with the state on PostgreSQL: the job's roster (as
// corrected), its mapping and the run's options become a queued run, the
// same jobs.Enqueue `run --queue` uses. The job's lock is held.
func (s *server) enqueue(j *job, rf *runFlags, input string) string {
	roster, err := os.ReadFile(input)
	if err != nil {
		return err.Error()
	}
	mapping, err := os.ReadFile(j.path("mapping.yaml"))
	if err != nil {
		return err.Error()
	}
	name := strings.TrimSuffix(filepath.Base(j.meta.File), filepath.Ext(j.meta.File)) + filepath.Ext(input)
	args := jobs.Args{File: name, Mapping: "mapping-page.yaml", Vendor: j.reg.ID, Output: filepath.Base(rf.out),
		FailedOut: filepath.Base(rf.failedOut), Who: cmp.Or(j.meta.User, "page"),
		Options: jobs.Options{Sheet: rf.in.sheet, Delimiter: rf.in.delimiter, Encoding: rf.in.encoding, HeaderRow: rf.in.headerRow,
			Simulate: rf.simulate, Update: rf.update, Existing: rf.existing, Timeout: rf.timeout, Rate: rf.submit.Rate,
			Burst: rf.submit.Burst, Workers: rf.submit.Workers, Retries: rf.submit.Retries, Breaker: rf.submit.Breaker,
			MaxCreates: rf.submit.MaxCreates, MaxFailures: rf.submit.MaxFailures}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := s.queue.Enqueue(ctx, args, []jobs.File{{Name: name, Data: roster}, {Name: args.Mapping, Data: mapping}}, 3)
	if err != nil {
		return "the job could not be queued: " + err.Error()
	}
	j.meta.QueueID, j.meta.QueueState = id, "available"
	j.meta.Status, j.meta.Started, j.meta.Ended = jobQueued, time.Now().UTC(), time.Time{}
	j.meta.Stop, j.meta.StopCode, j.meta.Message = "", "", ""
	j.meta.Results, j.meta.Fix = false, ""
	j.meta.Runs++
	j.meta.RanEditSeq = j.meta.EditSeq
	_ = j.save()
	return ""
}

// queuedOpen: the job's queued run has not ended.
func (j *job) queuedOpen() bool { return j.meta.QueueID != 0 && j.meta.Status == jobQueued }

// syncQueued asks the queue how the job's queued run stands and, once it
// has ended, downloads its stored files into the job's folder, as `onboard
// jobs get` does. The database is asked without the job's lock.
func (s *server) syncQueued(ctx context.Context, j *job) {
	j.mu.Lock()
	open, id := j.queuedOpen(), j.meta.QueueID
	j.mu.Unlock()
	if !open || s.queue == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	qj, err := s.queue.Get(ctx, id)
	if err != nil {
		return // the page shows the last state known; the next look asks again
	}
	v := viewJob(qj)
	ended := qj.Finished != nil && (qj.State == "completed" || qj.State == "cancelled" || qj.State == "discarded")
	var files []jobs.File
	if ended {
		if files, err = s.queue.Files(ctx, id, "out"); err != nil {
			return
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.queuedOpen() || j.meta.QueueID != id {
		return
	}
	j.meta.QueueState, j.meta.QueueWorker = v.State, v.Worker
	j.meta.Counts = countsOfReport(qj.Report)
	if !ended {
		_ = j.save()
		return
	}
	for _, f := range files {
		name := filepath.Base(f.Name)
		if err := writeFileAtomic(j.path(name), f.Data); err != nil {
			j.meta.Message = fmt.Sprintf("job %d: %v", id, err)
			continue
		}
		_ = os.Chmod(j.path(name), 0o600) // personal data, as every file of a job
		switch {
		case name == "results.xlsx":
			j.meta.Results = true
		case strings.HasPrefix(name, "fix."):
			j.meta.Fix = name
		}
	}
	j.meta.Status, j.meta.Ended = jobFinished, time.Now().UTC()
	j.meta.Stop = v.State
	if v.State == "done" {
		j.meta.Stop = state.RunDone
	}
	var r reports.Report
	if json.Unmarshal(qj.Report, &r) == nil && r.Status != "" {
		j.meta.Message = strings.TrimSpace(strings.Join([]string{jobCounts(r.Counts), r.Error}, "; "))
		j.meta.Message = strings.Trim(j.meta.Message, "; ")
	} else if v.Error != "" {
		j.meta.Message = v.Error
	}
	_ = j.save()
}

// countsOfReport reads a queued run's counts into the page's, as
// counts4state reads a run's in the server.
func countsOfReport(raw json.RawMessage) state.Counts {
	var r reports.Report
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return state.Counts{}
	}
	c := r.Counts
	n := state.Counts{Rows: r.Rows, Created: c["created"], Skipped: c["skipped"], Invalid: c["invalid"],
		Failed: c["failed"], NotAttempted: c["not_attempted"], Updated: c["updated"], Conflicts: c["conflict"]}
	if r.Missing != nil {
		n.Missing = *r.Missing
	}
	return n
}

// cancelQueued is Stop for a queued run: a waiting one never runs, a
// running one stops softly and keeps its results.
func (s *server) cancelQueued(ctx context.Context, id int64) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = s.queue.Cancel(ctx, id)
}

// busy: a run of the job is under way, in the server or on the queue:
// its cells, mapping and plan wait.
func (j *job) busy() bool { return j.cancel != nil || j.queuedOpen() }
