package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// Every output is written beside its path and appears, mode 0600, only
// when it is closed; an aborted one leaves nothing.
func TestOutputsAtomicAndPrivate(t *testing.T) {
	header := []string{"email", "password"}
	open := map[string]func(string) (batch.Sink, error){
		"results": func(p string) (batch.Sink, error) { return NewResults(p, header) },
		"failed": func(p string) (batch.Sink, error) {
			return NewFailedOut(p, header, FailedOutOptions{})
		},
		"validation": func(p string) (batch.Sink, error) { return NewValidation(p, header) },
	}
	for name, fn := range open {
		for _, ext := range []string{".csv", ".xlsx"} {
			t.Run(name+ext, func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, name+ext)
				s, err := fn(p)
				require.NoError(t, err)
				require.NoError(t, s.Write(batch.Outcome{Line: 2, Status: batch.Failed, Cells: []string{"a@x.org", "pw"}}))
				_, err = os.Stat(p)
				assert.True(t, os.IsNotExist(err), "no file at the path before Close")
				require.NoError(t, s.Close(batch.NewSummary("run", "x", "in.csv")))
				fi, err := os.Stat(p)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
				assert.Positive(t, fi.Size())
				assert.Equal(t, []string{name + ext}, dirNames(t, dir), "no temporary or spill file left")

				// A second run that aborts leaves the first file as it was.
				before, _ := os.ReadFile(p)
				s, err = fn(p)
				require.NoError(t, err)
				require.NoError(t, s.Write(batch.Outcome{Line: 2, Status: batch.Failed, Cells: []string{"b@x.org", ""}}))
				Abort(s)
				after, _ := os.ReadFile(p)
				assert.Equal(t, before, after)
				assert.Equal(t, []string{name + ext}, dirNames(t, dir))
			})
		}
	}
}

func TestTemplateAtomicAndPrivate(t *testing.T) {
	s := &schema.Schema{Fields: []schema.Field{{Name: "email", Type: schema.String, Required: true}}}
	for _, ext := range []string{".csv", ".xlsx"} {
		dir := t.TempDir()
		p := filepath.Join(dir, "template"+ext)
		require.NoError(t, WriteTemplate(p, s))
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		assert.Equal(t, []string{"template" + ext}, dirNames(t, dir))
	}
}

// excelize's StreamWriter spills rows past 16 MiB to a temporary file:
// that file goes into the output's own folder, never $TMPDIR, and is gone
// after Close.
func TestXLSXSpillFilesStayBesideTheOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 17 MiB")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	p := filepath.Join(dir, "results.xlsx")
	s, err := NewResults(p, []string{"note"})
	require.NoError(t, err)
	big := strings.Repeat("x", 4000)
	for i := 0; i < 4500; i++ {
		require.NoError(t, s.Write(batch.Outcome{Line: i + 2, Status: batch.Created, Cells: []string{big}}))
	}
	var spilled []string
	require.NoError(t, filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			spilled = append(spilled, path)
		}
		return err
	}))
	assert.NotEmpty(t, spilled, "the StreamWriter spilled beside the output")
	assert.Empty(t, dirNames(t, tmp), "nothing in $TMPDIR")
	require.NoError(t, s.Close(batch.NewSummary("run", "x", "in.csv")))
	assert.Equal(t, []string{"results.xlsx"}, dirNames(t, dir))
	assert.Empty(t, dirNames(t, tmp))
}
