package main

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/providers/sim"
)

// hookBodies is a webhook on loopback that keeps what it is sent.
func hookBodies(t *testing.T) func() []map[string]any {
	var (
		mu     sync.Mutex
		bodies []map[string]any
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		assert.NoError(t, json.Unmarshal(b, &m))
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	t.Setenv("ONBOARD_NOTIFY_URL", hook.URL+"/hook")
	return func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), bodies...)
	}
}

// A drop folder HR can use (issue 18): with --group the inbox's folders
// are 0750 and every output 0640, given to the group, never readable by
// everyone; a file moved to failed/ has failed/NAME.error.txt saying why
// and what to do; the webhook names files as the inbox's users reach them.
func TestWatchDropFolderForHR(t *testing.T) {
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("this process's group has no name here: %v", err)
	}
	bodies := hookBodies(t)
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 2)+"Sam,Okafor,sokafor@globex,Globex,headquarters\n")
	drop(t, box, "broken.csv", "\x00\x01\x02PK junk\x00")
	code, _, stderr := onboard(t, watchArgs(box, url, "--once", "--format", "csv", "--group", g.Name,
		"--inbox-as", `\\files\hr\drop`)...)
	assert.Equal(t, 1, code, stderr)

	gid := uint32(os.Getgid())
	for _, sub := range []string{inbox.Processing, inbox.Archive, inbox.Failed, inbox.Results} {
		fi, err := os.Stat(filepath.Join(box, sub))
		require.NoError(t, err)
		assert.Equal(t, fs.ModeDir|0o750, fi.Mode(), sub)
		assert.Equal(t, gid, fi.Sys().(*syscall.Stat_t).Gid, sub)
	}
	var outputs []string
	require.NoError(t, filepath.WalkDir(box, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		fi, err := d.Info()
		require.NoError(t, err)
		rel, _ := filepath.Rel(box, p)
		outputs = append(outputs, filepath.ToSlash(rel))
		assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), rel)
		assert.Equal(t, gid, fi.Sys().(*syscall.Stat_t).Gid, rel)
		return nil
	}))
	assert.Contains(t, outputs, "failed/broken.csv.error.txt")
	assert.Contains(t, outputs, "archive/a.csv")
	assert.Len(t, outputs, 5, "a.csv, its results and fix file (the night lists nobody missing on its first run); broken.csv and its note: %v", outputs)

	note, err := os.ReadFile(filepath.Join(box, inbox.Failed, "broken.csv.error.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(note), "onboard could not finish broken.csv (smartapp, moved here ")
	assert.Contains(t, string(note), "\nWhy: broken.csv: not a CSV or XLSX file\n")
	assert.Contains(t, string(note), "\nNext step: fix what the error names (the file, the mapping or the credentials), then move the file from failed/ back into the inbox\n")
	failed := filepath.Join(box, inbox.Failed, "broken.csv")
	assert.Contains(t, stderr, "onboard watch: "+filepath.Join(box, "broken.csv")+": moved to "+failed+"; why, and what to do: "+failed+".error.txt\n")

	// Moved back with its file, the note is never taken as a roster.
	require.NoError(t, os.Rename(filepath.Join(box, inbox.Failed, "broken.csv.error.txt"), filepath.Join(box, "broken.csv.error.txt")))
	ready, _, err := func() ([]string, int, error) {
		b, err := inbox.Open(box)
		require.NoError(t, err)
		defer b.Close()
		return b.Scan(time.Now().Add(time.Hour), 0)
	}()
	require.NoError(t, err)
	assert.Empty(t, ready)

	require.Len(t, bodies(), 2, "delivered before watch --once exits")
	byFile := map[string]map[string]any{}
	for _, m := range bodies() {
		byFile[m["file"].(string)] = m
	}
	a := byFile[`\\files\hr\drop\a.csv`]
	require.NotNil(t, a, "%v", bodies())
	assert.Regexp(t, `^\\\\files\\hr\\drop\\results\\a-\d{8}T\d{6}Z\.csv$`, a["results"])
	assert.Regexp(t, `^\\\\files\\hr\\drop\\results\\a-\d{8}T\d{6}Z-fix\.csv$`, a["fix_file"])
	assert.Equal(t, `\\files\hr\drop\archive\a.csv`, a["archived"])
	assert.Contains(t, a["text"], `\\files\hr\drop\a.csv`)
	assert.Equal(t, `\\files\hr\drop\failed\broken.csv`, byFile[`\\files\hr\drop\broken.csv`]["archived"])
}

// Without --inbox-as the webhook's paths are relative to the inbox; an
// unknown --group is refused before the inbox is touched.
func TestWatchWebhookPathsRelativeToTheInbox(t *testing.T) {
	bodies := hookBodies(t)
	_, url := simulator(t, "smartapp", sim.Options{})
	box := newInbox(t)
	drop(t, box, "a.csv", people("a", 2))
	code, stdout, stderr := onboard(t, watchArgs(box, url, "--once", "--format", "csv")...)
	assert.Equal(t, 0, code, stderr)
	require.Len(t, bodies(), 1)
	m := bodies()[0]
	assert.Equal(t, "a.csv", m["file"])
	assert.Equal(t, "archive/a.csv", m["archived"])
	assert.Regexp(t, `^results/a-\d{8}T\d{6}Z\.csv$`, m["results"])
	r := reportsOf(t, stdout)[0]
	assert.Equal(t, filepath.Join(box, "archive", "a.csv"), r.Archived, "the JSON line keeps the service's paths")
	fi, err := os.Stat(r.Results)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "without --group outputs stay the service user's")

	other := newInbox(t)
	code, _, stderr = onboard(t, watchArgs(other, url, "--once", "--group", "no-such-group-onboard")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, "onboard: --group no-such-group-onboard: no such group on this machine (see getent group)\n", stderr)
	assert.Empty(t, names(t, other), "nothing made in the inbox")
}
