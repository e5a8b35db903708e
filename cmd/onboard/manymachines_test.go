package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/batch/state/pgstate"
	"github.com/onboard/onboard/batch/state/pgtest"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/smartapp"
)

// The many-machines figures: each tenant's rate and burst, people per
// tenant, the share of creates whose answer is lost after creating.
const (
	mmRate   = 50
	mmBurst  = 5
	mmPeople = 300
	mmLost   = 0.07
	mmLease  = "3s"
	// mmLatency is how long the vendor takes to answer a create it has
	// already saved.
	mmLatency = 60 * time.Millisecond
	// mmSlowLatency is the same for the "no maybe-sent mark" control: at
	// 60 ms the killed process holds one or two creates unanswered on
	// average, and none in about a fifth of the runs, so the control found
	// no duplicate now and then; at 400 ms each of its 8 workers has one
	// out (the rate then allows 2 × 8 / 0.4 = 40 a second).
	mmSlowLatency = 400 * time.Millisecond
)

// tenantVendor is one tenant's vendor: the smartapp simulator behind a
// front that logs the arrival of every request (creates and lookups),
// answers 429 once more than rate + burst arrived within a second, and
// loses the answer of 7% of creates after creating the person.
type tenantVendor struct {
	s    *sim.Server
	url  string
	mu   sync.Mutex
	at   []time.Time
	n429 atomic.Int64
	lost atomic.Int64
}

