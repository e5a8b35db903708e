package pgstate

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgtest"
)

// A simulated run of takers on one tenant's bucket, on a fake clock that
// the database is told (reserve's at): the real statement decides every
// turn, the simulation decides when each taker wakes for it, so a loaded
// machine's lateness is the same on every run of the test.

// simEvent is a taker asking for a token (turn zero) or waking for one
// (that may be late by up to late).
type simEvent struct {
	at, turn time.Time
	late     time.Duration
	seq      int
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// machine is when things happen on the simulated machine.
type machine struct {
	// ask moves an ask into the next moment takers ask (idle spells).
	ask func(at time.Time) time.Time
	// wake is when a taker whose turn is turn runs again.
	wake func(turn time.Time) time.Time
}

// simulate runs takers on b from start for d: each asks for a token, sends
// when it wakes for its turn unless the bucket says it woke too late (then
// asks again), and asks again service after a send. It returns the sends'
// times and the tokens spent unused.
func simulate(t *testing.T, b *Bucket, start time.Time, d time.Duration, takers int, service time.Duration, m machine) (sends []time.Time, unused int) {
	t.Helper()
	ctx := context.Background()
	rule := b.rule
	if rule == nil {
		rule = lateness
	}
	q := &simQueue{}
	seq := 0
	push := func(e simEvent) {
		seq++
		e.seq = seq
		heap.Push(q, e)
	}
	for range takers {
		push(simEvent{at: start})
	}
	end := start.Add(d)
	for q.Len() > 0 {
		e := heap.Pop(q).(simEvent)
		if e.at.After(end) {
			continue
		}
		if e.turn.IsZero() { // an ask
			if at := m.ask(e.at); at.After(e.at) {
				push(simEvent{at: at})
				continue
			}
			tok, err := b.reserve(ctx, &e.at)
			require.NoError(t, err)
			turn := e.at.Add(tok.wait)
			push(simEvent{at: m.wake(turn), turn: turn, late: rule(tok)})
			continue
		}
		if e.at.Sub(e.turn) > e.late {
			unused++
			push(simEvent{at: e.at})
			continue
		}
		sends = append(sends, e.at)
		push(simEvent{at: e.at.Add(service)})
	}
	return sends, unused
}

// rateOver is the sends' rate from skip after the first to the last.
func rateOver(sends []time.Time, skip time.Duration) float64 {
	var in []time.Time
	for _, s := range sends {
		if s.Sub(sends[0]) >= skip {
			in = append(in, s)
		}
	}
	if len(in) < 2 {
		return 0
	}
	return float64(len(in)-1) / in[len(in)-1].Sub(in[0]).Seconds()
}

// idleThenStall is the worst a late wake can do: every period the takers
// stop asking long enough for the row to fill, and the moment they ask
// again the machine stalls for exactly as long as the bucket lets a token
// be late, so every turn in the stall goes out at its end, beside the
// turns of the second after.
func idleThenStall(start time.Time, period, idle, stall time.Duration) machine {
	phase := func(at time.Time) (k int64, in time.Duration) {
		off := at.Sub(start)
		return int64(off / period), off % period
	}
	return machine{
		ask: func(at time.Time) time.Time {
			if k, in := phase(at); in >= period-idle {
				return start.Add(time.Duration(k+1) * period)
			}
			return at
		},
		wake: func(turn time.Time) time.Time {
			if k, in := phase(turn); k > 0 && in <= stall {
				return start.Add(time.Duration(k)*period + stall)
			}
			return turn
		},
	}
}

// loaded is a machine other work keeps busy: every wake is late by an
// exponential jitter (mean jitter), and the whole machine stalls for
// 10–50 ms about every 150 ms (a turn inside a stall wakes at its end).
func loaded(seed uint64, start time.Time, d, jitter time.Duration) machine {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	type span struct{ from, to time.Time }
	var stalls []span
	for at := start; at.Before(start.Add(d + time.Second)); {
		at = at.Add(time.Duration(50+rng.IntN(200)) * time.Millisecond)
		to := at.Add(time.Duration(10+rng.IntN(41)) * time.Millisecond)
		stalls = append(stalls, span{at, to})
		at = to
	}
	return machine{
		ask: func(at time.Time) time.Time { return at },
		wake: func(turn time.Time) time.Time {
			w := turn.Add(time.Duration(rng.ExpFloat64() * float64(jitter)))
			for _, s := range stalls {
				if !w.Before(s.from) && w.Before(s.to) {
					return s.to
				}
			}
			return w
		},
	}
}

// TestBucketLateTakersKeepTheWindow drives the bucket's real statement on
// a fake clock with late wakers. The bucket keeps every one-second window
// within rate + burst when late wakes come at the worst moment (after an
// idle spell filled the row, a stall of each length up to burst slots),
// and on a loaded machine keeps within 3% below the rate where the rule
// before it (one slot late at most) spends tokens unused. The negative
// control lets every token be burst slots late: it must exceed the
// window, proving the count can.
func TestBucketLateTakersKeepTheWindow(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.CreateDB(t, "bucketlate")
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	require.NoError(t, err)
	defer s.Close()

	const rate, burst = 50, 5
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tenants := 0
	bucket := func(lateSlots float64) *Bucket {
		tenants++
		b := s.Bucket(state.Scope{Provider: "p", BaseURL: fmt.Sprintf("https://t%d.example.com", tenants)}, rate, burst)
		if lateSlots > 0 {
			b.rule = func(token) time.Duration { return time.Duration(lateSlots / b.rate * float64(time.Second)) }
		}
		return b
	}
	slot := time.Second * 1000 / (rate * 980) // one slot at the bucket's rate, 2% below

	// The worst moment, eleven times a run, for each stall length.
	worst := func(lateSlots float64) int {
		most := 0
		for k := 1; k <= burst; k++ {
			b := bucket(lateSlots)
			stall := time.Duration(k)*slot + slot/100
			if lateSlots == 0 || float64(k) == lateSlots {
				stall = time.Duration(k) * slot // exactly as late as allowed
			}
			sends, _ := simulate(t, b, start, 24*time.Second, 16, 60*time.Millisecond, idleThenStall(start, 2*time.Second, 700*time.Millisecond, stall))
			most = max(most, mostInASecond(sends))
		}
		return most
	}
	got := worst(0)
	t.Logf("worst moment: most in a second %d (limit %d)", got, rate+burst)
	assert.LessOrEqual(t, got, rate+burst-1, "the bucket: late wakes at the worst moment, one to spare for the way to the vendor")
	assert.GreaterOrEqual(t, got, rate+burst-2, "the worst moment reaches near the bound (else it tests nothing)")
	old := worst(1)
	t.Logf("worst moment, the rule before: most in a second %d", old)
	assert.LessOrEqual(t, old, rate+burst, "the rule before kept the window too")
	naive := worst(burst)
	t.Logf("worst moment, negative control (every token burst slots late): most in a second %d", naive)
	assert.Greater(t, naive, rate+burst, "negative control: must exceed the window")

	// A loaded machine: the same lateness for both rules.
	run := func(b *Bucket) (float64, int, int) {
		m := loaded(7, start, 30*time.Second, 8*time.Millisecond)
		sends, unused := simulate(t, b, start, 30*time.Second, 16, 60*time.Millisecond, m)
		return rateOver(sends, time.Second), mostInASecond(sends), unused
	}
	gotRate, gotMost, gotUnused := run(bucket(0))
	oldRate, oldMost, oldUnused := run(bucket(1))
	t.Logf("loaded: bucket %.1f/s, most in a second %d, %d unused; the rule before %.1f/s, %d, %d unused",
		gotRate, gotMost, gotUnused, oldRate, oldMost, oldUnused)
	assert.GreaterOrEqual(t, gotRate, 0.97*rate, "within 3% below the rate")
	assert.LessOrEqual(t, gotRate, float64(rate))
	assert.LessOrEqual(t, gotMost, rate+burst)
	assert.Less(t, oldRate, 0.97*rate, "the rule before loses throughput on this machine (else the comparison tests nothing)")
}

// TestLateness: a token may be as late as the row did not hold it.
func TestLateness(t *testing.T) {
	slot := 20 * time.Millisecond // at 50/s
	for _, c := range []struct {
		name  string
		tok   token
		slots float64
	}{
		{"a full row's first token", token{left: 4, rate: 50, burst: 5}, 1},
		{"a full row's second token", token{left: 3, rate: 50, burst: 5}, 1},
		{"a full row's last token", token{left: 0, rate: 50, burst: 5}, 4},
		{"part of a token left", token{left: 1.5, rate: 50, burst: 5}, 2.5},
		{"on credit", token{left: -7, rate: 50, burst: 5}, 4},
		{"burst 2, on credit", token{left: -7, rate: 50, burst: 2}, 1},
		{"burst 1, on credit", token{left: -3, rate: 50, burst: 1}, 1},
		{"burst 1, full row", token{left: 0, rate: 50, burst: 1}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, time.Duration(c.slots*float64(slot)), lateness(c.tok))
		})
	}
}
