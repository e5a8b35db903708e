package state

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// missingNow is what Missing and StillMissing answer, with the keys and
// vendor IDs of the people Missing lists.
type missingNow struct {
	listed []string
	still  int
}

func askMissing(t *testing.T, s *Store, since int64) missingNow {
	t.Helper()
	var m missingNow
	n, err := s.Missing(scopeA, since, func(p Person) error {
		m.listed = append(m.listed, fmt.Sprintf("%s=%s seen %d", p.Key, p.VendorID, p.SeenRun))
		return nil
	})
	require.NoError(t, err)
	require.Len(t, m.listed, n)
	m.still, err = s.StillMissing(scopeA, since)
	require.NoError(t, err)
	return m
}

// scanned is askMissing without what PrepareMissing read or any answer
// kept: every people row read after the writes.
func scanned(t *testing.T, s *Store, since int64) missingNow {
	t.Helper()
	s.mu.Lock()
	pre := s.candidates
	s.candidates, s.missing = nil, nil
	s.mu.Unlock()
	m := askMissing(t, s, since)
	s.mu.Lock()
	s.candidates, s.missing = pre, nil
	s.mu.Unlock()
	return m
}

// TestPreparedMissingIsExact: the candidates PrepareMissing reads before a
// run's writes give the same missing and still-missing people as reading
// every row after them, whatever the run did to whom: sighted in a
// sightings row or in their people row (a baseline), created anew,
// recovered from in flight, failed, marked and not sent, listed earlier
// and back today or not, and not in today's file at all.
func TestPreparedMissingIsExact(t *testing.T) {
	for _, stamped := range []int{0, 3, 80} { // people sighted in their rows: few, or most (the scan instead)
		t.Run(fmt.Sprintf("stamped %d", stamped), func(t *testing.T) {
			s, _ := openTemp(t)
			keys := func(prefix string, n int) []string {
				k := make([]string, n)
				for i := range k {
					k[i] = fmt.Sprintf("email:%s%02d@x.org", prefix, i)
				}
				return k
			}
			created := func(run int64, ks []string, digests bool) {
				require.NoError(t, s.MarkInFlight(scopeA, run, ks))
				outs := make([]Outcome, len(ks))
				for i, k := range ks {
					outs[i] = Outcome{Key: k, Status: StatusCreated, VendorID: "v-" + k}
					if digests {
						outs[i].Digests = map[string]string{"email": "0123456789abcdef01234567"}
					}
				}
				require.NoError(t, s.Record(scopeA, run, outs))
			}
			gone, back, kept, nodig, flight, failed := keys("gone", 5), keys("back", 4), keys("kept", 50), keys("nodig", stamped), keys("flight", 3), keys("failed", 3)
			run1 := beginRun(t, s, scopeA)
			created(run1, append(append(append([]string{}, gone...), back...), kept...), true)
			created(run1, nodig, false)
			require.NoError(t, s.MarkInFlight(scopeA, run1, append(append([]string{}, flight...), failed...)))
			require.NoError(t, s.Record(scopeA, run1, []Outcome{{Key: failed[0], Status: StatusFailed}, {Key: failed[1], Status: StatusFailed}, {Key: failed[2], Status: StatusFailed}}))
			// Run 2 sees only the kept: the gone and the back are listed.
			run2 := beginRun(t, s, scopeA)
			sightings(t, s, run2, kept)
			require.NotEmpty(t, askMissing(t, s, run2).listed)
			require.NoError(t, s.MarkMissing(scopeA, run2, run2))

			run3 := beginRun(t, s, scopeA)
			require.NoError(t, s.PrepareMissing(context.Background(), scopeA, run3))
			require.NotNil(t, s.candidates)
			// Run 3's file: the kept but two, the back, the people without
			// a baseline (stamped in their rows), the in flight recovered,
			// one failed created, one failed again, one new person, one
			// marked and not sent.
			sightings(t, s, run3, append(append([]string{}, kept[2:]...), back...))
			if stamped > 0 {
				seen := make([]Sighting, len(nodig))
				for i, k := range nodig {
					seen[i] = Sighting{Key: k, Digests: map[string]string{"email": "0123456789abcdef01234567"}}
				}
				require.NoError(t, s.Seen(scopeA, run3, seen))
			}
			require.NoError(t, s.MarkInFlight(scopeA, run3, []string{failed[0], failed[1], "email:new@x.org", "email:unsent@x.org"}))
			require.NoError(t, s.Record(scopeA, run3, []Outcome{
				{Key: flight[0], Status: StatusCreated, VendorID: "r0"}, {Key: flight[1], Status: StatusFailed},
				{Key: failed[0], Status: StatusCreated, VendorID: "f0"}, {Key: failed[1], Status: StatusFailed},
				{Key: "email:new@x.org", Status: StatusCreated, VendorID: "n"}, {Key: "email:unsent@x.org"},
			}))

			want := scanned(t, s, run3)
			got := askMissing(t, s, run3)
			assert.Equal(t, want, got)
			assert.Equal(t, []string{"email:kept00@x.org=v-email:kept00@x.org seen 2", "email:kept01@x.org=v-email:kept01@x.org seen 2"}, got.listed)
			assert.Equal(t, len(gone), got.still)

			// MarkMissing marks the same people; the next run, prepared
			// before it sees anyone, finds them all still missing.
			require.NoError(t, s.MarkMissing(scopeA, run3, run3))
			run4 := beginRun(t, s, scopeA)
			require.NoError(t, s.PrepareMissing(context.Background(), scopeA, run4))
			require.NoError(t, s.MarkInFlight(scopeA, run4, []string{flight[2]}))
			require.NoError(t, s.Record(scopeA, run4, []Outcome{{Key: flight[2], Status: StatusCreated, VendorID: "r2"}}))
			want = scanned(t, s, run4)
			got = askMissing(t, s, run4)
			assert.Equal(t, want, got)
			assert.Equal(t, len(gone)+2, got.still)
			assert.Len(t, got.listed, len(kept)-2+len(back)+len(nodig)+3, "everyone run 3 saw or created, not the one created today")
		})
	}
}

