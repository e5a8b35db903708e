package main

import (
	"archive/zip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
// validation report, state file and its side files) is free of the
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
			files := readAllOutputs(t, outDir)
			require.Contains(t, files, filepath.Join(outDir, "results.xlsx"))
			require.Contains(t, files, filepath.Join(outDir, "s.db"))
			secrets := []string{pw1, pw2}
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
