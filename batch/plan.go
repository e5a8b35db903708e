package batch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Plan decisions: what a run of the same file would do with each row. They
// are the statuses of a plan's rows (Invalid is shared with validate).
const (
	PlanCreate           Status = "create"            // valid, unknown to the state store and the vendor
	PlanAlreadyOnboarded Status = "already_onboarded" // an earlier run created the person: skipped
	PlanExistsAtVendor   Status = "exists_at_vendor"  // the vendor has the person already
	PlanConflict         Status = Conflict            // the person's identity and key disagree with the state store
	PlanChanged          Status = "changed"           // onboarded, but the row's values differ from what was sent
)

// PlanDecisions lists the decisions in the order reports show them.
var PlanDecisions = []Status{PlanCreate, PlanAlreadyOnboarded, PlanExistsAtVendor, PlanConflict, PlanChanged, Invalid}

// ExistsAtVendor is the code of a plan row whose person the vendor has.
const ExistsAtVendor = "ALREADY_EXISTS"

// PlanOptions configure Plan.
type PlanOptions struct {
	// State is the run's state store (opened read-only); nil plans as if
	// no run had happened.
	State state.Ledger
	Scope state.Scope
	// Finder asks the vendor about people the state store does not know;
	// nil means the vendor is not asked (offline, or no lookup).
	Finder providers.Finder
	// Submit is the run's pacing: the lookups go at its rate, and the
	// estimate uses its rate and workers.
	Submit submit.Options
	// Update counts one update call per changed person, as run --update
	// sends (the vendor must have an update call).
	Update bool
	// Updater is the vendor's update call, when it has one: with Update, a
	// changed person counts a call only when their update can be sent.
	Updater providers.Updater
	// Progress is called after each chunk of rows.
	Progress func(*Summary)
}

// PlanEstimate is what a run of the same file would cost.
type PlanEstimate struct {
	// Calls is the API requests a run would send (creates, and the
	// lookups that adopt people the vendor has), not counting retries or
	// authentication.
	Calls int
	// Lookups and LookupFailures are the plan's own requests.
	Lookups        int
	LookupFailures int
	// MeanLatency is the plan's lookups' mean answer time (0: none sent).
	MeanLatency time.Duration
	// Duration is how long Calls take at Rate with Workers: the slower of
	// the rate and the answer time spread over the workers.
	Duration time.Duration
	Rate     float64 // requests per second; 0 is unlimited
	Workers  int
}

// runCalls is how many requests a run sends for a row of decision st: one
// create; for a person the vendor has, the create it refuses, plus the
// lookup that adopts them with --existing adopt.
func runCalls(st Status, existing submit.Existing, update bool) int {
	switch st {
	case PlanCreate:
		return 1
	case PlanChanged:
		if update {
			return 1
		}
	case PlanExistsAtVendor:
		if existing == submit.ExistingAdopt {
			return 2
		}
		return 1
	}
	return 0
}

// existingWords says what a run does with a person the vendor has.
func existingWords(existing submit.Existing) string {
	switch existing {
	case submit.ExistingSkip:
		return "a run skips them (--existing skip)"
	case submit.ExistingFail:
		return "a run fails them (--existing fail)"
	}
	return "a run adopts them"
}

// planChunk is how many rows are decided together: one state query and
// one volley of lookups.
const planChunk = 256

