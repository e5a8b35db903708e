package submit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// Notes written on results.
const (
	noteFound       = "recovered: found at vendor after an unanswered request"
	noteFoundCrash  = "recovered: found at vendor; an earlier run left this row in flight"
	noteExists      = "recovered: already existed at vendor after an unanswered request, most likely our own"
	noteExistsCrash = "recovered: already existed at vendor; an earlier run left this row in flight"
	noteAdopted     = "already at the vendor: adopted"
	noteUnknown     = "outcome unknown: an earlier request got no answer, so the person may exist at the vendor"
	noteNoFinder    = "vendor ID unknown: this vendor has no lookup"
	noteNotFound    = "vendor ID unknown: the vendor's lookup gave none"
	noteClash       = "not adopted: the vendor's lookup does not find this person, so someone else holds one of their unique values"
	noteNoLookup    = "vendor ID unknown: the run stopped before the lookup"
	noteLookupFail  = "vendor ID unknown: the lookup failed: "
	noteNoID        = "created: the vendor's answer held no ID; "
	noteUnreadFound = "created: the vendor answered 2xx without a readable answer; found by lookup"
	noteUnread      = "outcome unknown: the vendor answered 2xx without a readable answer, so the person may exist; not created again, the next run looks them up"
)

// task is one job on its way through the pool.
type task struct {
	res      Result
	last     *providers.Error // the latest create failure
	failures int              // retryable failures so far
	// unknown: an earlier create may have landed and nothing has settled
	// it since; the next create must be preceded by a lookup.
	unknown bool
	// doubt: unknown was ever set, so an ALREADY_EXISTS answer may be our
	// own earlier create.
	doubt bool
	// permit: the job holds one of Options.MaxCreates.
	permit bool
	// blind: the last lookup was refused for good (not a 429, 5xx or lost
	// answer, which are asked again), so the next create goes without one
	// (unknown stays set until an answer settles it).
	blind bool
	asked time.Time // when the pacer was asked for the next request's token
}

// run takes one job to its end. Requests run under ctx without its
// cancellation, so a sent request always gets its answer; stop ends waits.
func (p *pool) run(ctx, stop context.Context, job Job) Result {
	t := &task{res: Result{Job: job}, unknown: job.Recover, doubt: job.Recover}
	req := context.WithoutCancel(ctx)
	if job.Update != nil {
		return p.runUpdate(req, stop, t)
	}
	for {
		if t.unknown && p.finder != nil && !t.blind {
			if err := p.wait(stop, t); err != nil {
				return t.stopped(stop)
			}
			id, found, e := p.lookup(req, t)
			if found {
				t.res.Created = providers.Created{ID: id}
				t.res.Recovered = true
				t.res.Note = pick(t.res.Attempts == 0, noteFoundCrash, noteFound)
				return t.res
			}
			switch {
			case e == nil:
				t.unknown = false // not there
			case e.Retryable():
				// The vendor said "later" (429, 5xx) or the answer was
				// lost: that settles nothing, so the lookup is asked
				// again, never replaced by a create in the dark (a
				// vendor that takes duplicate emails would then hold
				// the person twice). Out of retries, the outcome stays
				// unknown and the next run looks them up.
				if t.failures >= p.opt.Retries {
					return t.failed(e)
				}
				if e.RetryAfter > providers.MaxRetryAfter {
					return t.failed(tooLongToWait(e))
				}
				t.failures++
				if !sleep(stop, backoff(t.failures, p.opt.BaseBackoff, p.opt.MaxBackoff, e.RetryAfter)) {
					return t.failed(e)
				}
				continue
			default:
				// A lookup refused for good (the endpoint missing or
				// forbidden to this key) never answers, and no later row
				// would fare better, so it never stops the run: the
				// create goes again, and the vendor's own uniqueness
				// check answers "already exists" if an earlier one
				// landed. Until an answer settles it, the doubt stays.
				t.blind = true
			}
		}
		if !p.permit(stop, t) {
			return t.stopped(stop)
		}
		if err := p.wait(stop, t); err != nil {
			return t.stopped(stop)
		}
		e := p.create(req, t)
		t.blind = false
		switch {
		case e == nil && t.res.Created.ID == "":
			return p.noID(req, stop, t)
		case e == nil:
			return t.res
		case answeredDone(e):
			return p.unread(req, stop, t, e)
		case e.Code == providers.AlreadyExists:
			return p.exists(req, stop, t, e)
		case e.Fatal():
			p.stopAll(e)
			return t.failed(e)
		case !e.Retryable() || t.failures >= p.opt.Retries:
			return p.settle(req, stop, t, e)
		}
		if e.RetryAfter > providers.MaxRetryAfter {
			// Not worth a stalled run: the row says so and the next run tries again.
			return p.settle(req, stop, t, tooLongToWait(e))
		}
		t.failures++
		if !sleep(stop, backoff(t.failures, p.opt.BaseBackoff, p.opt.MaxBackoff, e.RetryAfter)) {
			return t.failed(e)
		}
	}
}

