//go:build unix

package read

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary stand in for a run that is killed while it
// reads a workbook (see TestScratchOfAKilledRunIsRemoved).
func TestMain(m *testing.M) {
	if path := os.Getenv("ONBOARD_READ_HOLD"); path != "" {
		r, err := Open(path, Options{sstAbove: -1})
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		_ = r
		os.Stdout.WriteString("open\n")
		time.Sleep(time.Minute) // killed long before
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestScratchOfAKilledRunIsRemoved: a run killed with SIGKILL while it holds a
// large workbook's shared strings in a temp file leaves its private folder
// behind; the next read removes it, and leaves a live reader's alone.
func TestScratchOfAKilledRunIsRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	path := sstBook(t, header(2)+`<row r="2"><c t="s"><v>0</v></c></row>`, `<si><t>secret roster value</t></si>`, "")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ONBOARD_READ_HOLD="+path, "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "open\n", line)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	killed, err := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*"))
	require.NoError(t, err)
	require.Len(t, killed, 1, "the killed run's folder is left")
	store, _ := filepath.Glob(filepath.Join(killed[0], "onboard-sst-*"))
	require.Len(t, store, 1, "with the shared strings in it")

	// A live reader's folder stays while the next read cleans up.
	live, err := Open(path, Options{sstAbove: -1})
	require.NoError(t, err)
	_, err = os.Stat(killed[0])
	assert.True(t, os.IsNotExist(err), "the killed run's folder is removed by the next read")
	next, err := Open(path, Options{sstAbove: -1})
	require.NoError(t, err)
	left, _ := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*"))
	assert.Len(t, left, 2, "both live readers keep their folders")
	require.NoError(t, live.Close())
	require.NoError(t, next.Close())
	left, _ = filepath.Glob(filepath.Join(tmp, "*"))
	assert.Empty(t, left)
}

// TestFIFORefusedBeforeOpening: a named pipe given as the roster is
// refused at once (opening it would block until a writer came); so is a
// folder.
func TestFIFORefusedBeforeOpening(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "roster.csv")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() {
		_, err := Open(fifo, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrNotRegular)
		assert.Contains(t, err.Error(), fifo+": a pipe, not a regular file")
	case <-time.After(10 * time.Second):
		// Unblock the open so the test ends.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_ = w.Close()
		}
		t.Fatal("Open blocked on a FIFO")
	}
	_, err := Open(dir, Options{})
	require.ErrorIs(t, err, ErrNotRegular)
	assert.True(t, strings.Contains(err.Error(), "a folder, not a regular file"), err.Error())
}
