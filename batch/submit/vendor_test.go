package submit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// fakeVendor is the minimal vendor the pool's tests talk to: POST /users
// creates ({"email"} → 201 {"id"}, 409 when the email exists, 402 means
// no licences left) and GET /users?email= looks a person up. Answers can be
// scripted per email, in order; once an email's script runs out the vendor
// behaves normally.
type fakeVendor struct {
	srv   *httptest.Server
	store *sim.Store

	mu       sync.Mutex
	script   map[string][]step
	arrivals []arrival // create requests, as the server saw them
	// lookupFault, when set, answers every lookup: an HTTP status, or
	// dropLookup to close the connection.
	lookupFault int
	// lookupFaults answer the first lookups, in order (a status or
	// dropLookup); after them lookups behave as lookupFault says.
	lookupFaults []int
}

// dropLookup makes lookups lose their connection.
const dropLookup = -1

type arrival struct {
	at    time.Time
	email string
}

// step is one scripted answer to a create.
type step func(v *fakeVendor, w http.ResponseWriter, r *http.Request, email string)

func newVendor(t *testing.T, script map[string][]step, seed ...string) *fakeVendor {
	t.Helper()
	v := &fakeVendor{store: sim.NewStore(), script: script}
	for _, email := range seed {
		v.store.Create(func(n int) string { return "seed-" + sim.Hex(n, 4) }, nil, email)
	}
	v.srv = httptest.NewServer(v)
	t.Cleanup(v.srv.Close)
	return v
}

func (v *fakeVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		v.mu.Lock()
		fault := v.lookupFault
		if len(v.lookupFaults) > 0 {
			fault, v.lookupFaults = v.lookupFaults[0], v.lookupFaults[1:]
		}
		v.mu.Unlock()
		switch {
		case fault == dropLookup:
			drop(false)(v, w, r, "")
			return
		case fault == http.StatusTooManyRequests:
			answer(fault, "0")(v, w, r, "")
		case fault != 0:
			answer(fault, "")(v, w, r, "")
			return
		}
		u, ok := v.store.Find(r.URL.Query().Get("email"))
		if !ok {
			sim.WriteJSON(w, http.StatusNotFound, map[string]string{"message": "not found"})
			return
		}
		sim.WriteJSON(w, http.StatusOK, map[string]string{"id": u.ID})
		return
	}
	body, err := sim.ReadJSON(r)
	if err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	email, _ := body["email"].(string)
	v.mu.Lock()
	v.arrivals = append(v.arrivals, arrival{time.Now(), email})
	var next step = created
	if s := v.script[email]; len(s) > 0 {
		next, v.script[email] = s[0], s[1:]
	}
	v.mu.Unlock()
	next(v, w, r, email)
}

// created is the normal answer: 201, or 409 when the email exists.
func created(v *fakeVendor, w http.ResponseWriter, _ *http.Request, email string) {
	u, existed := v.store.Create(func(n int) string { return "id-" + sim.Hex(n, 4) }, nil, email)
	if existed {
		sim.WriteJSON(w, http.StatusConflict, map[string]string{"message": "email already exists: " + u.ID})
		return
	}
	sim.WriteJSON(w, http.StatusCreated, map[string]string{"id": u.ID})
}

// answer returns status, with a Retry-After header when retryAfter is set.
func answer(status int, retryAfter string) step {
	return func(_ *fakeVendor, w http.ResponseWriter, _ *http.Request, _ string) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		sim.WriteJSON(w, status, map[string]string{"message": http.StatusText(status)})
	}
}

// drop closes the connection without an answer, after creating the person
// when save is set: the lost answer of an unknown outcome.
func drop(save bool) step {
	return func(v *fakeVendor, w http.ResponseWriter, r *http.Request, email string) {
		if save {
			v.store.Create(func(n int) string { return "id-" + sim.Hex(n, 4) }, nil, email)
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		conn.Close()
	}
}

// after runs s once wait is closed (or the request is abandoned), first
// closing arrived when it is not nil.
func after(arrived chan<- struct{}, wait <-chan struct{}, s step) step {
	return func(v *fakeVendor, w http.ResponseWriter, r *http.Request, email string) {
		if arrived != nil {
			close(arrived)
		}
		select {
		case <-wait:
		case <-r.Context().Done():
			return
		}
		s(v, w, r, email)
	}
}

// then runs s and closes done.
func then(s step, done chan<- struct{}) step {
	return func(v *fakeVendor, w http.ResponseWriter, r *http.Request, email string) {
		s(v, w, r, email)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		close(done)
	}
}

func (v *fakeVendor) seen() []arrival {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]arrival(nil), v.arrivals...)
}