// answeredDone reports whether e is a 2xx answer the client could not
// read (empty, an HTML page, cut off, not the vendor's shape): the vendor
// said done, so the create is never sent again.
func answeredDone(e *providers.Error) bool {
	return e.Status >= 200 && e.Status <= 299 && errors.Is(e, providers.ErrUnreadable)
}

// noID ends a create the vendor answered as done without an ID: the row
// is created, and a lookup, when the vendor has one, finds the ID.
func (p *pool) noID(req, stop context.Context, t *task) Result {
	switch {
	case p.finder == nil:
		t.res.Note = noteNoID + noteNoFinder
	case p.wait(stop, t) != nil:
		t.res.Note = noteNoID + noteNoLookup
	default:
		id, found, le := p.lookup(req, t)
		switch {
		case le != nil:
			t.res.Note = noteNoID + noteLookupFail + le.Error()
		case !found || id == "":
			t.res.Note = noteNoID + noteNotFound
		default:
			t.res.Created.ID = id
			t.res.Note = noteNoID + "found by lookup"
		}
	}
	return t.res
}

// unread ends a create the vendor answered 2xx in a way nobody can read:
// the person is most likely created, so the lookup, never another create,
// settles it. Found is created; anything else leaves the outcome unknown,
// and the next run looks them up again before it creates anyone.
func (p *pool) unread(req, stop context.Context, t *task, e *providers.Error) Result {
	t.unknown, t.doubt = true, true
	if p.finder != nil && p.wait(stop, t) == nil {
		if id, found, le := p.lookup(req, t); le == nil && found {
			t.unknown = false
			t.res.Created = providers.Created{ID: id}
			t.res.Recovered = true
			t.res.Note = noteUnreadFound
			return t.res
		}
	}
	r := t.failed(e)
	r.Note = noteUnread
	return r
}

// tooLongToWait is e with a message saying that its Retry-After was not
// waited.
func tooLongToWait(e *providers.Error) *providers.Error {
	c := *e
	c.Message = strings.TrimSpace(fmt.Sprintf("the vendor asked to wait %s, beyond the %s cap; not waited, run again later. %s",
		e.RetryAfter.Round(time.Second), providers.MaxRetryAfter, e.Message))
	return &c
}

// lookup sends one Find for t's person.
func (p *pool) lookup(req context.Context, t *task) (string, bool, *providers.Error) {
	p.pace.looked()
	id, found, err := p.finder.Find(req, t.res.Job.Record)
	if err != nil {
		e := providers.AsError(req, err)
		p.heard("lookup", e)
		p.answer(t.asked, e)
		return "", false, e
	}
	p.heard("lookup", nil)
	p.pace.answered()
	return id, found, nil
}

// wait waits for the pacer's leave to send t's next request.
func (p *pool) wait(stop context.Context, t *task) error {
	asked, err := p.pace.wait(stop)
	t.asked = asked
	return err
}

// answer tells the pacer how the vendor took a request that failed with e:
// a 429 lowers the rate; any other answer (not a lost one) counts toward
// raising it again.
func (p *pool) answer(sentAt time.Time, e *providers.Error) {
	switch {
	case e.Code == providers.RateLimited:
		p.pace.limited(sentAt, e.RetryAfter)
	case e.Code != providers.Interrupted:
		// Not refused for the rate: an error answer or a lost one counts
		// toward the rate the vendor takes.
		p.pace.answered()
	}
}

