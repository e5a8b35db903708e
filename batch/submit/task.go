package submit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// Notes written on results.
const (
	noteFound       = "recovered: found at vendor after an unanswered request"
	noteFoundCrash  = "recovered: found at vendor; an earlier run left this row in flight"
	noteExists      = "recovered: already existed at vendor after an unanswered request (vendor ID unknown)"
	noteExistsCrash = "recovered: already existed at vendor; an earlier run left this row in flight (vendor ID unknown)"
	noteUnknown     = "outcome unknown: an earlier request got no answer, so the person may exist at the vendor"
)

// task is one job on its way through the pool.
type task struct {
	res      Result
	last     *providers.Error // the latest failure
	failures int              // retryable failures so far
	// unknown: an earlier create may have landed and nothing has settled
	// it since; the next create must be preceded by a lookup.
	unknown bool
	// doubt: unknown was ever set, so an ALREADY_EXISTS answer may be our
	// own earlier create.
	doubt bool
}

// run takes one job to its end. Requests run under ctx without its
// cancellation, so a sent request always gets its answer; stop ends waits.
func (p *pool) run(ctx, stop context.Context, job Job) Result {
	t := &task{res: Result{Job: job}, unknown: job.Recover, doubt: job.Recover}
	req := context.WithoutCancel(ctx)
	for {
		if err := p.pace.wait(stop); err != nil {
			return t.stopped(stop)
		}
		var e *providers.Error
		var done bool
		if t.unknown && p.finder != nil {
			done, e = p.find(req, t)
			if !done && e == nil {
				// Not there: the create is safe, but it needs its own token.
				continue
			}
		} else {
			done, e = p.create(req, t)
		}
		if done {
			return t.res
		}
		if e.Fatal() {
			p.stopAll(e)
			return t.failed(e)
		}
		if !e.Retryable() || t.failures >= p.opt.Retries {
			return t.failed(e)
		}
		if e.RetryAfter > providers.MaxRetryAfter {
			// Not worth a stalled run: the row says so and the next run tries again.
			return t.failed(tooLongToWait(e))
		}
		t.failures++
		if !sleep(stop, backoff(t.failures, p.opt.BaseBackoff, p.opt.MaxBackoff, e.RetryAfter)) {
			return t.failed(e)
		}
	}
}

// tooLongToWait is e with a message saying that its Retry-After was not
// waited.
func tooLongToWait(e *providers.Error) *providers.Error {
	c := *e
	c.Message = strings.TrimSpace(fmt.Sprintf("the vendor asked to wait %s, beyond the %s cap; not waited, run again later. %s",
		e.RetryAfter.Round(time.Second), providers.MaxRetryAfter, e.Message))
	return &c
}

// find looks the person up. It reports done when they were found; a nil
// error without done means "not there".
func (p *pool) find(req context.Context, t *task) (bool, *providers.Error) {
	sentAt := p.pace.looked()
	id, found, err := p.finder.Find(req, t.res.Job.Record)
	if err != nil {
		t.last = providers.AsError(req, err)
		if t.last.Code == providers.RateLimited {
			p.pace.limited(sentAt, t.last.RetryAfter)
		}
		return false, t.last
	}
	if !found {
		t.unknown = false
		return false, nil
	}
	t.res.Created = providers.Created{ID: id}
	t.res.Recovered = true
	t.res.Note = pick(t.res.Attempts == 0, noteFoundCrash, noteFound)
	return true, nil
}

// create sends one create request and classifies the answer. It reports
// done on success, including an ALREADY_EXISTS that our own earlier,
// unanswered request explains.
func (p *pool) create(req context.Context, t *task) (bool, *providers.Error) {
	sentAt := p.pace.sent()
	t.res.Attempts++
	created, err := p.c.Create(req, t.res.Job.Record)
	if err == nil {
		t.res.Created = created
		return true, nil
	}
	e := providers.AsError(req, err)
	t.last = e
	switch {
	case e.Code == providers.AlreadyExists && t.doubt:
		t.res.Recovered = true
		t.res.Note = pick(t.unknownBeforeRun(), noteExistsCrash, noteExists)
		return true, nil
	case e.Code == providers.RateLimited:
		p.pace.limited(sentAt, e.RetryAfter)
	case e.Sent || e.Code == providers.VendorError:
		// The vendor may have saved the person before failing to answer
		// (or answering 5xx): never create again without a lookup.
		t.unknown, t.doubt = true, true
	case e.Code == providers.VendorRejected:
		// A definite refusal of this same record: an earlier identical
		// request was refused too.
		t.unknown = false
	}
	return false, e
}

// unknownBeforeRun reports whether the only doubt came from a crashed run.
func (t *task) unknownBeforeRun() bool {
	return t.res.Job.Recover && t.res.Attempts == 1
}

// failed ends the task with e.
func (t *task) failed(e *providers.Error) Result {
	t.res.Err = e
	t.res.Unknown = t.unknown
	if t.unknown {
		t.res.Note = noteUnknown
	}
	return t.res
}

// stopped ends a task the run stopped: with its last error if it had one,
// Interrupted otherwise.
func (t *task) stopped(stop context.Context) Result {
	if t.last != nil {
		return t.failed(t.last)
	}
	return t.failed(notSent(stop))
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