// Plan reads and validates every row of r and decides, without creating
// anyone or writing to the state store, what a run would do with it: one
// Outcome per row, in roster order, whose Status is a plan decision. ctx
// stops it; a fatal vendor answer to a lookup (AUTH_FAILED) is returned.
func Plan(ctx context.Context, r read.Reader, s *schema.Schema, m *schema.Mapper, sink Sink, sum *Summary, opt PlanOptions) (PlanEstimate, error) {
	opt.State = ledgerOrNil(opt.State)
	est := PlanEstimate{Rate: opt.Submit.Rate, Workers: max(opt.Submit.Workers, 1)}
	if opt.Submit.Workers == 0 {
		est.Workers = submit.DefaultWorkers
	}
	p := &planner{opt: &opt, s: s, v: newValidator(s, m), sink: sink, sum: sum}
	if opt.State != nil {
		// The change digests are salted per state file; a store without a
		// salt has no digests to compare with.
		if salt, err := opt.State.DigestSalt(); err == nil {
			p.dig = newDigester(s, salt)
		}
	}
	var (
		in    chan submit.Job
		out   chan submit.Found
		done  chan error
		stats submit.Stats
	)
	if opt.Finder != nil {
		in, out, done = make(chan submit.Job), make(chan submit.Found, planChunk), make(chan error, 1)
		go func() {
			var err error
			stats, err = submit.Lookup(ctx, opt.Finder, opt.Submit, in, out)
			done <- err
		}()
	}
	err := p.run(ctx, r, in, out)
	if in != nil {
		close(in)
		if perr := <-done; err == nil {
			err = perr
		}
	}
	sum.End = time.Now()
	est.Lookups, est.LookupFailures = int(stats.Lookups), p.lookupFailures
	if p.lookups > 0 {
		est.MeanLatency = p.took / time.Duration(p.lookups)
	}
	for st, n := range sum.ByStatus {
		est.Calls += runCalls(st, opt.Submit.Existing, opt.Update) * n
	}
	if opt.Update {
		est.Calls -= p.unsendable // changed, but no update a run could send
	}
	est.Duration = PlanDuration(est.Calls, est.Rate, est.Workers, est.MeanLatency)
	return est, err
}

// PlanDuration is how long calls take at rate (0: unlimited) with workers,
// each call taking latency.
func PlanDuration(calls int, rate float64, workers int, latency time.Duration) time.Duration {
	if calls == 0 {
		return 0
	}
	var byRate time.Duration
	if rate > 0 {
		byRate = time.Duration(float64(calls-1) / rate * float64(time.Second))
	}
	byLatency := latency * time.Duration((calls+workers-1)/workers)
	return max(byRate, byLatency)
}

type planner struct {
	opt  *PlanOptions
	s    *schema.Schema
	v    *validator
	dig  *digester // nil without a state store (or digests)
	sink Sink
	sum  *Summary
	// the plan's lookups that got an answer, and their time
	lookups        int
	took           time.Duration
	lookupFailures int
	unsendable     int // changed people whose update cannot be sent
	outs           []Outcome
}

// run decides r's rows a chunk at a time, in stages that overlap: reading;
// mapping, change digests and the state store's answers (one worker per
// CPU, chunks in any order); then, in roster order, the duplicate check
// and the decisions. The store is only read, so asking about a chunk
// before the ones before it are decided changes no answer, and asking
// about a row the duplicate check then refuses adds a person nobody looks
// at. An error stops the plan where the one-stage loop stopped: the rows
// of the chunks before it decided, none after.
func (p *planner) run(ctx context.Context, r read.Reader, in chan<- submit.Job, out <-chan submit.Found) error {
	stop := make(chan struct{}) // closed when the decider stops
	workers := max(1, runtime.GOMAXPROCS(0))
	// Chunks between reading and deciding, at most: a worker held up
	// must not let the others' chunks pile up behind its one.
	window := make(chan struct{}, 2*workers+2)
	rows := make(chan planned, workers)
	asked := make(chan planned, workers)
	// The duplicate index's seed is fixed now, so the workers hash the
	// keys; the decider makes the index at the size the reader estimates
	// from the first chunk.
	hasher := schema.NewDedupSized(p.s, 0)
	var expect atomic.Int64
	var readErr error
	var wg, wwg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(rows)
		readErr = p.read(ctx, r, rows, window, stop, func(first []read.Row) {
			expect.Store(int64(expectRows(r, p.sum.Input, first)))
		})
	}()
	for range workers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for c := range rows {
				p.prepare(&c, hasher)
				c.known, c.byID, c.err = p.askStore(&c)
				select {
				case asked <- c:
				case <-stop:
					return
				}
			}
		}()
	}
	go func() {
		wwg.Wait()
		close(asked)
	}()
	var dedup *schema.Dedup
	err := inOrder(asked, func(c planned) int { return c.n }, func(c planned) error {
		if c.n == 0 {
			dedup = hasher.Sized(int(expect.Load()))
		}
		if c.err != nil {
			return c.err
		}
		p.dedup(&c, dedup)
		if err := p.decide(ctx, c, in, out); err != nil {
			return err
		}
		<-window
		return nil
	})
	close(stop)
	for range asked { // let the workers go
	}
	wg.Wait()
	return cmp.Or(err, readErr)
}

