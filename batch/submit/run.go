package submit

import (
	"context"
	"errors"
	"sync"

	"github.com/onboard/onboard/providers"
)

// pool is one Run's shared state.
type pool struct {
	c      providers.Client
	finder providers.Finder // nil when the vendor cannot look people up
	// updater is nil when the vendor has no update call.
	updater providers.Updater
	opt    Options
	pace   *pacer
	halt   context.CancelCauseFunc

	mu    sync.Mutex
	fatal *providers.Error
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
// in until it is closed) ends Interrupted, and Run returns that error.
// Otherwise the error is nil, also after a soft stop: the results say which
// rows were not sent. Invalid options are returned before in is read.
func Run(ctx context.Context, c providers.Client, opt Options, in <-chan Job, out chan<- Result) (Stats, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	stop, halt := context.WithCancelCause(ctx)
	defer halt(nil)
	p := &pool{c: c, opt: opt, pace: newPacer(opt), halt: halt}
	p.finder, _ = c.(providers.Finder)
	p.updater, _ = c.(providers.Updater)

	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Go(func() {
			for job := range in {
				out <- p.run(ctx, stop, job)
			}
		})
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fatal != nil {
		return p.pace.stats(), p.fatal
	}
	return p.pace.stats(), nil
}

// stopAll records the first fatal error and stops the pool.
func (p *pool) stopAll(e *providers.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fatal == nil {
		p.fatal = e
		p.halt(e)
	}
}

// notSent is the error of a job the run stopped before sending.
func notSent(stop context.Context) *providers.Error {
	msg := "not sent: the run was stopped"
	var fatal *providers.Error
	if errors.As(context.Cause(stop), &fatal) {
		msg = "not sent: the run stopped after " + string(fatal.Code)
	}
	return &providers.Error{Code: providers.Interrupted, Message: msg, Err: stop.Err()}
}
