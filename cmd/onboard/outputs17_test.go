package main

import (
	"errors"
	"fmt"
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
