package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
)

type closeFails struct{ err error }

func (c closeFails) Write(batch.Outcome) error  { return nil }
func (c closeFails) Close(*batch.Summary) error { return c.err }

// A full disk fails the results and the fix file at once: one line, each
// path named once, and errors.Is still finds the cause.
func TestOutputsFailOnOneLine(t *testing.T) {
	m := multiSink{
		closeFails{fmt.Errorf("results.xlsx: %w", syscall.ENOSPC)},
		closeFails{nil},
		closeFails{fmt.Errorf("fix.csv: %w", syscall.ENOSPC)},
	}
	err := m.Close(nil)
	require.Error(t, err)
	assert.Equal(t, "results.xlsx: no space left on device; fix.csv: no space left on device", err.Error())
	assert.True(t, errors.Is(err, syscall.ENOSPC))
	assert.NoError(t, multiSink{closeFails{nil}}.Close(nil))
}

// A roster with its own Status and Row columns (as HR exports have): the
// results name onboard's columns onboard_status and onboard_row, and the
// roster's keep their names and values.
func TestRosterWithOwnStatusColumn(t *testing.T) {
	roster := write(t, "r.csv", "First Name,Last Name,E-mail,Company,Location,Status,Row\n"+
		"Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters,active,1\n")
	out := filepath.Join(t.TempDir(), "results.csv")
	code, _, stderr := onboard(t, "run", "-q", "-p", "smartapp", "--simulate", "--no-state", "-o", out, roster)
	require.Equal(t, 0, code, stderr)
	rows := readCSV(t, out)
	header := rows[0]
	seen := map[string]bool{}
	for _, h := range header {
		assert.False(t, seen[strings.ToLower(h)], "%q repeated in %q", h, header)
		seen[strings.ToLower(h)] = true
	}
	assert.Equal(t, []string{"created"}, column(rows, "onboard_status"))
	assert.Equal(t, []string{"active"}, column(rows, "Status"))
	assert.Equal(t, []string{"2"}, column(rows, "onboard_row"))
	assert.Equal(t, []string{"1"}, column(rows, "Row"))
}
