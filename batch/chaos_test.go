package batch_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/samples"
	"github.com/onboard/onboard/schema"
)

// chaosRows is the size of each vendor's chaos roster.
const chaosRows = 2000

// chaos is what each vendor's simulator answers: 20% 5xx, 10% dropped
// connections (half of them after creating the person), 5% 429 with a
// Retry-After (0 s, so the test stays bounded; the pool's gate and rate cut
// still run), a random latency, and all of it on lookups too.
var chaos = sim.Options{FailRate: 0.20, DropRate: 0.10, LimitRate: 0.05, RetryAfter: 0,
	LatencyJitter: 2 * time.Millisecond, AllMethods: true}

// TestChaos runs 2,000 rows against every vendor's misbehaving simulator:
// every row ends with a final status, nobody exists twice, no row said
// failed exists at the vendor, every created or adopted row does, the
// vendor holds no one but the created, adopted and unknown rows; then a
// second run against the recovered vendor settles every unknown without a
// duplicate.
func TestChaos(t *testing.T) {
	for i, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			opt := chaos
			opt.Seed = uint64(1000 + i)
			v := newVendorRun(t, id, opt)
			path, keys := chaosRoster(t, v.reg)
			st := openState(t)
			sub := submit.Options{Workers: 16, Rate: 0, Retries: 3, BaseBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}

			out, _, err := v.run(t, path, sub, st)
			require.NoError(t, err)
			require.Len(t, out, chaosRows, "every row has an outcome")
			count := map[batch.Status]int{}
			maybe := map[string]bool{} // keys the vendor may hold
			for _, o := range out {
				key := keys[o.Line]
				require.NotEmpty(t, key, "row %d", o.Line)
				count[o.Status]++
				u, there := v.sim.Store.Find(key)
				switch o.Status {
				case batch.Created, batch.Adopted:
					maybe[key] = true
					require.True(t, there, "row %d is %s but not at the vendor", o.Line, o.Status)
					if o.ID != "" {
						assert.Equal(t, u.ID, o.ID, "row %d: the vendor's ID", o.Line)
					}
				case batch.Unknown:
					maybe[key] = true
					require.NotEmpty(t, o.Problems)
					assert.Equal(t, batch.OutcomeUnknown, o.Problems[0].Code)
				case batch.Failed:
					assert.False(t, there, "row %d is failed (%v) but exists at the vendor", o.Line, o.Problems)
					assert.NotEqual(t, string(providers.AuthFailed), o.Problems[0].Code, "row %d", o.Line)
				case batch.NotAttempted:
					assert.False(t, there, "row %d", o.Line)
				default:
					t.Fatalf("row %d: status %q is not final for a run", o.Line, o.Status)
				}
			}
			users := v.sim.Store.Users()
			for _, u := range users {
				assert.True(t, maybe[u.Key], "%s is at the vendor but no created, adopted or unknown row says so", u.Key)
			}
			assertOnce(t, v.sim)
			t.Logf("run 1: %v; vendor has %d; %d requests (%d 5xx, %d dropped, %d 429)", count, len(users),
				v.sim.Stats.Requests.Load(), v.sim.Stats.Failed.Load(), v.sim.Stats.Dropped.Load(), v.sim.Stats.RateLimited.Load())
			require.Positive(t, count[batch.Created], "the chaos run created people")

			// The vendor recovers; the next run settles every unknown.
			v.sim.SetFaults(sim.Options{})
			out, _, err = v.run(t, path, sub, st)
			require.NoError(t, err)
			require.Len(t, out, chaosRows)
			for _, o := range out {
				switch o.Status {
				case batch.Created, batch.Adopted, batch.Skipped:
				default:
					t.Errorf("run 2: row %d is %s %v", o.Line, o.Status, o.Problems)
				}
				u, there := v.sim.Store.Find(keys[o.Line])
				require.True(t, there, "row %d", o.Line)
				if o.ID != "" {
					assert.Equal(t, u.ID, o.ID, "row %d", o.Line)
				}
			}
			assert.Equal(t, chaosRows, v.sim.Store.Len(), "everyone once")
			assertOnce(t, v.sim)
		})
	}
}

// assertOnce checks that the vendor holds each person under one user.
func assertOnce(t *testing.T, s *sim.Server) {
	t.Helper()
	for key, n := range s.Store.Creates() {
		assert.Equal(t, 1, n, "%s created %d times", key, n)
	}
	seen := map[string]bool{}
	for _, u := range s.Store.Users() {
		assert.False(t, seen[u.Key], "%s twice", u.Key)
		seen[u.Key] = true
	}
}

// chaosRoster writes chaosRows copies of the vendor's first valid sample
// row, each with its own emails and logins, and returns the file and each
// row's key by line.
func chaosRoster(t *testing.T, reg *providers.Registration) (string, map[int]string) {
	t.Helper()
	return manyRoster(t, reg, chaosRows)
}

// manyRoster is chaosRoster with n rows.
func manyRoster(t *testing.T, reg *providers.Registration, chaosRows int) (string, map[int]string) {
	t.Helper()
	b, err := samples.FS.ReadFile(reg.ID + "/roster.csv")
	require.NoError(t, err)
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	require.NoError(t, err)
	header, row := recs[0], recs[1]
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	require.NoError(t, w.Write(header))
	for i := range chaosRows {
		cells := append([]string(nil), row...)
		n := strconv.Itoa(i)
		for j, c := range cells {
			h := strings.ToLower(header[j])
			switch {
			case strings.Contains(c, "@"):
				local, domain, _ := strings.Cut(c, "@")
				cells[j] = local + ".c" + n + "@" + domain
			case h == "username" || h == "user name" || h == "login":
				cells[j] = c + "c" + n
			}
		}
		require.NoError(t, w.Write(cells))
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "chaos.csv")
	require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o600))

	r, err := read.Open(path, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	keys := map[int]string{}
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		rec, errs := m.Map(row.Cells)
		require.Empty(t, errs, "row %d of the chaos roster is valid", row.Line)
		keys[row.Line] = reg.Schema.KeyOf(rec)
	}
	require.Len(t, keys, chaosRows)
	return path, keys
}