// fakeClient speaks the fake vendor's wire format through providers.Do, like
// a real vendor client.
type fakeClient struct {
	base string
	hc   *http.Client
}

// findingClient is a fakeClient that can look people up.
type findingClient struct{ *fakeClient }

var (
	_ providers.Client = (*fakeClient)(nil)
	_ providers.Finder = findingClient{}
)

func newClient(t testing.TB, base string) *fakeClient {
	hc := providers.DefaultHTTPClient()
	hc.Timeout = 5 * time.Second
	t.Cleanup(hc.CloseIdleConnections)
	return &fakeClient{base: base, hc: hc}
}

func (c *fakeClient) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	resp, err := providers.Do(ctx, c.hc, http.MethodPost, c.base+"/users", nil, rec)
	if err != nil {
		return providers.Created{}, err
	}
	if resp.Status != http.StatusCreated {
		return providers.Created{}, answerError(resp)
	}
	var b struct{ ID string }
	if !providers.JSONObject(resp.Body) || json.Unmarshal(resp.Body, &b) != nil {
		return providers.Created{}, providers.Unreadable(resp, "a readable answer")
	}
	return providers.Created{ID: b.ID}, nil
}

func (c findingClient) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	email, _ := rec["email"].(string)
	resp, err := providers.Do(ctx, c.hc, http.MethodGet, c.base+"/users?email="+email, nil, nil)
	if err != nil {
		return "", false, err
	}
	switch resp.Status {
	case http.StatusNotFound:
		return "", false, nil
	case http.StatusOK:
		var b struct{ ID string }
		if err := json.Unmarshal(resp.Body, &b); err != nil {
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status, Err: err}
		}
		return b.ID, true, nil
	}
	return "", false, answerError(resp)
}

func answerError(resp *providers.Response) *providers.Error {
	code := providers.ByStatus(resp.Status)
	if resp.Status == http.StatusPaymentRequired {
		code = providers.LicenseExhausted
	}
	return &providers.Error{
		Code: code, Status: resp.Status, Message: strings.TrimSpace(string(resp.Body)),
		RetryAfter: providers.RetryAfter(resp.Header, time.Now()),
	}
}

// email is job i's person.
func email(i int) string { return fmt.Sprintf("p%03d@x.org", i) }

// makeJobs returns n jobs; the ones listed in recover are marked Recover.
func makeJobs(n int, recover ...int) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{Seq: i, Line: i + 2, Key: "email:" + email(i), Record: schema.Record{"email": email(i)}}
	}
	for _, i := range recover {
		jobs[i].Recover = true
	}
	return jobs
}

// runJobs feeds jobs to Run from an unbuffered channel, collects the results
// by Seq, and fails the test unless there is exactly one per job within the
// time limit.
func runJobs(t *testing.T, ctx context.Context, c providers.Client, opt Options, jobs []Job) (map[int]Result, Stats, error) {
	t.Helper()
	in := make(chan Job)
	out := make(chan Result)
	go func() {
		defer close(in)
		for _, j := range jobs {
			in <- j
		}
	}()
	type ran struct {
		stats Stats
		err   error
	}
	done := make(chan ran, 1)
	go func() {
		s, err := Run(ctx, c, opt, in, out)
		done <- ran{s, err}
	}()
	got := map[int]Result{}
	limit := time.NewTimer(5 * time.Second)
	defer limit.Stop()
	for {
		select {
		case r := <-out:
			_, dup := got[r.Job.Seq]
			require.False(t, dup, "two results for job %d", r.Job.Seq)
			got[r.Job.Seq] = r
		case rn := <-done:
			require.Len(t, got, len(jobs), "one result per job")
			return got, rn.stats, rn.err
		case <-limit.C:
			require.FailNow(t, "Run did not finish in time", "%d of %d results", len(got), len(jobs))
		}
	}
}

// noLeaks fails the test if it ends with more goroutines than it began
// with. Register it first, so it runs after the other cleanups.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}
