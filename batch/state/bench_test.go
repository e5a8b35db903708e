package state

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	benchKeys  = 100_000
	benchBatch = 200
)

func makeKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("email:user%06d@example.org", i)
	}
	return keys
}

// markAndRecord does what a run does for keys: mark each batch in flight,
// then record it created, with its change digests.
func markAndRecord(b *testing.B, s *Store, run int64, keys []string) {
	markAndRecordBy(b, s, run, keys, benchBatch, false)
}

// markAndRecordBy is markAndRecord in batches of size; packed gives the
// digests as a run does (Outcome.Packed), not as a map.
func markAndRecordBy(b *testing.B, s *Store, run int64, keys []string, size int, packed bool) {
	outs := make([]Outcome, 0, size)
	for batch := range slices.Chunk(keys, size) {
		require.NoError(b, s.MarkInFlight(scopeA, run, batch))
		outs = outs[:0]
		for _, k := range batch {
			o := Outcome{Key: k, Status: StatusCreated, VendorID: "v-" + k, Digests: benchDigests}
			if packed {
				o.Digests, o.Packed = nil, benchPacked
			}
			outs = append(outs, o)
		}
		require.NoError(b, s.Record(scopeA, run, outs))
	}
}

// BenchmarkMarkAndRecord is a first run over 100k new keys in batches of
// 200: 500 durable MarkInFlight and 500 Record transactions per op. CPU
// per op counts the open and close around it too.
func BenchmarkMarkAndRecord(b *testing.B) { benchMarkAndRecord(b, makeKeys(benchKeys)) }

// BenchmarkMarkAndRecordRun is BenchmarkMarkAndRecord in the batches of a
// run at --rate 0: 1,024 marks (markChunk) and 1,024 outcomes (stateBatch)
// a transaction; map gives the digests as a map, packed as a run does.
func BenchmarkMarkAndRecordRun(b *testing.B) {
	keys := makeKeys(benchKeys)
	b.Run("map", func(b *testing.B) { benchMarkAndRecordBy(b, keys, 1024, false) })
	b.Run("packed", func(b *testing.B) { benchMarkAndRecordBy(b, keys, 1024, true) })
}

