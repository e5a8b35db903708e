package batch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// AlreadyOnboarded is the code of a row skipped because an earlier run
// created the person.
const AlreadyOnboarded = "ALREADY_ONBOARDED"

// window bounds the rows between the reader and the results sheet, so a
// slow row at the top of a million invalid ones cannot fill memory.
const window = 4096

// markChunk is how many rows are marked in_flight in one transaction (a
// durable commit, so an fsync): about two seconds of sending at the
// configured rate, between 32 and 1,024 rows. Larger chunks cost fewer
// commits; smaller ones leave fewer rows to look up after a crash.
func markChunk(rate float64) int {
	if rate <= 0 {
		return 1024
	}
	return min(1024, max(32, int(rate*2)))
}

// RunOptions configure a run.
type RunOptions struct {
	Submit submit.Options
	// State is the store that makes runs idempotent; nil runs without one.
	State state.Ledger
	Scope state.Scope
	RunID int64
	// Update sends the changes of already onboarded people through the
	// vendor's update call (providers.Updater); without it they are
	// skipped, saying what changed.
	Update bool
	// Progress is called from one goroutine after each outcome.
	Progress func(*Summary)
	// NoMissing, when set, says why this run lists no missing people:
	// the file is not the whole roster (a fix file, --partial), or a
	// watched night lists them once its whole drop is in.
	NoMissing string
	// MissingSince is the first run whose sightings count against
	// missing (a watched night's first run); 0 is the run itself.
	MissingSince int64
}

