package submit

import (
	"context"
	"sync"
	"time"

	"github.com/onboard/onboard/providers"
)

// Found is how one lookup Job ended. Lookup writes exactly one per Job.
type Found struct {
	Job   Job
	ID    string // the vendor's ID when Found
	Found bool
	Err   *providers.Error // the last failure when the vendor could not say
	// Lookups counts the requests sent for this job, retries included;
	// Took is the time they spent waiting for answers.
	Lookups int
	Took    time.Duration
}

// Lookup asks the vendor, through f, whether each job's person exists,
// paced and retried exactly like creates (the same Options: workers,
// rate, burst, retries with backoff, 429 and Retry-After lowering the
// rate), and writes one Found per Job to out in completion order. It
// creates nothing. It returns when in is closed and every job is
// answered; the caller must keep receiving from out until then.
//
// ctx is the soft stop: no new lookup is sent once it is done, and the
// jobs not yet asked end with Interrupted. A fatal answer (AUTH_FAILED)
// stops the pool the same way and is returned.
func Lookup(ctx context.Context, f providers.Finder, opt Options, in <-chan Job, out chan<- Found) (Stats, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	stop, halt := context.WithCancelCause(ctx)
	defer halt(nil)
	p := &pool{finder: f, opt: opt, pace: newPacer(opt), halt: halt, silence: silence{limit: opt.Breaker}}
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Go(func() {
			for job := range in {
				out <- p.lookupJob(ctx, stop, job)
			}
		})
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pace.stats(), p.stop
}

// lookupJob takes one job to its answer. Requests run under ctx without its
// cancellation, so a sent request always gets its answer; stop ends waits.
func (p *pool) lookupJob(ctx, stop context.Context, job Job) Found {
	res := Found{Job: job}
	req := context.WithoutCancel(ctx)
	failures := 0
	for {
		asked, err := p.pace.wait(stop)
		if err != nil {
			if res.Err == nil {
				res.Err = notSent(stop)
			}
			return res
		}
		sentAt := p.pace.looked()
		res.Lookups++
		id, found, err := p.finder.Find(req, job.Record)
		res.Took += time.Since(sentAt)
		if err == nil {
			p.heard("lookup", nil)
			p.pace.answered()
			res.ID, res.Found, res.Err = id, found, nil
			return res
		}
		e := providers.AsError(req, err)
		p.heard("lookup", e)
		res.Err = e
		switch {
		case e.Code == providers.RateLimited:
			p.pace.limited(asked, e.RetryAfter)
		case e.Code != providers.Interrupted:
			p.pace.answered()
		}
		if e.Fatal() {
			p.stopAll(e)
			return res
		}
		if !e.Retryable() || failures >= p.opt.Retries {
			return res
		}
		if e.RetryAfter > providers.MaxRetryAfter {
			res.Err = tooLongToWait(e)
			return res
		}
		failures++
		if !sleep(stop, backoff(failures, p.opt.BaseBackoff, p.opt.MaxBackoff, e.RetryAfter)) {
			return res
		}
	}
}
