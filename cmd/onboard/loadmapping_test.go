package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/schema"
)

// An interrupt stops a long mapping-file load at once (exit 130, nothing
// opened), rather than after the load.
func TestInterruptStopsAMappingLoad(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	old := loadMappingFile
	loadMappingFile = func(string) (*schema.Mapping, error) {
		<-release // a load that would take as long as the test
		return nil, errors.New("not reached")
	}
	t.Cleanup(func() { loadMappingFile = old })

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	in := &inputFlags{provider: "smartapp", mapping: "huge.yaml"}
	done := make(chan error, 1)
	go func() {
		_, err := in.open(ctx, "roster.csv")
		done <- err
	}()
	select {
	case err := <-done:
		var ee *exitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, exitInterrupted, ee.code)
		assert.Contains(t, ee.err.Error(), "interrupted while loading the mapping file huge.yaml")
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupt did not stop the load")
	}
}
