package inbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		"roster.csv": false, "Roster 2026.XLSX": false, ".roster.csv": true, "roster.csv.tmp": true,
		"roster.csv.PART": true, "roster.csv.filepart": true, "roster.csv.done": true, "~$roster.xlsx": true,
		"roster.csv~": true, "..": true,
	} {
		assert.Equal(t, want, Ignored(name), name)
	}
}

func TestScanSettles(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir)
	require.NoError(t, err)
	defer b.Close()
	p := filepath.Join(dir, "r.csv")
	now := time.Now()
	require.NoError(t, os.WriteFile(p, []byte("a"), 0o600))
	require.NoError(t, os.Chtimes(p, now, now))

	ready, pending, err := b.Scan(now, time.Second)
	require.NoError(t, err)
	assert.Empty(t, ready)
	assert.Equal(t, 1, pending)
	ready, _, _ = b.Scan(now.Add(900*time.Millisecond), time.Second)
	assert.Empty(t, ready, "not settled yet")

	// It grows: the settle clock starts again.
	require.NoError(t, os.WriteFile(p, []byte("ab"), 0o600))
	later := now.Add(950 * time.Millisecond)
	require.NoError(t, os.Chtimes(p, later, later))
	ready, _, _ = b.Scan(now.Add(1500*time.Millisecond), time.Second)
	assert.Empty(t, ready, "changed 550ms ago")
	ready, pending, _ = b.Scan(now.Add(2*time.Second), time.Second)
	assert.Equal(t, []string{"r.csv"}, ready)
	assert.Zero(t, pending)

	// A file untouched for longer than settle before we looked is ready.
	old := filepath.Join(dir, "old.csv")
	require.NoError(t, os.WriteFile(old, []byte("x"), 0o600))
	require.NoError(t, os.Chtimes(old, now.Add(-time.Hour), now.Add(-time.Hour)))
	ready, _, _ = b.Scan(now.Add(2*time.Second), time.Second)
	assert.Equal(t, []string{"old.csv", "r.csv"}, ready)

	// A .done marker: ready at once.
	fresh := filepath.Join(dir, "fresh.csv")
	require.NoError(t, os.WriteFile(fresh, []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(fresh+DoneSuffix, nil, 0o600))
	ready, _, _ = b.Scan(time.Now(), 2*time.Hour)
	assert.Equal(t, []string{"fresh.csv"}, ready)

	got, err := b.Take("fresh.csv")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, Processing, "fresh.csv"), got)
	assert.NoFileExists(t, fresh+DoneSuffix)
	assert.NoFileExists(t, fresh)
}

func TestFinishNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir)
	require.NoError(t, err)
	defer b.Close()
	var got []string
	for i := range 3 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "r.csv"), []byte{byte('a' + i)}, 0o600))
		p, err := b.Take("r.csv")
		require.NoError(t, err)
		a, err := b.Finish(p, Archive)
		require.NoError(t, err)
		got = append(got, filepath.Base(a))
	}
	assert.Equal(t, []string{"r.csv", "r-2.csv", "r-3.csv"}, got)
	c, err := os.ReadFile(filepath.Join(dir, Archive, "r.csv"))
	require.NoError(t, err)
	assert.Equal(t, "a", string(c), "the first file kept")

	free, err := b.Free(Results, "r.csv", "-20261202T021500Z", ".xlsx")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, Results, "r-20261202T021500Z.xlsx"), free)
	assert.Equal(t, filepath.Join(dir, Processing, "x.csv"), b.Path(Processing, "../../x.csv"), "a name is a base name")
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir)
	require.NoError(t, err)
	_, err = Open(dir)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, err.Error(), "already watched")
	require.NoError(t, b.Close())
	b, err = Open(dir)
	require.NoError(t, err, "free again after Close")
	require.NoError(t, b.Close())
}