// Run reads, validates and submits every row of r, and writes one Outcome
// per row to sink in roster order. ctx is the soft stop: once done, no new
// create is sent, requests in flight finish, and every row not sent is
// written as not_attempted. A fatal vendor error (bad credentials, licences
// used up) stops sending the same way and is returned as *providers.Error.
// Reader and sink errors are returned as they are.
func Run(ctx context.Context, r read.Reader, s *schema.Schema, m *schema.Mapper, c providers.Client, sink Sink, sum *Summary, opt RunOptions) error {
	var (
		halted  atomic.Bool // a fatal answer, a guard or ctx: send nothing more
		fatal   atomic.Pointer[providers.Error]
		stopped atomic.Pointer[stopCause] // the breaker or a limit
	)
	g, gctx := errgroup.WithContext(context.WithoutCancel(ctx))
	// soft is the pool's stop: the caller's ctx, or a failed write (a full
	// disk under the results or the state store). Either way no new create
	// is sent and the requests in flight finish.
	soft, softStop := context.WithCancel(ctx)
	defer softStop()
	rows := make(chan []read.Row, 4)
	jobs := make(chan submit.Job, max(opt.Submit.Workers, 1)*2)
	direct := make(chan []ordered, 4)
	results := make(chan submit.Result, max(opt.Submit.Workers, 1)*2)
	slots := make(chan struct{}, window)
	cells := &cellStore{m: map[int]held{}}
	opt.State = ledgerOrNil(opt.State)
	var dig *digester
	if opt.State != nil {
		salt, err := opt.State.DigestSalt()
		if err != nil {
			return fmt.Errorf("state store: %w", err)
		}
		dig = newDigester(s, salt)
	}
	up, _ := c.(providers.Updater)

	// The duplicate index is made at the size the reader estimates from
	// its first chunk, as validate's is: grown from empty, it took 2.7
	// times the room at each step, the old and new tables both live.
	var expect atomic.Int64
	g.Go(func() error {
		return readChunks(gctx, r, markChunk(opt.Submit.Rate), rows, func(first []read.Row) {
			expect.Store(int64(expectRows(r, sum.Input, first)))
		})
	})
	validated := make(chan []item, 2)
	g.Go(func() error { // validation overlaps the state look-ups
		defer close(validated)
		v := newValidator(s, m)
		v.dig = dig // digests made here, beside the mapping, not on the dispatcher
		sized := false
		for batch := range rows {
			if !sized { // readChunks set expect before it sent the first chunk
				sized = true
				if n := expect.Load(); n > 0 {
					v.dedup = v.dedup.Sized(int(n))
				}
			}
			items := v.items(batch)
			select {
			case validated <- items:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	keyed := make(chan askedChunk, 1)
	g.Go(func() error { // the store's people for the chunk's keys, ahead of the marks
		defer close(keyed)
		for items := range validated {
			c := askedChunk{items: items}
			if opt.State != nil {
				c.known, c.err = knownByKey(opt.State, opt.Scope, items)
			}
			select {
			case keyed <- c:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	d := dispatcher{opt: &opt, halted: &halted, ctx: soft, fatal: &fatal, guard: &stopped, cells: cells, dig: dig, up: up}
	asked := make(chan consulted) // unbuffered: one chunk asked ahead
	g.Go(func() error {
		// The state store is asked about (and marks) the next chunk while
		// this one is sent: the workers do not wait for the marks' commit.
		defer close(asked)
		for k := range keyed {
			c, err := d.ask(k)
			if err != nil {
				return err
			}
			select {
			case asked <- c:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		defer close(jobs)
		defer close(direct)
		for c := range asked {
			if err := d.dispatch(gctx, c, jobs, direct, slots); err != nil {
				return err
			}
		}
		return nil
	})
	g.Go(func() error {
		defer close(results)
		stats, err := submit.Run(soft, c, opt.Submit, jobs, results)
		sum.Achieved = stats.Achieved()
		sum.RateLimited = int(stats.RateLimited)
		var pe *providers.Error
		var h *submit.Halt
		switch {
		case errors.As(err, &h):
			stopped.Store(&stopCause{err: h})
			halted.Store(true)
			return nil
		case errors.As(err, &pe):
			fatal.Store(pe)
			halted.Store(true)
			return nil
		}
		return err
	})
	if p, ok := opt.State.(missingPreparer); ok && opt.NoMissing == "" {
		g.Go(func() error {
			// Only saves time after the last row: without it, Missing
			// reads the scope itself (and reports what fails).
			_ = p.PrepareMissing(gctx, opt.Scope, missingSince(&opt))
			return nil
		})
	}
	var rec *recorder
	if opt.State != nil {
		rec = &recorder{opt: &opt, ch: make(chan []state.Outcome, 2)}
		g.Go(func() error { return rec.run(softStop) })
	}
	g.Go(func() error {
		rc := reconciler{sink: sink, sum: sum, opt: &opt, cells: cells, pending: map[int]Outcome{}, rec: rec}
		err := rc.run(gctx, direct, results, slots, &halted, &fatal)
		if err != nil {
			// A write failed here or elsewhere: stop the pool and take in
			// what is in flight, so no worker blocks on its answer; the
			// state store keeps what it can of those answers. In its own
			// goroutine: returning the error is what stops the dispatcher.
			softStop()
			g.Go(func() error { rc.drain(results); rec.close(); return nil })
			return err
		}
		rec.close()
		return nil
	})
	err := g.Wait()
	sum.End = time.Now()
	if err != nil {
		return err
	}
	switch {
	case opt.State == nil:
	case opt.NoMissing != "":
		sum.MissingNote = opt.NoMissing
	default:
		// Every row was read and seen: whoever the store knows and the
		// run did not see is missing from today's file.
		if err := listMissing(sink, sum, &opt); err != nil {
			return err
		}
	}
	if pe := fatal.Load(); pe != nil {
		return pe
	}
	if sc := stopped.Load(); sc != nil {
		return sc.err
	}
	return nil
}

// ledgerOrNil is l, or nil for a nil *state.Store: a nil store was how a
// caller said "no state store" before stores were an interface.
func ledgerOrNil(l state.Ledger) state.Ledger {
	if s, ok := l.(*state.Store); ok && s == nil {
		return nil
	}
	return l
}

// stateError names the state file in a failed state write.
func stateError(st state.Ledger, err error) error {
	return fmt.Errorf("state store %s: %w", st.Path(), err)
}

// stopCause boxes the *submit.Halt that stopped a run.
type stopCause struct{ err *submit.Halt }

// ordered is an outcome with its place in the roster.
type ordered struct {
	seq int
	o   Outcome
}

// cellStore holds the cells of rows out at the vendor, so jobs carry only
// what the vendor needs. The dispatcher puts before it sends the job, so the
// reconciler always finds them when the result arrives.
type cellStore struct {
	mu sync.Mutex
	m  map[int]held
}

// held is what the reconciler needs of a row at the vendor besides its
// result: the cells for the sheet, and what the state store records.
type held struct {
	cells    []string
	warnings []Problem // validation warnings
	identity string
	digests  map[string]string // to store once updated
	packed   state.DigestRow   // to store once created (no update)
	changed  []string          // an update's changed fields
	note     string            // an update's note on fields not sent
}

func (c *cellStore) put(seq int, h held) {
	c.mu.Lock()
	c.m[seq] = h
	c.mu.Unlock()
}

func (c *cellStore) take(seq int) held {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.m[seq]
	delete(c.m, seq)
	return h
}

// dispatcher turns validated rows into outcomes (invalid, skipped, not
// attempted) or jobs, consulting and marking the state store per chunk.
type dispatcher struct {
	opt    *RunOptions
	halted *atomic.Bool
	fatal  *atomic.Pointer[providers.Error]
	guard  *atomic.Pointer[stopCause]
	ctx    context.Context // the soft stop
	cells  *cellStore
	dig    *digester         // nil without a state store
	up     providers.Updater // nil when the vendor has no update call
	// A re-run skips most rows: their one problem each is cut from probs,
	// and their message, the same for everyone one run created on one
	// day, is made once (skipped).
	probs   []Problem
	skipped skippedMessages
}

// problem is []Problem{p}, cut from a block the dispatcher allocates
// once for many rows (its capacity is 1: an append copies).
func (d *dispatcher) problem(p Problem) []Problem {
	if len(d.probs) == 0 {
		d.probs = make([]Problem, chunk)
	}
	out := d.probs[:1:1]
	out[0], d.probs = p, d.probs[1:]
	return out
}

// askedChunk is a chunk of validated rows and the people the state store
// holds under their keys (knownByKey).
type askedChunk struct {
	items []item
	known map[string]state.Person
	err   error
}

// knownByKey asks the store who holds the keys of a chunk's valid rows.
// It runs ahead of the marks: a valid row's key is on no other valid row
// of the file (a duplicate is invalid), so the marks and outcomes of the
// chunks before it change no answer. Who holds an identity is asked in
// consult, after the chunk before it was marked.
func knownByKey(st state.Ledger, sc state.Scope, items []item) (map[string]state.Person, error) {
	keys := make([]string, 0, len(items))
	for i := range items {
		if it := &items[i]; it.valid() && it.key != "" {
			keys = append(keys, it.key)
		}
	}
	if len(keys) == 0 {
		return map[string]state.Person{}, nil
	}
	return getKnown(st, sc, keys)
}

// packedGetter is a store whose Get can hand back each person's digests
// packed (state.Store: see GetPacked), for a run or a plan that only
// compares them.
type packedGetter interface {
	GetPacked(sc state.Scope, keys []string) (map[string]state.Person, error)
}

// getKnown is st's Get, packed when st can.
func getKnown(st state.Ledger, sc state.Scope, keys []string) (map[string]state.Person, error) {
	if pg, ok := st.(packedGetter); ok {
		return pg.GetPacked(sc, keys)
	}
	return st.Get(sc, keys)
}

// consulted is a chunk the state store was asked about, ready to dispatch.
type consulted struct {
	items   []item
	known   map[string]state.Person // by key
	held    map[string]bool         // people another run still holds: not sent
	stopped bool                    // the run had stopped when it was asked: nothing marked
}

// ask consults the state store about a chunk (see consult); without a
// store it only notes whether the run has stopped.
func (d *dispatcher) ask(k askedChunk) (consulted, error) {
	c := consulted{items: k.items, known: map[string]state.Person{}, stopped: d.stopped()}
	if d.opt.State != nil {
		err := k.err
		if err == nil {
			c.known, c.held, err = d.consult(k.items, k.known, c.stopped)
		}
		if err != nil {
			return c, stateError(d.opt.State, err)
		}
	}
	return c, nil
}

// dispatch sends a chunk's rows to the pool as jobs, and the outcomes of
// the others (skipped, invalid, not attempted) to the reconciler, those
// in a row together as one slice: a re-run's every row, one channel
// operation a row, was two selects here and one there.
func (d *dispatcher) dispatch(ctx context.Context, c consulted, jobs chan<- submit.Job, direct chan<- []ordered, slots chan<- struct{}) error {
	items, known, stopped := c.items, c.known, c.stopped
	var done []ordered
	flush := func() error {
		if len(done) == 0 {
			return nil
		}
		select {
		case direct <- done:
		case <-ctx.Done():
			return ctx.Err()
		}
		done = nil
		return nil
	}
	for i := range items {
		it := &items[i]
		select {
		case slots <- struct{}{}:
		default:
			// The window is full: hand over the outcomes held here
			// before waiting for the sheet to free slots.
			if err := flush(); err != nil {
				return err
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		o, isDone := d.outcome(it, known, stopped)
		if !isDone && c.held[it.key] && it.update == nil {
			o.Status, isDone = NotAttempted, true
			o.Problems = []Problem{{Code: string(providers.Interrupted), Message: "not sent: another run holds this person and the run stopped before it let go"}}
		}
		if isDone {
			if done == nil {
				done = make([]ordered, 0, len(items)-i)
			}
			done = append(done, ordered{it.seq, o})
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		h := held{cells: it.cells, warnings: it.warnings, identity: it.identity}
		job := submit.Job{Seq: it.seq, Line: it.line, Key: it.key, Record: it.rec,
			Recover: known[it.key].Status == state.StatusInFlight}
		if u := it.update; u != nil { // an --update of a changed person
			job.Update = &submit.Update{ID: u.id, Fields: u.fields}
			h.changed, h.note = u.changed, u.note
			p := known[it.key]
			h.digests = mergeDigests(p.DigestMap(), d.dig.digestMap(it.digests), u.fields)
		} else {
			h.packed = d.dig.packed(it.digests)
		}
		d.cells.put(it.seq, h)
		select {
		case jobs <- job:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return flush()
}

// consult asks the state store about a chunk: who is known by identity
// (known, by key, was asked ahead), which rows conflict, and then stamps
// everyone the chunk holds as seen and marks the rows to create in
// flight. It returns the people known by key, and those another run
// still holds (see claim).
func (d *dispatcher) consult(items []item, known map[string]state.Person, stopped bool) (_ map[string]state.Person, held map[string]bool, err error) {
	var ids []string
	for i := range items {
		it := &items[i]
		switch {
		case it.valid() && it.key != "":
			if it.identity != "" {
				ids = append(ids, it.identity)
			}
		case !it.valid() && it.identity != "":
			// An invalid row of a known person is a person seen, even
			// when the key itself is what is wrong today.
			ids = append(ids, it.identity)
		}
	}
	byID := map[string]state.Person{}
	if len(ids) > 0 {
		if byID, err = d.opt.State.ByIdentity(d.opt.Scope, ids); err != nil {
			return nil, nil, err
		}
	}
	conflicts(items, known, byID, d.dig)
	var send []state.Mark
	seen := make([]state.Sighting, 0, len(items)) // a re-run sees every row
	for i := range items {
		it := &items[i]
		switch {
		case !it.valid():
			if it.seenKey != "" {
				seen = append(seen, state.Sighting{Key: it.seenKey})
			}
			if p, ok := byID[it.identity]; ok && it.identity != "" && p.Key != it.seenKey {
				seen = append(seen, state.Sighting{Key: p.Key})
			}
		case it.key == "":
		case it.conflict != nil:
			if it.conflict.seenKey != "" {
				seen = append(seen, state.Sighting{Key: it.conflict.seenKey})
			}
		default:
			if p := known[it.key]; p.Status == state.StatusCreated {
				// A person without digests (created before they were
				// kept) takes today's as the baseline; one without an
				// identity takes today's. The rest only need the stamp.
				sg := state.Sighting{Key: it.key}
				if p.Identity == "" {
					sg.Identity = it.identity
				}
				if !p.HasDigests() {
					sg.Digests = d.dig.digestMap(it.digests)
				}
				seen = append(seen, sg)
				continue
			}
			send = append(send, state.Mark{Key: it.key, Identity: it.identity})
			if stopped {
				seen = append(seen, state.Sighting{Key: it.key})
			}
		}
	}
	if err := d.opt.State.Seen(d.opt.Scope, d.opt.RunID, seen); err != nil {
		return nil, nil, err
	}
	if !stopped && len(send) > 0 {
		// Durable before any of them is sent: a crash from here on
		// leaves them in_flight, and the next run recovers them.
		if held, err = d.claim(send, known); err != nil {
			return nil, nil, err
		}
	}
	return known, held, nil
}

// heldPoll bounds the pause before asking again for people another run
// holds.
const heldPoll = time.Second

// claim claims the people about to be sent. On a store many runs share
// (PostgreSQL), people another live run holds are asked for again until
// that run resolves them or its lease lapses: known is refreshed for them,
// so a person created meanwhile is skipped as already onboarded, and one
// taken over from a run that died while it may have sent them is looked up
// before any create. People still held when the run stops are not sent:
// claim returns them.
func (d *dispatcher) claim(send []state.Mark, known map[string]state.Person) (map[string]bool, error) {
	for {
		c, err := d.opt.State.Claim(d.opt.Scope, d.opt.RunID, send)
		if err != nil {
			return nil, err
		}
		for _, k := range c.MaybeSent {
			p := known[k]
			p.Key, p.Status = k, state.StatusInFlight
			known[k] = p
		}
		if len(c.Held) == 0 {
			return nil, nil
		}
		held := make(map[string]bool, len(c.Held))
		for _, k := range c.Held {
			held[k] = true
		}
		if d.stopped() || !sleepCtx(d.ctx, min(max(c.HeldFor, 50*time.Millisecond), heldPoll)) {
			return held, nil
		}
		fresh, err := d.opt.State.Get(d.opt.Scope, c.Held)
		if err != nil {
			return nil, err
		}
		next := send[:0:0]
		for _, m := range send {
			if !held[m.Key] {
				continue
			}
			if p, ok := fresh[m.Key]; ok && p.Status == state.StatusCreated {
				known[m.Key] = p // another run created them: skipped
				continue
			}
			next = append(next, m)
		}
		if len(next) == 0 {
			return nil, nil
		}
		send = next
	}
}

// sleepCtx waits d or until ctx is done; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// planUpdate picks what an update of a changed person sends: the changed
// fields the vendor's call accepts and the row holds. The note names the
// others.
func (d *dispatcher) planUpdate(it *item, p state.Person, changed []string) *updatePlan {
	return planUpdate(d.up, it, p, changed)
}

// planUpdate is the update of it's changed fields through up, as run
// --update sends it and plan counts it: nothing to send (fields empty,
// the note says why) when no changed field can be sent or the call
// cannot be made from this row (iSpring's needs a login and an email).
func planUpdate(up providers.Updater, it *item, p state.Person, changed []string) *updatePlan {
	u := &updatePlan{id: p.VendorID, changed: changed}
	if up == nil {
		u.note = "the vendor documents no update call"
		return u
	}
	if p.VendorID == "" {
		u.note = "the state store has no vendor ID for this person"
		return u
	}
	if c, ok := up.(providers.RowUpdateChecker); ok {
		if why := c.CannotUpdate(it.rec); why != "" {
			u.note = why
			return u
		}
	}
	var cleared, refused []string
	for _, f := range changed {
		switch _, set := it.rec[f]; {
		case !set:
			cleared = append(cleared, f)
		case !up.Updatable(f):
			refused = append(refused, f)
		default:
			u.fields = append(u.fields, f)
		}
	}
	var notes []string
	if len(refused) > 0 {
		notes = append(notes, "the vendor's update call does not take "+strings.Join(refused, ", "))
	}
	if len(cleared) > 0 {
		notes = append(notes, "empty in the file, and onboard never clears a value: "+strings.Join(cleared, ", "))
	}
	u.note = strings.Join(notes, "; ")
	return u
}

// updatePlan is one --update: the person's vendor ID, every changed field,
// the ones sent, and a note on the rest.
type updatePlan struct {
	id      string
	changed []string
	fields  []string
	note    string
}

func (d *dispatcher) stopped() bool {
	if d.ctx.Err() != nil {
		d.halted.Store(true)
	}
	return d.halted.Load()
}

// outcome decides a row that needs no request (done is true), or reports
// that it must be sent.
func (d *dispatcher) outcome(it *item, known map[string]state.Person, stopped bool) (o Outcome, done bool) {
	o = Outcome{Line: it.line, Cells: it.cells, Warnings: it.warnings}
	switch p := known[it.key]; {
	case !it.valid():
		o.Status, o.Problems = Invalid, it.problems
	case it.conflict != nil:
		o.Status, o.Problems = Conflict, []Problem{it.conflict.problem()}
	case it.key != "" && p.Status == state.StatusCreated:
		o.Changed = d.dig.changedFields(&p, it.digests)
		hint := ""
		switch {
		case len(o.Changed) == 0:
		case !d.opt.Update:
			if d.up != nil {
				hint = "run with --update to send the changes"
			}
		case p.VendorID == "":
			hint = "not updated: the state store has no vendor ID for this person"
		case stopped:
			hint = "not updated: the run stopped"
		default:
			if it.update = d.planUpdate(it, p, o.Changed); len(it.update.fields) > 0 {
				return o, false // sent as an update
			}
			hint = "not updated: " + it.update.note
			it.update = nil
		}
		o.Status, o.ID = Skipped, p.VendorID
		o.Problems = d.problem(Problem{Code: AlreadyOnboarded, Message: d.skipped.message(p, o.Changed, hint)})
	case stopped:
		o.Status = NotAttempted
		o.Problems = []Problem{{Code: string(providers.Interrupted), Message: d.stopReason()}}
	default:
		return o, false
	}
	return o, true
}

func (d *dispatcher) stopReason() string {
	if pe := d.fatal.Load(); pe != nil {
		return submit.NotSentMessage(pe)
	}
	if sc := d.guard.Load(); sc != nil {
		return submit.NotSentMessage(sc.err)
	}
	return "not sent: the run was interrupted"
}

// stateBatch is how many outcomes go to the state store in one transaction
// (or fewer, every 100 ms): a commit a chunk of marks, not five. An outcome
// a crash loses leaves its person in flight, which the next run looks up.
const stateBatch = 1024

// reconciler owns the sink and the state writes: it turns results into
// outcomes, records them in the state store in batches, and writes them to
// the sink in roster order.
type reconciler struct {
	sink    Sink
	sum     *Summary
	opt     *RunOptions
	cells   *cellStore
	pending map[int]Outcome // by seq, waiting for earlier rows
	next    int
	record  []state.Outcome
	rec     *recorder // nil without a state store
}

// recorder writes the reconciler's batches of outcomes to the state store
// on a goroutine of its own, so the pool's answers keep coming in while a
// batch commits (the results channel holds two answers a worker). After a
// failed write it stops the run and records nothing more; the reconciler
// sees the error at its next batch.
type recorder struct {
	opt    *RunOptions
	ch     chan []state.Outcome
	failed atomic.Pointer[error]
}

// run records each batch until ch is closed, and returns the first error.
func (r *recorder) run(stop func()) error {
	for batch := range r.ch {
		if r.failed.Load() != nil {
			continue // take in the rest: the reconciler must not block
		}
		if err := r.opt.State.Record(r.opt.Scope, r.opt.RunID, batch); err != nil {
			err = stateError(r.opt.State, err)
			r.failed.Store(&err)
			stop()
		}
	}
	return r.err()
}

// err is the failed write's error; nil-safe.
func (r *recorder) err() error {
	if r == nil {
		return nil
	}
	if e := r.failed.Load(); e != nil {
		return *e
	}
	return nil
}

// close ends run once the last batch is in; nil-safe.
func (r *recorder) close() {
	if r != nil {
		close(r.ch)
	}
}

func (rc *reconciler) run(ctx context.Context, direct <-chan []ordered, results <-chan submit.Result, slots <-chan struct{}, halted *atomic.Bool, fatal *atomic.Pointer[providers.Error]) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for direct != nil || results != nil {
		select {
		case ds, ok := <-direct:
			if !ok {
				direct = nil
				continue
			}
			for i := range ds {
				if err := rc.add(ds[i].seq, ds[i].o, slots); err != nil {
					return err
				}
			}
		case res, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			if res.Err != nil && res.Err.Fatal() {
				halted.Store(true)
				fatal.CompareAndSwap(nil, res.Err)
			}
			if err := rc.add(res.Job.Seq, rc.fromResult(res), slots); err != nil {
				return err
			}
		case <-tick.C:
			if err := rc.flushState(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := rc.flushState(); err != nil {
		return err
	}
	if len(rc.pending) > 0 {
		return fmt.Errorf("internal error: %d rows left without a status", len(rc.pending))
	}
	return nil
}

// fromResult turns a pool result into the row's outcome and queues its
// state change.
func (rc *reconciler) fromResult(res submit.Result) Outcome {
	h := rc.cells.take(res.Job.Seq)
	o := Outcome{Line: res.Job.Line, Cells: h.cells, Warnings: h.warnings, Attempts: res.Attempts, Note: res.Note}
	st := state.Outcome{Key: res.Job.Key, Identity: h.identity, Digests: h.digests, Packed: h.packed}
	keep := false // a failed update leaves the store as it was
	switch {
	case res.Job.Update != nil:
		// The person stays created; only a sent update moves the digests.
		o.Status, o.ID, o.Changed = Updated, res.Job.Update.ID, h.changed
		o.Note = "updated: " + strings.Join(res.Job.Update.Fields, ", ")
		if h.note != "" {
			o.Note += "; not sent: " + h.note
		}
		st.Status = state.StatusCreated
		switch {
		case res.Err == nil:
		case res.Err.Code == providers.Interrupted && res.Attempts == 0:
			o.Status, o.Note, keep = NotAttempted, "", true
		default:
			o.Status, o.Note, keep = Failed, "update failed: the person is as before at the vendor and in the state store", true
		}
	case res.Err == nil:
		o.Status, o.ID = Created, res.Created.ID
		if res.Adopted {
			o.Status = Adopted
		}
		// An adopted person is recorded like a created one, so later runs
		// skip them; without a vendor ID when no lookup found it.
		st.Status, st.VendorID = state.StatusCreated, res.Created.ID
		if res.Recovered {
			rc.sum.Recovered++
		}
	case res.Skipped:
		o.Status = Skipped
		st.Status = "" // not ours: undo the in_flight mark, ask again next run
	case res.Err.Code == providers.Interrupted && res.Attempts == 0:
		// Never sent by this run. A row an earlier run left in flight
		// stays so (res.Unknown: not recorded below).
		o.Status = NotAttempted
		st.Status = "" // never sent: undo the in_flight mark
	case res.Unknown:
		o.Status = Unknown
	default:
		o.Status = Failed
		st.Status = state.StatusFailed
	}
	if e := res.Err; e != nil {
		// Vendor text is valid UTF-8 without control characters before it
		// reaches any output, the terminal or a notification.
		clean := providers.CleanText
		msg, field, code := clean(e.Message), clean(e.Field), clean(e.VendorCode)
		o.Problems = []Problem{{Code: string(e.Code), Field: field, Message: msg}}
		if o.Status == Unknown {
			// The vendor's last answer (or its absence) stays in the
			// vendor columns; the row's problem is the unknown outcome.
			o.Problems = []Problem{{Code: OutcomeUnknown, Message: outcomeUnknownMsg}}
			o.Note = "last answer: " + clean(e.Error())
		}
		o.VendorStatus, o.VendorCode, o.VendorMsg = e.Status, code, msg
	}
	// An unknown outcome stays in_flight: the next run resolves it.
	if rc.opt.State != nil && res.Job.Key != "" && !res.Unknown && !keep {
		rc.record = append(rc.record, st)
	}
	return o
}

// drain takes in the results still coming after the run failed: they are
// not written to the sink (its turn order is broken), but the people they
// created go to the state store when it still works, so a next run skips
// them rather than looking them up.
func (rc *reconciler) drain(results <-chan submit.Result) {
	for res := range results {
		rc.fromResult(res)
	}
	_ = rc.flushState() // when the state store is what failed, it stays failed
}

// flushState hands the outcomes queued so far to the recorder.
func (rc *reconciler) flushState() error {
	if err := rc.rec.err(); err != nil || rc.rec == nil || len(rc.record) == 0 {
		return err
	}
	rc.rec.ch <- rc.record
	rc.record = make([]state.Outcome, 0, stateBatch) // the recorder has that one
	return nil
}

// add queues o and writes every outcome whose turn has come. An outcome
// whose turn it is (every row a re-run skips comes in order) is written
// without going through pending.
func (rc *reconciler) add(seq int, o Outcome, slots <-chan struct{}) error {
	if seq != rc.next {
		rc.pending[seq] = o // its turn has not come: nothing else's has
	} else {
		for {
			if err := rc.write(&o, slots); err != nil {
				return err
			}
			next, ok := rc.pending[rc.next]
			if !ok {
				break
			}
			delete(rc.pending, rc.next)
			o = next
		}
	}
	if len(rc.record) >= stateBatch {
		return rc.flushState()
	}
	return nil
}

// write counts o, whose turn it is, and writes it to the sink.
func (rc *reconciler) write(o *Outcome, slots <-chan struct{}) error {
	rc.next++
	rc.sum.Add(o)
	if o.Status == Skipped && len(o.Problems) > 0 && o.Problems[0].Code == AlreadyOnboarded {
		rc.sum.Skipped++
	}
	if len(o.Changed) > 0 {
		rc.sum.Changed++
	}
	if err := rc.sink.Write(*o); err != nil {
		return err
	}
	<-slots
	if rc.opt.Progress != nil {
		rc.opt.Progress(rc.sum)
	}
	return nil
}