// create sends one create request and classifies the answer; nil is
// success.
func (p *pool) create(req context.Context, t *task) *providers.Error {
	p.pace.sent()
	t.res.Attempts++
	created, err := p.c.Create(req, t.res.Job.Record)
	if err == nil {
		p.heard("create", nil)
		p.pace.answered()
		t.res.Created = created
		return nil
	}
	e := providers.AsError(req, err)
	p.heard("create", e)
	t.last = e
	p.answer(t.asked, e)
	switch {
	case e.Code == providers.AlreadyExists:
	case e.Code == providers.RateLimited:
	case e.Sent || e.Code == providers.VendorError:
		// The vendor may have saved the person before failing to answer
		// (or answering 5xx): never create again without a lookup.
		t.unknown, t.doubt = true, true
	case e.Code == providers.VendorRejected:
		// A definite refusal of this same record: an earlier identical
		// request was refused too.
		t.unknown = false
	}
	return e
}

// exists ends a job the vendor answered "already exists". When an earlier
// request of ours may have landed, that is most likely our own create, and
// the person is adopted whatever Options.Existing says; otherwise
// Options.Existing decides.
func (p *pool) exists(req, stop context.Context, t *task, e *providers.Error) Result {
	ours := t.doubt
	if !ours {
		switch p.opt.Existing {
		case ExistingFail:
			return t.failed(e)
		case ExistingSkip:
			t.res.Err, t.res.Skipped = e, true
			return t.res
		}
	}
	t.unknown = false
	note := noteAdopted
	if ours {
		note = pick(t.unknownBeforeRun(), noteExistsCrash, noteExists)
	}
	switch {
	case p.finder == nil:
		note += " (" + noteNoFinder + ")"
	case p.wait(stop, t) != nil:
		note += " (" + noteNoLookup + ")"
	default:
		id, found, le := p.lookup(req, t)
		switch {
		case le != nil:
			note += " (" + noteLookupFail + le.Error() + ")"
		case !found:
			// The vendor's duplicate is someone else, holding another of
			// its unique values (a username, a login): not this person.
			t.res.Note = noteClash
			return t.failed(e)
		case id == "":
			note += " (" + noteNotFound + ")"
		default:
			t.res.Created = providers.Created{ID: id}
		}
	}
	t.res.Adopted = true
	t.res.Recovered = ours
	t.res.Note = note
	return t.res
}

// settle ends a job whose last create failed for good. When that create may
// have landed, a final lookup decides: found is a success, not there is the
// failure, and a lookup that cannot tell leaves the outcome unknown.
func (p *pool) settle(req, stop context.Context, t *task, e *providers.Error) Result {
	if !t.unknown || p.finder == nil || p.wait(stop, t) != nil {
		return t.failed(e)
	}
	id, found, le := p.lookup(req, t)
	switch {
	case found:
		t.res.Created = providers.Created{ID: id}
		t.res.Recovered = true
		t.res.Note = noteFound
		return t.res
	case le == nil:
		t.unknown = false // not there: the vendor surely did not create them
	}
	return t.failed(e)
}

// runUpdate takes an update job to its end. Setting values twice is
// harmless, so an unanswered update is simply sent again; it needs no
// create permit.
func (p *pool) runUpdate(req, stop context.Context, t *task) Result {
	for {
		if err := p.wait(stop, t); err != nil {
			return t.stopped(stop)
		}
		e := p.update(req, t)
		switch {
		case e == nil:
			return t.res
		case e.Fatal():
			p.stopAll(e)
			return t.failed(e)
		case !e.Retryable() || t.failures >= p.opt.Retries:
			return t.failed(e)
		}
		t.failures++
		if !sleep(stop, backoff(t.failures, p.opt.BaseBackoff, p.opt.MaxBackoff, e.RetryAfter)) {
			return t.failed(e)
		}
	}
}

// update sends one update request.
func (p *pool) update(req context.Context, t *task) *providers.Error {
	if p.updater == nil {
		return &providers.Error{Code: providers.VendorRejected, Message: "this vendor has no update call"}
	}
	p.pace.sent()
	t.res.Attempts++
	u := t.res.Job.Update
	err := p.updater.Update(req, u.ID, u.Fields, t.res.Job.Record)
	if err == nil {
		p.heard("update", nil)
		p.pace.answered()
		t.res.Created = providers.Created{ID: u.ID}
		return nil
	}
	e := providers.AsError(req, err)
	p.heard("update", e)
	t.last = e
	p.answer(t.asked, e)
	return e
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
