package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers/sim"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {100_000, "100,000"}, {1_000_000, "1,000,000"}, {-12345, "-12,345"},
	} {
		assert.Equal(t, tc.want, count(tc.n), "count(%d)", tc.n)
	}
}

func TestPickSections(t *testing.T) {
	all, err := pickSections("")
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"validate": true, "submit": true, "limit": true, "state": true, "vendorfile": true, "page": true, "workers": true}, all)

	some, err := pickSections("state, submit")
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"validate": false, "submit": true, "limit": false, "state": true, "vendorfile": false, "page": false, "workers": false}, some)

	_, err = pickSections("validate,speed")
	assert.ErrorContains(t, err, `unknown section "speed"`)
}

// TestBuildAtSkips: a commit the checkout does not hold skips the figure,
// saying why, instead of failing the report.
func TestBuildAtSkips(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	b := &bench{dir: t.TempDir(), log: io.Discard}
	bin, why := b.buildAt(t.Context(), "0123456789abcdef0123456789abcdef01234567")
	assert.Empty(t, bin)
	assert.True(t, strings.Contains(why, "does not hold commit") || strings.Contains(why, "not run inside"), why)
}

func TestRender(t *testing.T) {
	out := render(machine{cpus: 2, cpu: "Test CPU", goV: "go1.26"}, 0, []figure{
		info("1a", "speed", "10 rows/s"),
		check("1c", "share", "60%", "≥ 50%", true),
		check("1j", "growth", "3x", "≤ 1.2x", false),
	}, []string{"state"})
	assert.Contains(t, out, "| 1a | speed | 10 rows/s | — | info |\n")
	assert.Contains(t, out, "| 1c | share | 60% | ≥ 50% | PASS |\n")
	assert.Contains(t, out, "| 1j | growth | 3x | ≤ 1.2x | **FAIL** |\n")
	assert.Contains(t, out, "2 cores (Test CPU)")
	assert.Contains(t, out, "Targets met: 1 of 2; sections that did not finish: state.")
}

func TestBareReaders(t *testing.T) {
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.xlsx")
	require.NoError(t, read.WriteCSV(csvPath, 120, columns))
	require.NoError(t, read.WriteXLSX(xlsxPath, 80, columns))

	n, err := bareCSV(csvPath)
	require.NoError(t, err)
	assert.Equal(t, 120, n, "the notes column has quoted newlines: records, not lines")
	for _, raw := range []bool{false, true} {
		n, err := bareXLSX(xlsxPath, raw)
		require.NoError(t, err)
		assert.Equal(t, 80, n, "raw=%v", raw)
	}
	_, err = bareCSV(filepath.Join(dir, "missing.csv"))
	assert.Error(t, err)
}

// TestSubmitHelpers runs the submit figures' helpers small: every create
// must reach the simulator as a new user, or they return an error.
func TestSubmitHelpers(t *testing.T) {
	ctx := t.Context()
	m, v, err := measure(ctx, sim.Options{}, submit.Options{Workers: 4, Rate: 1000}, 40)
	require.NoError(t, err)
	assert.Equal(t, 40, v.creates())
	assert.Equal(t, int64(40), m.Stats.Requests)
	// Never faster than paced; how much slower depends on the machine's
	// load, which a test must not judge (the bench measures it).
	assert.LessOrEqual(t, v.rate(0), 1150.0, "the vendor saw at most the paced rate")
	assert.Positive(t, v.rate(0))

	// Against a simulator child: replayed requests with the same email
	// would be duplicates (an error answer), and remote checks the child
	// holds exactly the n new people, so success means each carried its
	// own person.
	for name, prepare := range map[string]func(context.Context, *simProc, int) (func() (float64, error), error){
		"bare": barePosts, "direct": directCreates, "pool": poolCreates,
	} {
		r, err := remote(ctx, 40, prepare)
		require.NoError(t, err, name)
		assert.Positive(t, r.rate, name)
		if runtime.GOOS != "windows" {
			assert.Positive(t, r.clientCPU+r.simCPU, name)
		}
	}
	// A run that creates fewer people than it says is refused.
	_, err = remote(ctx, 40, func(ctx context.Context, p *simProc, n int) (func() (float64, error), error) {
		return directCreates(ctx, p, n-1)
	})
	assert.ErrorContains(t, err, "holds 39 new people")

	// Every create through the in-memory transport must read as created,
	// or clientOwnCPU returns an error; 2,000 of them take CPU time.
	own, err := clientOwnCPU(ctx, 2000)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Positive(t, own)
	}
}

func TestBest(t *testing.T) {
	a := childRun{wall: 3, rssKiB: 100}
	b := childRun{wall: 2, rssKiB: 90}
	got := best(best(childRun{}, a), b)
	assert.Equal(t, childRun{wall: 2, rssKiB: 100}, got, "the faster run, with the larger peak")
}

// TestSPRosters: the shared-strings XLSX holds the same roster as the CSV,
// row for row, as the reader sees them.
func TestSPRosters(t *testing.T) {
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "sp.csv"), filepath.Join(dir, "sp.xlsx")
	require.NoError(t, writeSPRoster(csvPath, 300))
	sst, err := writeSSTXLSX(xlsxPath, 300)
	require.NoError(t, err)
	assert.Positive(t, sst)
	rowsOf := func(path string) [][]string {
		r, err := read.Open(path, read.Options{})
		require.NoError(t, err)
		defer r.Close()
		out := [][]string{r.Header()}
		for {
			row, err := r.Read()
			if err != nil {
				break
			}
			out = append(out, row.Cells)
		}
		return out
	}
	want, got := rowsOf(csvPath), rowsOf(xlsxPath)
	require.Len(t, want, 301)
	for i := 1; i < len(want); i++ {
		for _, c := range []int{8, 9} { // number cells: 169.4870 shows as 169.487
			w, _ := strconv.ParseFloat(want[i][c], 64)
			g, err := strconv.ParseFloat(got[i][c], 64)
			require.NoError(t, err)
			assert.Equal(t, w, g, "row %d col %d", i, c)
			want[i][c], got[i][c] = "", ""
		}
	}
	assert.Equal(t, want, got)
}
