package main

import (
	"archive/zip"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch/inbox"
	"github.com/onboard/onboard/providers/sim"
)

// readAllOutputs returns every file under dir as text, XLSX workbooks part
// by part (the zip hides its text from a plain grep).
func readAllOutputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = string(b)
		if strings.HasSuffix(p, ".xlsx") {
			zr, err := zip.NewReader(strings.NewReader(string(b)), int64(len(b)))
			require.NoError(t, err, p)
			for _, zf := range zr.File {
				rc, err := zf.Open()
				require.NoError(t, err)
				part, _ := io.ReadAll(rc)
				rc.Close()
				out[p+"!"+zf.Name] = string(part)
			}
		}
		return nil
	}))
	return out
}

// Every output of a run (stdout, stderr, results XLSX and CSV, fix file,
// validation report, state file and its side files, a watched inbox's
// results and archive, the webhook's notification) is free of the
// credentials and the passwords it used.
func TestNoSecretInAnyOutput(t *testing.T) {
	const pw1, pw2 = "Pw-Zq81-distinct!", "Sh0rt-Q7"
	tests := []struct {
		id, pwHeader string
	}{
		{"smartapp", "Password"},
		{"ispring", "Initial Password"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s, url := simulator(t, tt.id, sim.Options{})
			f, err := os.Open(filepath.Join("..", "..", "samples", tt.id, "roster.csv"))
			require.NoError(t, err)
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			require.NoError(t, err)
			rows[0] = append(rows[0], tt.pwHeader)
			for i := 1; i < len(rows); i++ {
				rows[i] = append(rows[i], map[bool]string{true: pw1, false: pw2}[i%2 == 0])
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "roster.csv")
			wf, err := os.Create(in)
			require.NoError(t, err)
			require.NoError(t, csv.NewWriter(wf).WriteAll(rows))
			require.NoError(t, wf.Close())

			outDir := filepath.Join(dir, "out")
			require.NoError(t, os.Mkdir(outDir, 0o700))
			var said []string
			for _, args := range [][]string{
				{"run", "-p", tt.id, "--base-url", url, "--json", "--state", filepath.Join(outDir, "s.db"),
					"-o", filepath.Join(outDir, "results.xlsx"), "--failed-out", filepath.Join(outDir, "failed.csv"), in},
				{"run", "-p", tt.id, "--base-url", url, "--state", filepath.Join(outDir, "s.db"),
					"-o", filepath.Join(outDir, "results.csv"), "--failed-out", filepath.Join(outDir, "failed2.xlsx"), in},
				{"validate", "-p", tt.id, "-o", filepath.Join(outDir, "report.csv"), in},
				{"validate", "-p", tt.id, in},
				{"history", "--state", filepath.Join(outDir, "s.db")},
			} {
				_, stdout, stderr := onboard(t, args...)
				said = append(said, stdout, stderr)
			}
			var hookURL string
			if tt.id == "smartapp" { // watch (smartapp only in its helpers) and its notification
				old := notifyBackoff
				notifyBackoff = []time.Duration{time.Millisecond}
				t.Cleanup(func() { notifyBackoff = old })
				var mu sync.Mutex
				hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					said = append(said, string(b))
					mu.Unlock()
				}))
				defer hook.Close()
				hookURL = hook.URL + "/services/T0/B0/hook-s3cr3t-zq"
				t.Setenv(notifyEnv, hookURL)
				box := filepath.Join(outDir, "inbox")
				require.NoError(t, os.Mkdir(box, 0o700))
				b, err := os.ReadFile(in)
				require.NoError(t, err)
				drop(t, box, "nightly.csv", string(b))
				before := len(said)
				_, stdout, stderr := onboard(t, watchArgs(box, url, "--once", "--rerun-same")...)
				mu.Lock()
				require.Greater(t, len(said), before, "the webhook got the report: %s", stderr)
				mu.Unlock()
				said = append(said, stdout, stderr)
			}
			files := readAllOutputs(t, outDir)
			for name := range files { // the roster itself, moved there by watch: the user's file, not an output
				if strings.Contains(name, filepath.Join("inbox", inbox.Archive)+string(filepath.Separator)) {
					delete(files, name)
				}
			}
			require.Contains(t, files, filepath.Join(outDir, "results.xlsx"))
			require.Contains(t, files, filepath.Join(outDir, "s.db"))
			secrets := []string{pw1, pw2}
			if hookURL != "" {
				secrets = append(secrets, hookURL)
			}
			for _, v := range s.Credentials {
				secrets = append(secrets, v)
			}
			for _, secret := range secrets {
				for i, text := range said {
					assert.NotContains(t, text, secret, "command output %d", i)
				}
				for name, text := range files {
					assert.NotContains(t, text, secret, name)
				}
			}
			assert.Positive(t, s.Store.Len(), "the run did create people")
		})
	}
}
