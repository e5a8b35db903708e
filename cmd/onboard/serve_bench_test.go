package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkServeRevalidate100k is the page's whole-file validation (after
// a mapping, a find-and-replace or a fix file) on a 100,000-row roster.
func BenchmarkServeRevalidate100k(b *testing.B) {
	j := benchJob(b)
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, j.validate())
	}
}

// BenchmarkServeRecheck100k is the page's re-check after a corrected
// cell, on a 100,000-row roster: the email of a row made a duplicate of
// another and back, each edit re-checking the rows sharing the old or
// the new value (make bench measures it over HTTP too).
func BenchmarkServeRecheck100k(b *testing.B) {
	j := benchJob(b)
	i := j.byLine[99_990]
	values := []string{"person0000001@example.com", j.rows[i].Cells[3]}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		j.rows[i].Cells[3] = values[n%2]
		j.recheck(i)
		n++
	}
}

func benchJob(b *testing.B) *job {
	var sb strings.Builder
	sb.WriteString("Title,First Name,Last Name,E-mail,Country Code,Mobile,Role ID,User Can Choose Password\n")
	for i := range 100_000 {
		fmt.Fprintf(&sb, "Ms,Person%d,Tester,person%07d@example.com,+91,98%08d,3,no\n", i, i, i)
	}
	dir := b.TempDir()
	j := &job{dir: dir, meta: jobMeta{ID: "bench", File: "big.csv", Ext: ".csv", Vendor: "alphalearn"}}
	require.NoError(b, os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(sb.String()), 0o600))
	require.NoError(b, j.load(b.Context()))
	j.meta.Mapping = &pageMapping{Columns: map[string]string{"Title": "title", "First Name": "firstName", "Last Name": "lastName",
		"E-mail": "email", "Country Code": "countryCode", "Mobile": "mobile", "Role ID": "roleId", "User Can Choose Password": "userCanChoosePassword"}}
	require.NoError(b, j.bind())
	return j
}
