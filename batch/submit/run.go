package submit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/onboard/onboard/providers"
)

// pool is one Run's shared state.
type pool struct {
	c      providers.Client
	finder providers.Finder // nil when the vendor cannot look people up
	// updater is nil when the vendor has no update call.
	updater providers.Updater
	opt     Options
	pace    *pacer
	halt    context.CancelCauseFunc
	// permits holds Options.MaxCreates tokens; nil without a limit. A job
	// takes one before its first create and gives it back unless it may
	// have created someone.
	permits chan struct{}

	mu       sync.Mutex
	stop     error // the first fatal *providers.Error or *Halt
	breaker  breaker
	silence  silence
	kept     int // permits kept by jobs that may have created someone
	failures int // rows failed or unknown
}

// Run sends every job from in and writes exactly one Result per Job to out,
// in completion order. It returns when in is closed and every job is
// answered; the caller must keep receiving from out until then. Run never
// closes out.
//
// ctx is the soft stop. Once it is done no new request is sent: a request
// in flight finishes (it runs under context.WithoutCancel(ctx), bounded by
// the client's own timeout), a retry wait is cut short and its job ends with
// its last error, and every job not yet sent ends Interrupted. A deadline
// on ctx stops the pool as soon as the next token would come after it.
//
// A fatal answer (AUTH_FAILED, LICENSE_EXHAUSTED) stops the pool the same
// way: its row gets the error, every job still to come (Run keeps draining
// in until it is closed) ends Interrupted, and Run returns that error. The
// breaker and the MaxCreates and MaxFailures limits stop it the same way and
// are returned as *Halt. Otherwise the error is nil, also after a soft
// stop: the results say which rows were not sent. Invalid options are
// returned before in is read.
func Run(ctx context.Context, c providers.Client, opt Options, in <-chan Job, out chan<- Result) (Stats, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	stop, halt := context.WithCancelCause(ctx)
	defer halt(nil)
	p := &pool{c: c, opt: opt, pace: newPacer(opt), halt: halt, breaker: breaker{limit: opt.Breaker}, silence: silence{limit: opt.Breaker}}
	p.finder, _ = c.(providers.Finder)
	p.updater, _ = c.(providers.Updater)
	if opt.MaxCreates > 0 {
		p.permits = make(chan struct{}, opt.MaxCreates)
		for range opt.MaxCreates {
			p.permits <- struct{}{}
		}
	}

	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Go(func() {
			for job := range in {
				r := p.run(ctx, stop, job)
				p.ended(r)
				out <- r
			}
		})
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pace.stats(), p.stop
}

// permit takes a create permit for t if it needs one; false means the run
// stopped while it waited.
func (p *pool) permit(stop context.Context, t *task) bool {
	if p.permits == nil || t.permit {
		return true
	}
	select {
	case <-p.permits:
		t.permit = true
		return true
	case <-stop.Done():
		return false
	}
}

// ended accounts for a finished job: its permit, the failure count and the
// breaker, each of which may stop the pool.
func (p *pool) ended(r Result) {
	mayHaveCreated := r.Err == nil && !r.Adopted || r.Err != nil && r.Unknown
	failed := r.Err != nil && !r.Skipped && !(r.Err.Code == providers.Interrupted && r.Attempts == 0)
	held := p.permits != nil && r.Attempts > 0
	if held && !mayHaveCreated {
		p.permits <- struct{}{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if held && mayHaveCreated {
		p.kept++
		if p.kept >= p.opt.MaxCreates {
			p.stopLocked(&Halt{Kind: HaltMaxCreates,
				Reason: fmt.Sprintf("stopped sending: --max-creates %d reached", p.opt.MaxCreates),
				Check:  "check the results, then run again (with a higher --max-creates) to go on: the state store skips whoever was created"})
		}
	}
	if failed {
		p.failures++
		if p.opt.MaxFailures > 0 && p.failures >= p.opt.MaxFailures {
			p.stopLocked(&Halt{Kind: HaltMaxFailures,
				Reason: fmt.Sprintf("stopped sending: --max-failures %d reached", p.opt.MaxFailures),
				Check:  "fix what the failed rows say, then run again"})
		}
	}
	if h := p.breaker.observe(r); h != nil {
		p.stopLocked(h)
	}
}

// heard takes the outcome of one call to the vendor (e nil: answered): the
// observer hears it (metrics), and Options.Breaker calls in a row without
// an answer stop the pool.
func (p *pool) heard(call string, e *providers.Error) {
	p.observe(call, e)
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.silence.observe(e); h != nil {
		p.stopLocked(h)
	}
}

// stopAll records the first fatal error and stops the pool.
func (p *pool) stopAll(e *providers.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked(e)
}

func (p *pool) stopLocked(err error) {
	if p.stop == nil {
		p.stop = err
		p.halt(err)
	}
}

// notSent is the error of a job the run stopped before sending.
func notSent(stop context.Context) *providers.Error {
	return &providers.Error{Code: providers.Interrupted, Message: NotSentMessage(context.Cause(stop)), Err: stop.Err()}
}

// NotSentMessage is the message of a row not sent because the run stopped
// for cause: a fatal *providers.Error, a *Halt, or anything else (an
// interrupt).
func NotSentMessage(cause error) string {
	var fatal *providers.Error
	var h *Halt
	switch {
	case errors.As(cause, &h):
		return "not sent: the run " + h.Reason
	case errors.As(cause, &fatal):
		return "not sent: the run stopped after " + string(fatal.Code)
	}
	return "not sent: the run was stopped"
}