// BenchmarkMarkAndRecordShuffled is BenchmarkMarkAndRecord with the keys
// in no order, as an HR export's emails are: each batch's rows land on
// pages all over the people table, and every commit writes each page it
// touched to the WAL (a page per row, twice: mark and outcome). The keys
// in order share pages; this is the cost a real roster pays.
func BenchmarkMarkAndRecordShuffled(b *testing.B) {
	keys := makeKeys(benchKeys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	benchMarkAndRecord(b, keys)
}

// benchMarkAndRecord marks and records keys on a new store each op.
func benchMarkAndRecord(b *testing.B, keys []string) {
	benchMarkAndRecordBy(b, keys, benchBatch, false)
}

// benchMarkAndRecordBy is benchMarkAndRecord in batches of size.
func benchMarkAndRecordBy(b *testing.B, keys []string, size int, packed bool) {
	cpu := processCPU()
	defer reportCPU(b, cpu)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
		require.NoError(b, err)
		run := beginRun(b, s, scopeA)
		b.StartTimer()
		markAndRecordBy(b, s, run, keys, size, packed)
		b.StopTimer()
		require.NoError(b, s.Close())
		b.StartTimer()
	}
	b.ReportMetric(float64(len(keys)*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkGet is the nightly re-run's lookup of 100k known keys in
// batches of 200.
func BenchmarkGet(b *testing.B) { benchGet(b, makeKeys(benchKeys), benchBatch) }

// BenchmarkGetPacked is BenchmarkGet as a run asks (GetPacked): the same
// people, their digests packed, in chunks of 1,024 (markChunk).
func BenchmarkGetPacked(b *testing.B) {
	s, _ := openTemp(b)
	keys := makeKeys(benchKeys)
	markAndRecord(b, s, beginRun(b, s, scopeA), keys)
	for _, packed := range []bool{false, true} {
		name := map[bool]string{false: "map", true: "packed"}[packed]
		b.Run(name, func(b *testing.B) {
			cpu := processCPU()
			defer reportCPU(b, cpu)
			for i := 0; i < b.N; i++ {
				for batch := range slices.Chunk(keys, 1024) {
					m, err := s.get(scopeA, batch, packed)
					require.NoError(b, err)
					require.Len(b, m, len(batch))
				}
			}
		})
	}
}

// BenchmarkGetShuffled is BenchmarkGet as a re-run at --rate 0 asks: the
// keys in no order, as an HR export's are, in chunks of 1,024 (markChunk).
// Each chunk's people lie all over the people table.
func BenchmarkGetShuffled(b *testing.B) {
	keys := makeKeys(benchKeys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	benchGet(b, keys, 1024)
}

func benchGet(b *testing.B, keys []string, chunk int) {
	s, _ := openTemp(b)
	markAndRecord(b, s, beginRun(b, s, scopeA), keys)
	b.ResetTimer()
	cpu := processCPU()
	defer reportCPU(b, cpu)
	for i := 0; i < b.N; i++ {
		for batch := range slices.Chunk(keys, chunk) {
			m, err := s.Get(scopeA, batch)
			require.NoError(b, err)
			require.Len(b, m, len(batch))
		}
	}
	b.ReportMetric(float64(len(keys)*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkSeen is the nightly re-run's stamp of 100k known people as seen,
// in batches of 200, each with its identity and digests as the run gives
// them.
func BenchmarkSeen(b *testing.B) {
	keys := makeKeys(benchKeys)
	s, _ := openTemp(b)
	markAndRecord(b, s, beginRun(b, s, scopeA), keys)
	dig := map[string]string{"email": "0123456789abcdef01234567", "firstName": "0123456789abcdef01234567", "lastName": "0123456789abcdef01234567"}
	seen := make([]Sighting, len(keys))
	for i, k := range keys {
		seen[i] = Sighting{Key: k, Identity: "id" + k, Digests: dig}
	}
	require.NoError(b, s.Seen(scopeA, beginRun(b, s, scopeA), seen[:1])) // baselines set
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := beginRun(b, s, scopeA)
		for batch := range slices.Chunk(seen, benchBatch) {
			require.NoError(b, s.Seen(scopeA, run, batch))
		}
	}
	b.ReportMetric(float64(benchKeys*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// benchDigests are a smartapp row's change digests, as a run records them.
var benchDigests = map[string]string{"email": "0123456789abcdef01234567", "firstName": "0123456789abcdef01234567", "lastName": "0123456789abcdef01234567",
	"phone": "0123456789abcdef01234567", "role": "0123456789abcdef01234567", "companyName": "0123456789abcdef01234567", "companyLocationName": "0123456789abcdef01234567", "metadata": "0123456789abcdef01234567"}

// benchPacked is benchDigests as a run hands them to Record.
var benchPacked = func() DigestRow {
	fields := slices.Sorted(maps.Keys(benchDigests))
	var hex strings.Builder
	for _, f := range fields {
		hex.WriteString(benchDigests[f])
	}
	return DigestRow{Fields: fields, Hex: hex.String()}
}()

// BenchmarkRerunGet is Get as an all-skipped re-run asks it (GetPacked): the store
// reopened over a file the first run wrote, and each chunk of 1,024 keys
// asked after the chunk before was stamped seen (a write, which empties
// SQLite's page cache of every connection). get-cpu-ms/op counts only the
// Get calls' CPU.
func BenchmarkRerunGet(b *testing.B) {
	keys := makeKeys(benchKeys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	path := filepath.Join(b.TempDir(), "state.db")
	s, err := Open(path, Options{})
	require.NoError(b, err)
	markAndRecord(b, s, beginRun(b, s, scopeA), keys)
	require.NoError(b, s.Close())
	s, err = Open(path, Options{})
	require.NoError(b, err)
	defer s.Close()
	seen := make([]Sighting, len(keys))
	for i, k := range keys {
		seen[i] = Sighting{Key: k}
	}
	b.ResetTimer()
	var getCPU time.Duration
	for i := 0; i < b.N; i++ {
		run := beginRun(b, s, scopeA)
		for c := range slices.Chunk(seen, 1024) {
			batch := make([]string, len(c))
			for j := range c {
				batch[j] = c[j].Key
			}
			cpu := processCPU()
			m, err := s.GetPacked(scopeA, batch)
			getCPU += processCPU() - cpu
			require.NoError(b, err)
			require.Len(b, m, len(batch))
			require.NoError(b, s.Seen(scopeA, run, c))
		}
	}
	b.ReportMetric(float64(getCPU.Milliseconds())/float64(b.N), "get-cpu-ms/op")
}