func newTenantVendor(t *testing.T, seed uint64, latency time.Duration) *tenantVendor {
	reg, err := providers.Lookup("smartapp")
	require.NoError(t, err)
	v := &tenantVendor{s: reg.Simulator(sim.Options{})}
	var dice sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed+1))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		v.mu.Lock()
		v.at = append(v.at, now)
		recent := 0
		for i := len(v.at) - 1; i >= 0 && now.Sub(v.at[i]) < time.Second; i-- {
			recent++
		}
		v.mu.Unlock()
		if recent > mmRate+mmBurst {
			v.n429.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"message":"Too Many Requests"}`, http.StatusTooManyRequests)
			return
		}
		if r.Method != http.MethodPost {
			v.s.Handler.ServeHTTP(w, r)
			return
		}
		// A create is done at once and answered after the vendor's
		// latency: a process killed meanwhile leaves a person created
		// whose answer it never read.
		rec := httptest.NewRecorder()
		v.s.Handler.ServeHTTP(rec, r)
		dice.Lock()
		lose := rng.Float64() < mmLost
		dice.Unlock()
		time.Sleep(latency)
		if lose {
			v.lost.Add(1)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes()) //nolint:errcheck // the client may be gone
	}))
	t.Cleanup(srv.Close)
	v.url = srv.URL
	return v
}

// maxPerSecond is the most requests that arrived within any one second.
func (v *tenantVendor) maxPerSecond() int {
	v.mu.Lock()
	at := slices.Clone(v.at)
	v.mu.Unlock()
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// mmRun is one `onboard run` process of a tenant's file.
type mmRun struct {
	cmd  *exec.Cmd
	done chan error
	out  *strings.Builder
}

func startRun(t *testing.T, bin string, v *tenantVendor, stateURL, roster, control string) *mmRun {
	out := filepath.Join(t.TempDir(), "results.csv")
	cmd := exec.Command(bin, "run", "-q", "-p", "smartapp", "--base-url", v.url, "--rate", fmt.Sprint(mmRate),
		"--burst", fmt.Sprint(mmBurst), "--workers", "8", "--retries", "8", "--state", stateURL, "-o", out, roster)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, smartapp.TokenEnv+"=") || strings.HasPrefix(kv, negativeControl+"=")
	})
	env = append(env, smartapp.TokenEnv+"="+v.s.Credentials[smartapp.TokenEnv])
	if control != "" {
		env = append(env, negativeControl+"="+control)
	}
	cmd.Env = env
	r := &mmRun{cmd: cmd, done: make(chan error, 1), out: &strings.Builder{}}
	cmd.Stderr = r.out
	require.NoError(t, cmd.Start())
	go func() { r.done <- cmd.Wait() }()
	return r
}

func (r *mmRun) wait(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(within):
		_ = r.cmd.Process.Signal(syscall.SIGQUIT) // Go prints every goroutine's stack
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
		}
		t.Fatalf("a run did not finish within %s:\n%s", within, r.out)
	}
}

// mmResult is what one scenario found.
type mmResult struct {
	duplicates, missing, wrongID, notCreated int
	unfinished                               int // runs not done: the killed one
	maxPerSecond                             [2]int
	n429, lost                               [2]int64
}

// manyMachines runs the scenario: two tenants, each one's file loaded by
// two processes at once; one of the first tenant's processes is SIGKILLed
// while it holds claims, PostgreSQL restarts mid-run (restart), and a
// third process of that tenant runs after the kill. control turns one
// safeguard off in every process.
func manyMachines(t *testing.T, control string, restart bool) mmResult {
	srv := pgtest.Start(t)
	dbURL := srv.CreateDB(t, "ledger") + "&onboard_lease=" + mmLease
	bin := binary(t)
	latency := mmLatency
	if control == "forget-maybe-sent" {
		latency = mmSlowLatency
	}
	vendors := [2]*tenantVendor{newTenantVendor(t, 1, latency), newTenantVendor(t, 2, latency)}
	// Each tenant's people are loaded twice at once, from two files that
	// hold them in opposite orders, so both processes send from the start.
	path := roster(t, mmPeople)
	b, err := os.ReadFile(path) // roster() wrote it
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Reverse(lines[1:])
	reversed := write(t, "reversed.csv", strings.Join(lines, "\n")+"\n")
	// The schema first, so the runs below race on claims, not on setup.
	st, err := pgstate.Open(context.Background(), dbURL, pgstate.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	var runs []*mmRun
	for _, v := range vendors {
		runs = append(runs, startRun(t, bin, v, dbURL, path, control), startRun(t, bin, v, dbURL, reversed, control))
	}
	// Kill the first tenant's first process once it has sent a good part.
	deadline := time.Now().Add(60 * time.Second)
	for vendors[0].s.Store.Len() < mmPeople/4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, runs[0].cmd.Process.Signal(syscall.SIGKILL))
	runs[0].wait(t, 10*time.Second)
	if restart {
		time.Sleep(300 * time.Millisecond)
		srv.Restart(t)
	}
	runs = append(runs, startRun(t, bin, vendors[0], dbURL, path, control))
	for _, r := range runs[1:] {
		r.wait(t, 90*time.Second)
	}

	var res mmResult
	ledger, err := pgstate.Open(context.Background(), dbURL, pgstate.Options{ReadOnly: true})
	require.NoError(t, err)
	defer ledger.Close()
	hist, err := ledger.History(0)
	require.NoError(t, err)
	for _, r := range hist {
		if r.Status != state.RunDone {
			res.unfinished++
			t.Logf("run %d ended %q", r.ID, r.Status)
		}
	}
	if res.unfinished > 1 { // say why: each process's own words
		for i, r := range runs {
			t.Logf("process %d:\n%s", i, r.out)
		}
	}
	for i, v := range vendors {
		res.maxPerSecond[i] = v.maxPerSecond()
		res.n429[i], res.lost[i] = v.n429.Load(), v.lost.Load()
		for _, n := range v.s.Store.Duplicates() {
			res.duplicates += n
		}
		users := map[string]string{}
		for _, u := range v.s.Store.Users() {
			users[u.Key] = u.ID
		}
		keys := make([]string, 0, mmPeople)
		for p := range mmPeople {
			keys = append(keys, fmt.Sprintf("email:p%04d@smartapp.com", p))
		}
		got, err := ledger.Get(state.Scope{Provider: "smartapp", BaseURL: v.url}, keys)
		require.NoError(t, err)
		for _, k := range keys {
			id, ok := users[k]
			p := got[k]
			switch {
			case !ok:
				res.missing++
			case p.Status != state.StatusCreated:
				res.notCreated++
			case p.VendorID != id:
				res.wrongID++
			}
		}
	}
	t.Logf("control=%q restart=%v: duplicates %d, missing %d, not created in the ledger %d, wrong ID %d; most requests in a second %v (limit %d); 429s %v; lost answers %v",
		control, restart, res.duplicates, res.missing, res.notCreated, res.wrongID, res.maxPerSecond, mmRate+mmBurst, res.n429, res.lost)
	return res
}

// TestManyMachines: two tenants × 300 people, each file loaded by two
// processes at once, one SIGKILLed while it holds claims, a third taking
// over, PostgreSQL restarted mid-run, a vendor losing 7% of answers after
// creating: everybody created once with the vendor's ID in the ledger,
// and no tenant's vendor ever sees more than rate + burst requests in a
// second (lookups included) or answers a 429.
func TestManyMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and five onboard processes")
	}
	res := manyMachines(t, "", true)
	assert.Equal(t, 1, res.unfinished, "the killed process's run never finished; every other did")
	assert.Zero(t, res.duplicates, "nobody created twice")
	assert.Zero(t, res.missing, "everybody created")
	assert.Zero(t, res.notCreated, "the ledger has everybody created")
	assert.Zero(t, res.wrongID, "every ledger ID is the vendor's")
	for i := range 2 {
		assert.LessOrEqual(t, res.maxPerSecond[i], mmRate+mmBurst, "tenant %d: requests in one second", i)
		assert.Zero(t, res.n429[i], "tenant %d: 429s", i)
		assert.Positive(t, res.lost[i], "tenant %d: the vendor lost answers (the test exercises recovery)", i)
	}
}

// TestManyMachinesNegativeControls: with a safeguard off, the checks above
// fail, so they can.
func TestManyMachinesNegativeControls(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and five onboard processes")
	}
	t.Run("without the maybe-sent mark people are created twice", func(t *testing.T) {
		res := manyMachines(t, "forget-maybe-sent", false)
		assert.Positive(t, res.duplicates)
	})
	t.Run("without the shared bucket the window is exceeded", func(t *testing.T) {
		res := manyMachines(t, "no-shared-rate", false)
		assert.Greater(t, max(res.maxPerSecond[0], res.maxPerSecond[1]), mmRate+mmBurst)
		// The vendor's 429s (lookups included) and lost answers together
		// never turn into a second create.
		assert.Positive(t, res.n429[0]+res.n429[1], "the vendor answered 429s (the test exercises them)")
		assert.Zero(t, res.duplicates, "nobody created twice")
		assert.Zero(t, res.missing, "everybody created")
		assert.Zero(t, res.wrongID, "every ledger ID is the vendor's")
	})
}

// TestStatePostgresAsANewUser: run, re-run, history and lookup on a
// postgres:// --state; a password typed into --state is refused, one in
// ONBOARD_STATE is taken and never shown.
func TestStatePostgresAsANewUser(t *testing.T) {
	srv := pgtest.Start(t)
	dbURL := srv.CreateDB(t, "user")
	s, url := simulator(t, "smartapp", sim.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "results.csv")
	path := roster(t, 3)
	args := []string{"run", "-q", "-p", "smartapp", "--base-url", url, "--rate", "0", "--state", dbURL, "-o", out, path}
	code, _, stderr := onboard(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"created", "created", "created"}, column(readCSV(t, out), "status"))
	code, _, stderr = onboard(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"ALREADY_ONBOARDED", "ALREADY_ONBOARDED", "ALREADY_ONBOARDED"}, column(readCSV(t, out), "error_code"))
	assert.Equal(t, 3, s.Store.Len())

	code, stdout, stderr := onboard(t, "history", "--state", dbURL)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 2, strings.Count(stdout, "done"), stdout)
	code, stdout, stderr = onboard(t, "lookup", "--state", dbURL, "P0001@smartapp.com")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "p0001@smartapp.com")

	withPassword := strings.Replace(dbURL, "postgres@", "postgres:hunter2@", 1)
	code, _, stderr = onboard(t, "history", "--state", withPassword)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "PGPASSWORD")
	assert.NotContains(t, stderr, "hunter2")

	// trust authentication ignores the password: it is accepted from the
	// environment, and no message shows it.
	t.Setenv("ONBOARD_STATE", withPassword)
	code, _, stderr = onboard(t, "lookup", "nobody@x.org")
	assert.Equal(t, exitSomeFailed, code, stderr)
	assert.Contains(t, stderr, "not in postgres://postgres@")
	assert.NotContains(t, stderr, "hunter2")
}