// planned is a chunk of rows, numbered in roster order, and what the
// state store knows of them.
type planned struct {
	n     int
	rows  []read.Row
	items []item
	// errs are each row's mapping problems, which the duplicate check
	// adds to; keys and hashes the key values it checks (len(Schema.Key)
	// per row, flat; none for a row the mapping refused).
	errs   [][]schema.FieldError
	keys   []string
	hashes []uint64
	known  map[string]state.Person
	byID   map[string]state.Person
	err    error // the state store's, for this chunk
}

// read sends r's rows a chunk at a time, numbered. A read error drops the
// rows of the chunk it ends, as plan always has.
func (p *planner) read(ctx context.Context, r read.Reader, chunks chan<- planned, window chan struct{}, stop <-chan struct{}, first func([]read.Row)) error {
	rows := make([]read.Row, 0, planChunk)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := r.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if err == nil {
			rows = append(rows, row)
			if len(rows) < planChunk {
				continue
			}
		}
		if len(rows) > 0 {
			if n == 0 {
				first(rows)
			}
			select {
			case window <- struct{}{}:
			case <-stop:
				return nil
			}
			select {
			case chunks <- planned{n: n, rows: rows}:
			case <-stop:
				return nil
			}
			n++
			rows = make([]read.Row, 0, planChunk)
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

// prepare maps a chunk's rows and, for each the mapping accepts, finds
// its key, its key values' hashes and its change digests: the validator's
// item but for the duplicate check, which needs roster order (see dedup).
func (p *planner) prepare(c *planned, hasher *schema.Dedup) {
	nk := len(p.s.Key)
	c.items = make([]item, len(c.rows))
	c.errs = make([][]schema.FieldError, len(c.rows))
	c.keys = make([]string, 0, len(c.rows)*nk)
	c.hashes = make([]uint64, 0, len(c.rows)*nk)
	for i, row := range c.rows {
		rec, errs := p.v.m.Map(row.Cells)
		errs = p.v.rows.add(row, errs)
		it := &c.items[i]
		*it = item{line: row.Line, cells: p.v.m.Mask(row.Cells), rec: rec, identity: p.v.m.Identity(row.Cells)}
		it.key = p.s.KeyOf(rec)
		c.errs[i] = errs
		if schema.Failed(errs) {
			continue
		}
		keys := p.s.KeyValues(rec, c.keys)
		c.hashes = hasher.Hashes(keys[len(c.keys):], c.hashes)
		c.keys = keys
		if p.dig != nil && it.key != "" {
			it.digests = p.dig.rowDigests(rec)
		}
	}
	c.rows = nil
}

// dedup finishes a chunk's items in roster order, as validator.item does:
// the duplicate check, then the problems; an invalid row keeps its key
// only as the key seen.
func (p *planner) dedup(c *planned, d *schema.Dedup) {
	nk := len(p.s.Key)
	d.Warm(c.hashes)
	k := 0
	for i := range c.items {
		it, errs := &c.items[i], c.errs[i]
		if !schema.Failed(errs) {
			errs = append(errs, d.CheckHashed(c.keys[k:k+nk], c.hashes[k:k+nk], it.line)...)
			k += nk
		}
		it.seq = p.v.seq
		p.v.seq++
		it.problems, it.warnings = problems(errs)
		if !it.valid() {
			it.seenKey, it.key, it.digests = it.key, "", rowDigests{}
		}
	}
	c.errs, c.keys, c.hashes = nil, nil, nil
}

// askStore asks the state store the run's own questions about a chunk:
// who has this key, who has this identity. It asks about every row the
// mapping accepted: the duplicate check, made after, only takes some away.
func (p *planner) askStore(c *planned) (known, byID map[string]state.Person, err error) {
	known, byID = map[string]state.Person{}, map[string]state.Person{}
	if p.opt.State == nil {
		return known, byID, nil
	}
	var keys, ids []string
	for i := range c.items {
		if it := &c.items[i]; it.key != "" && !schema.Failed(c.errs[i]) {
			keys = append(keys, it.key)
			if it.identity != "" {
				ids = append(ids, it.identity)
			}
		}
	}
	if len(keys) > 0 {
		if known, err = getKnown(p.opt.State, p.opt.Scope, keys); err != nil {
			return nil, nil, fmt.Errorf("state store: %w", err)
		}
	}
	if len(ids) > 0 {
		if byID, err = p.opt.State.ByIdentity(p.opt.Scope, ids); err != nil {
			return nil, nil, fmt.Errorf("state store: %w", err)
		}
	}
	return known, byID, nil
}

// decide writes one chunk's outcomes in roster order.
func (p *planner) decide(ctx context.Context, c planned, in chan<- submit.Job, out <-chan submit.Found) error {
	items, known := c.items, c.known
	if p.opt.State != nil {
		conflicts(items, known, c.byID, p.dig) // the run's own rule
	}
	// One buffer for every chunk: each outcome is set whole below, and
	// the sink and the summary keep copies, never the element.
	if cap(p.outs) < len(items) {
		p.outs = make([]Outcome, len(items))
	}
	outs := p.outs[:len(items)]
	var ask []int // items the vendor is asked about
	for i := range items {
		it := &items[i]
		o := &outs[i]
		*o = Outcome{Line: it.line, Cells: it.cells}
		person := known[it.key]
		switch {
		case !it.valid():
			o.Status, o.Problems = Invalid, it.problems
		case it.conflict != nil:
			o.Status, o.Problems = PlanConflict, []Problem{it.conflict.problem()}
		case it.key != "" && person.Status == state.StatusCreated:
			o.Status, o.ID = PlanAlreadyOnboarded, person.VendorID
			if p.dig != nil {
				if !it.digests.made { // conflicts() may have made them
					it.digests = p.dig.rowDigests(it.rec)
				}
				o.Changed = p.dig.changedFields(&person, it.digests)
			}
			hint := ""
			if len(o.Changed) > 0 {
				o.Status = PlanChanged
				if p.opt.Update && p.opt.Updater != nil {
					if u := planUpdate(p.opt.Updater, it, person, o.Changed); len(u.fields) == 0 {
						hint = "a run with --update cannot send it: " + u.note
						p.unsendable++
					} else {
						hint = "a run with --update sends " + strings.Join(u.fields, ", ")
					}
				}
			}
			o.Problems = []Problem{{Code: AlreadyOnboarded, Message: skippedMessage(person, o.Changed, hint)}}
		case p.opt.Finder != nil:
			ask = append(ask, i)
		default:
			o.Status = PlanCreate
			o.Note = "the vendor was not asked"
		}
	}
	if len(ask) > 0 {
		if err := p.ask(ctx, items, outs, ask, in, out); err != nil {
			return err
		}
	}
	for i := range outs {
		p.sum.Add(&outs[i])
		if err := p.sink.Write(outs[i]); err != nil {
			return err
		}
	}
	if p.opt.Progress != nil {
		p.opt.Progress(p.sum)
	}
	return nil
}

// ask looks up the people of items[ask] at the vendor and decides them.
func (p *planner) ask(ctx context.Context, items []item, outs []Outcome, ask []int, in chan<- submit.Job, out <-chan submit.Found) error {
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for _, i := range ask {
			in <- submit.Job{Seq: i, Line: items[i].line, Key: items[i].key, Record: items[i].rec}
		}
	}()
	var fatal *providers.Error
	for range ask {
		f := <-out
		o := &outs[f.Job.Seq]
		o.Attempts = f.Lookups
		switch {
		case f.Err == nil && f.Found:
			o.Status, o.ID = PlanExistsAtVendor, f.ID
			o.Problems = []Problem{{Code: ExistsAtVendor, Message: "the vendor has this person" + idText(f.ID) + "; " + existingWords(p.opt.Submit.Existing)}}
		case f.Err == nil:
			o.Status = PlanCreate
		default:
			o.Status = PlanCreate
			o.Problems = []Problem{{Code: string(f.Err.Code), Message: "the vendor could not be asked (" + f.Err.Error() + "); a run would try to create"}}
			p.lookupFailures++
			if f.Err.Fatal() && fatal == nil {
				fatal = f.Err
			}
		}
		if f.Err == nil {
			p.lookups++
			p.took += f.Took
		}
	}
	<-sent
	if fatal != nil {
		return fatal
	}
	return ctx.Err()
}

func idText(id string) string {
	if id == "" {
		return ""
	}
	return " (ID " + id + ")"
}
