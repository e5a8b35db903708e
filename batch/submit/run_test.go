package submit

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// fast keeps retry waits tiny, and the rate high enough that a 429's cut
// does not slow a test down.
var fast = Options{Workers: 2, Rate: 1000, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

type want struct {
	code      providers.Code // "" means success
	attempts  int
	recovered bool
	unknown   bool
	adopted   bool
	skipped   bool
	noID      bool   // adopted without the vendor's ID
	note      string // substring of Note; "" means Note is empty
}

func TestRunOutcomes(t *testing.T) {
	e0 := email(0)
	tests := []struct {
		name         string
		finder       bool
		seed         []string // already at the vendor
		script       map[string][]step
		n            int
		recover      []int
		retries      int
		existing     Existing
		lookupFault  int          // every lookup answers this status (dropLookup: no answer)
		lookupFaults []int        // the first lookups answer these, in order
		want         map[int]want // by Seq; jobs not listed must be plain successes
		wantLookups  int64
		want429      int64
	}{
		{name: "all created", n: 3},
		{
			name: "already exists, --existing fail is a failure", n: 2, finder: true, seed: []string{e0}, existing: ExistingFail,
			want: map[int]want{0: {code: providers.AlreadyExists, attempts: 1}},
		},
		{
			name: "already exists, --existing skip skips without a lookup", n: 2, finder: true, seed: []string{e0}, existing: ExistingSkip,
			want: map[int]want{0: {code: providers.AlreadyExists, attempts: 1, skipped: true}},
		},
		{
			name: "already exists, adopt looks the person up", n: 2, finder: true, seed: []string{e0},
			want: map[int]want{0: {attempts: 1, adopted: true, note: "already at the vendor: adopted"}}, wantLookups: 1,
		},
		{
			name: "already exists but the lookup finds nobody: a clash with someone else, not adopted", n: 2, finder: true,
			script: map[string][]step{e0: {answer(409, "")}},
			want:   map[int]want{0: {code: providers.AlreadyExists, attempts: 1, note: "someone else holds"}}, wantLookups: 1,
		},
		{
			name: "already exists, adopt without a lookup records no ID", n: 2, seed: []string{e0},
			want: map[int]want{0: {attempts: 1, adopted: true, noID: true, note: "this vendor has no lookup"}},
		},
		{
			name: "already exists, adopt when the lookup fails records no ID", n: 2, finder: true, seed: []string{e0}, lookupFault: 503,
			want: map[int]want{0: {attempts: 1, adopted: true, noID: true, note: "the lookup failed"}}, wantLookups: 1,
		},
		{
			name: "crashed row, lookup 403 is not fatal: the create again, already exists adopts", n: 3, finder: true,
			seed: []string{e0}, recover: []int{0}, lookupFault: 403,
			want: map[int]want{0: {attempts: 1, adopted: true, recovered: true, noID: true, note: "earlier run left this row in flight"}}, wantLookups: 2,
		},
		{
			name: "crashed row, lookup 500 until the retries run out: unknown, never created in the dark", n: 2, finder: true,
			seed: []string{e0}, recover: []int{0}, lookupFault: 500, existing: ExistingFail,
			want: map[int]want{0: {code: providers.VendorError, unknown: true, note: "outcome unknown"}}, wantLookups: 4,
		},
		{
			name: "crashed row, lookup drops until the retries run out: unknown, never created in the dark", n: 2, finder: true,
			recover: []int{0}, lookupFault: dropLookup,
			want: map[int]want{0: {code: providers.NetworkError, unknown: true, note: "outcome unknown"}}, wantLookups: 4,
		},
		{
			name: "dropped after saving, lookup 500 until the retries run out: unknown, not created again", n: 2, finder: true, lookupFault: 500,
			script: map[string][]step{e0: {drop(true)}},
			want:   map[int]want{0: {code: providers.VendorError, attempts: 1, unknown: true, note: "outcome unknown"}}, wantLookups: 3,
		},
		// A lookup the vendor answers "later" (429, 5xx) or whose answer is
		// lost says nothing: it is asked again, never replaced by a create
		// in the dark (a vendor that takes duplicate emails would create
		// the person twice).
		{
			name: "dropped after saving, lookup 429: looked up again and found, never created twice", n: 2, finder: true,
			script: map[string][]step{e0: {drop(true)}}, lookupFaults: []int{429},
			want: map[int]want{0: {attempts: 1, recovered: true, note: "found at vendor after an unanswered"}}, wantLookups: 2, want429: 1,
		},
		{
			name: "dropped after saving, lookup 503 then 502: looked up again and found", n: 2, finder: true,
			script: map[string][]step{e0: {drop(true)}}, lookupFaults: []int{503, 502},
			want: map[int]want{0: {attempts: 1, recovered: true, note: "found at vendor after an unanswered"}}, wantLookups: 3,
		},
		{
			name: "crashed row, lookup 429 then found: nothing sent", n: 2, finder: true, seed: []string{e0}, recover: []int{0},
			lookupFaults: []int{429},
			want:         map[int]want{0: {recovered: true, note: "earlier run left this row in flight"}}, wantLookups: 2, want429: 1,
		},
		{
			name: "crashed row not there, lookup 429 then not found: created", n: 2, finder: true, recover: []int{0},
			lookupFaults: []int{429},
			want:         map[int]want{0: {attempts: 1}}, wantLookups: 2, want429: 1,
		},
		{
			name: "500 until the retries run out, final lookup finds nobody: failed", n: 1, retries: 2, finder: true,
			script: map[string][]step{e0: {answer(500, ""), answer(500, ""), answer(500, "")}},
			want:   map[int]want{0: {code: providers.VendorError, attempts: 3}}, wantLookups: 3,
		},
		{
			name: "500, then lookups fail until the retries run out: unknown, not created again", n: 1, retries: 2, finder: true, lookupFault: 502,
			script: map[string][]step{e0: {answer(500, ""), answer(500, ""), answer(500, "")}},
			want:   map[int]want{0: {code: providers.VendorError, attempts: 1, unknown: true, note: "outcome unknown"}}, wantLookups: 2,
		},
		{
			name: "dropped after saving on the last attempt, final lookup finds them", n: 1, retries: 1, finder: true,
			script: map[string][]step{e0: {answer(500, ""), drop(true)}},
			want:   map[int]want{0: {attempts: 2, recovered: true, note: "found at vendor"}}, wantLookups: 2,
		},
		{
			name: "429 then created", n: 2, script: map[string][]step{e0: {answer(429, "0")}},
			want: map[int]want{0: {attempts: 2}}, want429: 1,
		},
		{
			name: "429 until the retries run out", n: 1, retries: 2,
			script: map[string][]step{e0: {answer(429, ""), answer(429, ""), answer(429, "")}},
			want:   map[int]want{0: {code: providers.RateLimited, attempts: 3}}, want429: 3,
		},
		{
			name: "500 then created", n: 2, script: map[string][]step{e0: {answer(500, "")}},
			want: map[int]want{0: {attempts: 2}},
		},
		{
			name: "500 then looked up before the retry", n: 2, finder: true,
			script: map[string][]step{e0: {answer(500, "")}},
			want:   map[int]want{0: {attempts: 2}}, wantLookups: 1,
		},
		{
			name: "500 until the retries run out leaves the outcome unknown", n: 1, retries: 2,
			script: map[string][]step{e0: {answer(500, ""), answer(500, ""), answer(500, "")}},
			want:   map[int]want{0: {code: providers.VendorError, attempts: 3, unknown: true, note: "outcome unknown"}},
		},
		{
			name: "rejected is not retried", n: 2, script: map[string][]step{e0: {answer(400, "")}},
			want: map[int]want{0: {code: providers.VendorRejected, attempts: 1}},
		},
		{
			name: "dropped after saving, found by lookup", n: 2, finder: true,
			script: map[string][]step{e0: {drop(true)}},
			want:   map[int]want{0: {attempts: 1, recovered: true, note: "found at vendor after an unanswered"}}, wantLookups: 1,
		},
		{
			name: "dropped before saving, not found, created", n: 2, finder: true,
			script: map[string][]step{e0: {drop(false)}},
			want:   map[int]want{0: {attempts: 2}}, wantLookups: 1,
		},
		{
			name: "dropped after saving, no finder, already exists is recovered", n: 2,
			script: map[string][]step{e0: {drop(true)}},
			want:   map[int]want{0: {attempts: 2, recovered: true, adopted: true, noID: true, note: "already existed at vendor after an unanswered"}},
		},
		{
			name: "crashed row found by lookup, nothing sent", n: 2, finder: true, seed: []string{e0}, recover: []int{0},
			want: map[int]want{0: {recovered: true, note: "earlier run left this row in flight"}}, wantLookups: 1,
		},
		{
			name: "crashed row not found is created", n: 2, finder: true, recover: []int{0},
			want: map[int]want{0: {attempts: 1}}, wantLookups: 1,
		},
		{
			name: "crashed row, no finder, already exists is recovered", n: 2, seed: []string{e0}, recover: []int{0},
			want: map[int]want{0: {attempts: 1, recovered: true, adopted: true, noID: true, note: "earlier run left this row in flight"}},
		},
		{
			name: "crashed row, no finder, not there is created", n: 2, recover: []int{0},
			want: map[int]want{0: {attempts: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			v := newVendor(t, tt.script, tt.seed...)
			var c providers.Client = newClient(t, v.srv.URL)
			if tt.finder {
				c = findingClient{c.(*fakeClient)}
			}
			v.lookupFault, v.lookupFaults = tt.lookupFault, tt.lookupFaults
			opt := fast
			opt.Retries, opt.Existing = tt.retries, tt.existing
			got, stats, err := runJobs(t, t.Context(), c, opt, makeJobs(tt.n, tt.recover...))
			require.NoError(t, err)

			var attempts int64
			for seq, r := range got {
				w := tt.want[seq]
				if w == (want{}) {
					w = want{attempts: 1}
				}
				attempts += int64(r.Attempts)
				assert.Equal(t, w.attempts, r.Attempts, "job %d attempts", seq)
				assert.Equal(t, w.recovered, r.Recovered, "job %d recovered", seq)
				assert.Equal(t, w.unknown, r.Unknown, "job %d unknown", seq)
				assert.Equal(t, w.adopted, r.Adopted, "job %d adopted", seq)
				assert.Equal(t, w.skipped, r.Skipped, "job %d skipped", seq)
				if w.note == "" {
					assert.Empty(t, r.Note, "job %d note", seq)
				} else {
					assert.Contains(t, r.Note, w.note, "job %d note", seq)
				}
				if w.code != "" {
					require.NotNil(t, r.Err, "job %d", seq)
					assert.Equal(t, w.code, r.Err.Code, "job %d", seq)
					continue
				}
				require.Nil(t, r.Err, "job %d", seq)
				// The ID is the vendor's, also when recovered by lookup.
				u, ok := v.store.Find(email(seq))
				require.True(t, ok, "job %d is at the vendor", seq)
				if w.noID {
					assert.Empty(t, r.Created.ID, "job %d", seq)
				} else {
					assert.Equal(t, u.ID, r.Created.ID, "job %d", seq)
				}
			}
			for key, n := range v.store.Creates() {
				assert.Equal(t, 1, n, "%s created once", key)
			}
			assert.Equal(t, attempts, stats.Requests, "requests = sum of attempts")
			assert.Equal(t, int64(len(v.seen())), stats.Requests, "requests = creates the vendor saw")
			assert.Equal(t, tt.wantLookups, stats.Lookups)
			assert.Equal(t, tt.want429, stats.RateLimited)
		})
	}
}

func TestRunFatalStopsThePool(t *testing.T) {
	const n, workers, fatalAt = 40, 4, 10
	tests := []struct {
		name   string
		status int
		code   providers.Code
	}{
		{"auth failed", http.StatusUnauthorized, providers.AuthFailed},
		{"licences exhausted", http.StatusPaymentRequired, providers.LicenseExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			v := newVendor(t, map[string][]step{email(fatalAt): {answer(tt.status, "")}})
			// Requests 20 ms apart: the fatal answer is back long before
			// the next token, so the bound holds on a busy machine too.
			opt := fast
			opt.Workers, opt.Rate = workers, 50
			start := time.Now()
			got, stats, err := runJobs(t, t.Context(), newClient(t, v.srv.URL), opt, makeJobs(n))
			assert.Less(t, time.Since(start), time.Second, "the pool stops promptly")

			var fatal *providers.Error
			require.ErrorAs(t, err, &fatal)
			assert.Equal(t, tt.code, fatal.Code)
			require.NotNil(t, got[fatalAt].Err)
			assert.Equal(t, tt.code, got[fatalAt].Err.Code)

			sent := len(v.seen())
			// Each worker may have one request in flight when the fatal
			// answer comes and, on a loaded machine where the answer's
			// goroutine waits past the next token, one more; never the
			// rest of the roster.
			assert.LessOrEqual(t, sent, fatalAt+1+2*workers, "no hammering after a fatal answer")
			assert.Equal(t, int64(sent), stats.Requests)
			var ok, interrupted int
			for seq, r := range got {
				switch {
				case seq == fatalAt:
				case r.Err == nil:
					ok++
				default:
					assert.Equal(t, providers.Interrupted, r.Err.Code, "job %d", seq)
					assert.Equal(t, 0, r.Attempts, "job %d", seq)
					assert.Contains(t, r.Err.Message, string(tt.code), "job %d says why", seq)
					interrupted++
				}
			}
			assert.Equal(t, sent-1, ok, "every sent request but the fatal one succeeded")
			assert.Equal(t, n-sent, interrupted)
		})
	}
}

func TestRunSoftStop(t *testing.T) {
	noLeaks(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	failed := make(chan struct{})
	v := newVendor(t, map[string][]step{
		email(0): {after(arrived, release, created)},
		// A long Retry-After: the stop must cut the wait short.
		email(1): {then(answer(503, "10"), failed)},
	})
	opt := fast
	opt.Workers = 2
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-arrived
		<-failed
		cancel()
		// The held request is still in flight: let it finish after the stop.
		time.Sleep(20 * time.Millisecond)
		close(release)
	}()
	start := time.Now()
	got, stats, err := runJobs(t, ctx, newClient(t, v.srv.URL), opt, makeJobs(6))
	require.NoError(t, err, "a soft stop is not an error")
	assert.Less(t, time.Since(start), 2*time.Second, "the retry wait was cut short")

	require.Nil(t, got[0].Err, "the in-flight request finished")
	assert.Equal(t, 1, got[0].Attempts)
	u, ok := v.store.Find(email(0))
	require.True(t, ok)
	assert.Equal(t, u.ID, got[0].Created.ID)

	require.NotNil(t, got[1].Err)
	assert.Equal(t, providers.VendorError, got[1].Err.Code, "ends with its last error")
	assert.Equal(t, 1, got[1].Attempts)

	for seq := 2; seq < 6; seq++ {
		require.NotNil(t, got[seq].Err, "job %d", seq)
		assert.Equal(t, providers.Interrupted, got[seq].Err.Code, "job %d", seq)
		assert.Equal(t, 0, got[seq].Attempts, "job %d", seq)
	}
	assert.Equal(t, int64(2), stats.Requests)
}

func TestRunInvalidOptions(t *testing.T) {
	in := make(chan Job) // never read: Run must return first
	_, err := Run(t.Context(), &fakeClient{}, Options{Rate: -1}, in, make(chan Result))
	require.Error(t, err)
	assert.True(t, errors.Is(err, errOptions))
}

// body answers status with a raw body.
func body(status int, b string) step {
	return func(_ *fakeVendor, w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(b))
	}
}