// sightings is Seen of people with baselines: sightings rows only.
func sightings(t *testing.T, s *Store, run int64, keys []string) {
	t.Helper()
	seen := make([]Sighting, len(keys))
	for i, k := range keys {
		seen[i].Key = k
	}
	require.NoError(t, s.Seen(scopeA, run, seen))
}

// TestPrepareMissingPages: candidates read a page at a time, in key order,
// whatever bytes the keys hold.
func TestPrepareMissingPages(t *testing.T) {
	s, _ := openTemp(t)
	run := beginRun(t, s, scopeA)
	keys := makeKeys(2*candidatePage + 3)
	keys = append(keys, "login:a,b;1", "login:nul\x00", "login:zoë")
	for i := 0; i < len(keys); i += 1000 {
		batch := keys[i:min(i+1000, len(keys))]
		require.NoError(t, s.MarkInFlight(scopeA, run, batch))
		outs := make([]Outcome, len(batch))
		for j, k := range batch {
			outs[j] = Outcome{Key: k, Status: StatusCreated}
		}
		require.NoError(t, s.Record(scopeA, run, outs))
	}
	// An empty key no write makes now, as an old file may hold one.
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	_, err = s.db.Exec(`INSERT INTO people (scope_id, key, status, first_seen, last_seen, created_run, seen_run)
		VALUES (?, '', 'created', 0, 0, ?, ?)`, sid, run, run)
	require.NoError(t, err)
	keys = append(keys, "")
	run2 := beginRun(t, s, scopeA)
	require.NoError(t, s.PrepareMissing(context.Background(), scopeA, run2))
	var got []string
	for _, page := range s.candidates.pages {
		require.NoError(t, eachCandidate(page, func(k string) bool { got = append(got, k); return true }))
	}
	assert.Equal(t, len(keys), s.candidates.n)
	assert.Len(t, s.candidates.pages, 3)
	assert.True(t, slices.IsSorted(got))
	assert.ElementsMatch(t, keys, got)
	assert.Error(t, eachCandidate("3,abc3,abb", func(k string) bool { ok := k > "abc" || k == "abc"; return ok }), "out of order")
	assert.Error(t, eachCandidate("9,abc", func(string) bool { return true }))
	assert.Equal(t, scanned(t, s, run2), askMissing(t, s, run2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.PrepareMissing(ctx, scopeA, run2), context.Canceled)
}

// TestGrownSightingsMatchRead: the sightings index Seen grows during runs
// is taken only when it holds every row, and then answers as the index
// read from the rows does, across runs, a fold and sightings that go to
// people rows instead.
func TestGrownSightingsMatchRead(t *testing.T) {
	s, _ := openTemp(t)
	keys := makeKeys(600)
	run1 := beginRun(t, s, scopeA)
	require.NoError(t, s.MarkInFlight(scopeA, run1, keys))
	outs := make([]Outcome, len(keys))
	for i, k := range keys {
		outs[i] = Outcome{Key: k, Status: StatusCreated, Digests: map[string]string{"email": "0123456789abcdef01234567"}}
	}
	require.NoError(t, s.Record(scopeA, run1, outs))
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	check := func(want int) {
		t.Helper()
		s.mu.Lock()
		g := s.grown[sid]
		s.mu.Unlock()
		x, err := s.sightings(sid)
		require.NoError(t, err)
		if want >= 0 {
			require.Same(t, g, x, "the grown index is taken")
		}
		read, err := s.loadSightings(sid, 0)
		require.NoError(t, err)
		require.Equal(t, read.rows, x.rows)
		for _, k := range append(keys, "email:nobody@x.org") {
			a, aok := x.of(k)
			b, bok := read.of(k)
			require.Equal(t, bok, aok, k)
			require.Equal(t, b, a, k)
		}
	}
	for r := range 4 {
		run := beginRun(t, s, scopeA) // folds the runs before the last
		if r >= 2 {
			// The fold hands the run the index of the rows it kept.
			s.mu.Lock()
			g := s.grown[sid]
			s.mu.Unlock()
			require.NotNil(t, g, "run %d", run)
			read, err := s.loadSightings(sid, 0)
			require.NoError(t, err)
			require.Equal(t, []int{read.rows, int(read.maxID), int(read.maxRun)}, []int{g.rows, int(g.maxID), int(g.maxRun)})
			for _, k := range keys {
				a, aok := g.of(k)
				b, bok := read.of(k)
				require.Equal(t, bok, aok, k)
				require.Equal(t, b, a, k)
			}
		}
		for i := 0; i < len(keys)-r*100; i += 128 {
			sightings(t, s, run, keys[i:min(i+128, len(keys)-r*100)])
		}
		// A baseline goes to the people row, not to a sightings row.
		require.NoError(t, s.Seen(scopeA, run, []Sighting{{Key: keys[0], Identity: "E0"}}))
		check(r)
		require.NoError(t, s.MarkMissing(scopeA, run, run))
	}
	// A row another writer added: the grown index misses it and is not taken.
	run := beginRun(t, s, scopeA)
	sightings(t, s, run, keys[:10])
	sightings(t, s, run, keys[10:20])
	_, err = s.db.Exec(`INSERT INTO sightings (run_id, scope_id, at, keys) VALUES (?, ?, 0, ?)`, run, sid, encodeKeys(keys[30:40]))
	require.NoError(t, err)
	check(-1)
	s.mu.Lock()
	assert.NotNil(t, s.grown[sid], "left, not taken")
	s.mu.Unlock()
}

// TestKeyTable: the sightings index's table answers as a Go map does,
// through growth, replacing or keeping a key's chunk, and the hash
// {0, 0} that marks an empty slot.
func TestKeyTable(t *testing.T) {
	var tb keyTable
	want := map[keyHash]int32{}
	h := newHasher()
	_, ok := tb.get(keyHash{})
	require.False(t, ok, "empty table")
	for i := range 5000 {
		k := h.string(fmt.Sprint("k", i%3000))
		if i%7 == 0 {
			k = keyHash{uint64(i%3) * 2, 0} // {0, 0} among them ({1, 0} is its stand-in)
		}
		replace := i%2 == 0
		if _, had := want[k]; !had || replace {
			want[k] = int32(i)
		}
		tb.load([]keyHash{k})
		tb.set(k, int32(i), replace)
	}
	require.Equal(t, len(want), tb.n)
	for k, v := range want {
		got, ok := tb.get(k)
		require.True(t, ok)
		require.Equal(t, v, got)
	}
	_, ok = tb.get(h.string("absent"))
	require.False(t, ok)
	tb.init(10)
	_, ok = tb.get(keyHash{})
	require.False(t, ok, "init empties")
}

// TestLoadSightingsSized: the index read from a scope's sightings rows
// is made at the size their keys' bytes predict, not grown from empty,
// and answers for every key.
func TestLoadSightingsSized(t *testing.T) {
	s, _ := openTemp(t)
	keys := makeKeys(5000) // one length: the prediction is exact
	run := beginRun(t, s, scopeA)
	for i := 0; i < len(keys); i += 1000 {
		sightings(t, s, run, keys[i:i+1000])
	}
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	x, err := s.loadSightings(sid, 0)
	require.NoError(t, err)
	require.Equal(t, len(keys), x.last.n)
	// Grown, the table would have doubled from 1024 to 8192 slots.
	require.Equal(t, len(keys)*3/2, len(x.last.slots))
	for i, k := range keys {
		sg, ok := x.of(k)
		require.True(t, ok, k)
		require.Equal(t, x.chunk[i/1000], sg, k)
	}
}

// TestUnclearedCandidates: the candidates judged after the last row, page
// by page on every core by the hashes PrepareMissing made, are those no
// sighting since saw, in key order; so with an index of another hasher
// (read by another store), and with none.
func TestUnclearedCandidates(t *testing.T) {
	s, path := openTemp(t)
	run1 := beginRun(t, s, scopeA)
	keys := makeKeys(2*candidatePage + 3)
	for batch := range slices.Chunk(keys, 1000) {
		require.NoError(t, s.MarkInFlight(scopeA, run1, batch))
		outs := make([]Outcome, len(batch))
		for j, k := range batch {
			outs[j] = Outcome{Key: k, Status: StatusCreated}
		}
		require.NoError(t, s.Record(scopeA, run1, outs))
	}
	run2 := beginRun(t, s, scopeA)
	require.NoError(t, s.PrepareMissing(context.Background(), scopeA, run2))
	pre := s.candidates
	require.NotNil(t, pre)
	require.Len(t, pre.pages, 3)
	var seen, want []string
	for i, k := range keys {
		if i%7 == 3 || i/candidatePage == 1 && i%2 == 0 { // a whole page half seen
			want = append(want, k)
		} else {
			seen = append(seen, k)
		}
	}
	for batch := range slices.Chunk(seen, 500) {
		sightings(t, s, run2, batch)
	}
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	x, err := s.sightings(sid)
	require.NoError(t, err)
	require.Equal(t, want, pre.uncleared(x))

	other, err := OpenReadOnly(path)
	require.NoError(t, err)
	defer other.Close()
	y, err := other.loadSightings(sid, 0)
	require.NoError(t, err)
	require.NotEqual(t, pre.h, y.h)
	require.Equal(t, want, pre.uncleared(y))
	require.Equal(t, keys, pre.uncleared(nil))
	require.Equal(t, scanned(t, s, run2), askMissing(t, s, run2))
}

// TestGrownSightingsSizedFromLastRun: the index a run grows is made, at
// its first sightings, with room for as many people as the scope's run
// before read, and is never rehashed while the run sees them again.
func TestGrownSightingsSizedFromLastRun(t *testing.T) {
	s, _ := openTemp(t)
	keys := makeKeys(5000)
	run1 := beginRun(t, s, scopeA)
	require.NoError(t, s.EndRun(run1, Counts{Rows: len(keys), Created: len(keys)}, RunDone))
	run2 := beginRun(t, s, scopeA)
	sid, _, err := s.scopeID(scopeA, false)
	require.NoError(t, err)
	for i := 0; i < len(keys); i += 250 {
		sightings(t, s, run2, keys[i:i+250])
		s.mu.Lock()
		g := s.grown[sid]
		s.mu.Unlock()
		require.NotNil(t, g)
		require.Equal(t, len(keys)*3/2, len(g.last.slots), "after %d keys", i+250)
	}
	x, err := s.sightings(sid)
	require.NoError(t, err)
	for _, k := range keys {
		sg, ok := x.of(k)
		require.True(t, ok, k)
		require.Equal(t, run2, sg.run, k)
	}
}
