package outfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestCloseRenamesWith0600(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := Create(p)
	require.NoError(t, err)
	_, err = f.WriteString("new content")
	require.NoError(t, err)
	// Until Close the previous file is what a reader sees.
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))
	require.NoError(t, f.Close())
	b, err = os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "new content", string(b))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, Mode, fi.Mode().Perm())
	assert.Equal(t, []string{"out.csv"}, entries(t, dir))
	assert.NoError(t, f.Close(), "second Close")
}

func TestModeUnderPermissiveUmaskAndNewFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.xlsx")
	require.NoError(t, WriteFile(p, []byte("x")))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestAbortKeepsPreviousFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := Create(p)
	require.NoError(t, err)
	_, _ = f.WriteString("half")
	spill, err := f.SpillDir()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(spill, "excelize-1"), []byte("x"), 0o600))
	f.Abort()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))
	assert.Equal(t, []string{"out.csv"}, entries(t, dir))
	assert.NoError(t, f.Close(), "Close after Abort")
}

func TestAbortWithoutPreviousLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "out.xlsx"))
	require.NoError(t, err)
	_, _ = f.WriteString("half")
	AbortAll()
	assert.Empty(t, entries(t, dir))
}

// failWriter stands for a full disk under the temporary file.
func TestWriteErrorFailsCloseAndRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	f, err := Create(p)
	require.NoError(t, err)
	require.NoError(t, f.tmp.Close()) // every later write to it fails
	_, err = f.Write(make([]byte, 128<<10))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), p+":"), err.Error())
	err = f.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
	assert.NotContains(t, err.Error(), tmpMarker, "the message names the output, not the temporary")
	assert.Empty(t, entries(t, dir))
}

func TestCreateFailsForMissingFolderAndDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Create(filepath.Join(dir, "nope", "out.csv"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrNotExist), err.Error())
	_, err = Create(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")
}

func TestStaleTempFilesRemovedLiveOnesKept(t *testing.T) {
	dir := t.TempDir()
	// What a kill -9 leaves: an unlocked temporary file and its spill folder.
	stale := filepath.Join(dir, ".out.xlsx"+tmpMarker+"123")
	require.NoError(t, os.WriteFile(stale, []byte("x"), 0o600))
	require.NoError(t, os.Mkdir(stale+".d", 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(stale+".d", "excelize-9"), []byte("x"), 0o600))
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(stale, old, old))
	orphan := filepath.Join(dir, ".x.csv"+tmpMarker+"9.d")
	require.NoError(t, os.Mkdir(orphan, 0o700))
	other := filepath.Join(dir, "excelize-keep") // not ours
	require.NoError(t, os.WriteFile(other, nil, 0o600))

	live, err := Create(filepath.Join(dir, "live.csv"))
	require.NoError(t, err)
	defer live.Abort()

	f, err := Create(filepath.Join(dir, "out.xlsx"))
	require.NoError(t, err)
	defer f.Abort()
	names := entries(t, dir)
	assert.NotContains(t, names, filepath.Base(stale))
	assert.NotContains(t, names, filepath.Base(stale)+".d")
	assert.NotContains(t, names, filepath.Base(orphan))
	assert.Contains(t, names, "excelize-keep")
	assert.Contains(t, names, filepath.Base(live.TempName()), "a file another writer holds stays")
}

func TestWriteTo(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.csv")
	err := WriteTo(p, func(w io.Writer) error { return errors.New("boom") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
	assert.Empty(t, entries(t, dir))
	require.NoError(t, WriteTo(p, func(w io.Writer) error { _, err := w.Write([]byte("ok")); return err }))
	b, _ := os.ReadFile(p)
	assert.Equal(t, "ok", string(b))
}

// A long output is queued for disk as it is written, in ranges that
// follow each other from the start, so that Close's fsync has little left
// to wait for; what reaches path is every byte, in order.
func TestWritebackQueuesWhatWasWritten(t *testing.T) {
	type span struct{ off, n int64 }
	var got []span
	real := startWriteback
	startWriteback = func(f *os.File, off, n int64) {
		got = append(got, span{off, n})
		real(f, off, n) // the real call too: it must not disturb the file
	}
	defer func() { startWriteback = real }()

	p := filepath.Join(t.TempDir(), "big.csv")
	f, err := Create(p)
	require.NoError(t, err)
	line := strings.Repeat("x", 999) + "\n"
	const lines = 3 * writebackEvery / 1000
	var want strings.Builder
	for i := range lines {
		s := strconv.Itoa(i) + line
		want.WriteString(s)
		_, err := f.WriteString(s)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.True(t, want.String() == string(b), "the file differs from what was written")

	require.GreaterOrEqual(t, len(b), 3*writebackEvery)
	require.Len(t, got, len(b)/writebackEvery, "one range a %d bytes written, the rest left to Close", writebackEvery)
	var next int64
	for _, s := range got {
		assert.Equal(t, next, s.off, "ranges follow each other")
		assert.GreaterOrEqual(t, s.n, int64(writebackEvery))
		next = s.off + s.n
	}
	assert.Less(t, int64(len(b))-next, int64(writebackEvery), "at most one range's worth is left to Close")
}