// A 2xx the client cannot read is the vendor's "done": never a second
// create. With a lookup the row is created once it is found and unknown
// otherwise; without one it is unknown (the next run settles it); and a
// readable 2xx without an ID is created, the ID looked up.
func TestRunTwoHundredIsDone(t *testing.T) {
	for _, tt := range []struct {
		name   string
		finder bool
		steps  []step
		code   providers.Code // "" means success
		id     bool
		note   string
	}{
		{"empty 201, no lookup", false, []step{body(201, "")}, providers.VendorError, false, "2xx without a readable answer"},
		{"HTML 201, found", true, []step{saved(body(201, "<html>ok</html>"))}, "", true, "found by lookup"},
		{"HTML 201, not there", true, []step{body(201, "<html>ok</html>")}, providers.VendorError, false, "2xx without a readable answer"},
		{"cut short 201, found", true, []step{saved(body(201, `{"id":"id-`))}, "", true, "found by lookup"},
		{"readable 201 without an ID, found", true, []step{saved(body(201, `{}`))}, "", true, "no ID; found by lookup"},
		{"readable 201 without an ID, no lookup", false, []step{saved(body(201, `{}`))}, "", false, "this vendor has no lookup"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			const n = 4
			v := newVendor(t, every(n, tt.steps...))
			var c providers.Client = newClient(t, v.srv.URL)
			if tt.finder {
				c = findingClient{c.(*fakeClient)}
			}
			got, stats, err := runJobs(t, t.Context(), c, fast, makeJobs(n))
			require.NoError(t, err)
			assert.Equal(t, int64(n), stats.Requests, "one create per person")
			assert.Len(t, v.seen(), n)
			for seq, r := range got {
				assert.Equal(t, 1, r.Attempts, "job %d", seq)
				assert.Contains(t, r.Note, tt.note, "job %d", seq)
				if tt.code == "" {
					require.Nil(t, r.Err, "job %d", seq)
					assert.Equal(t, tt.id, r.Created.ID != "", "job %d", seq)
					continue
				}
				require.NotNil(t, r.Err, "job %d", seq)
				assert.Equal(t, tt.code, r.Err.Code)
				assert.True(t, r.Unknown, "job %d: the person may exist", seq)
			}
		})
	}
}

// saved creates the person, then answers with s.
func saved(s step) step {
	return func(v *fakeVendor, w http.ResponseWriter, r *http.Request, email string) {
		v.store.Create(func(n int) string { return "id-" + sim.Hex(n, 4) }, nil, email)
		s(v, w, r, email)
	}
}
