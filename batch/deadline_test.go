package batch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// A vendor that never answers costs one --timeout per call, and a stop
// (SIGTERM, Ctrl-C) ends the run within that deadline with every row given
// a status.
func TestStopEndsARunAgainstASilentVendorWithinTheDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	reg, _ := providers.Lookup("smartapp")
	const timeout = 500 * time.Millisecond
	c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: map[string]string{"ONBOARD_TOKEN": "t"},
		HTTP: providers.NewHTTPClient(providers.HTTPOptions{Timeout: timeout, Conns: 4})})
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("firstName,lastName,email,companyName,companyLocationName\n")
	const n = 50
	for i := range n {
		fmt.Fprintf(&b, "A,B,p%04d@smartapp.com,smartapp.com,headquarters\n", i)
	}
	p := filepath.Join(t.TempDir(), "r.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // the SIGTERM
	sink := &memSink{}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- batch.Run(ctx, r, reg.Schema, m, c, sink, batch.NewSummary("run", "smartapp", p),
			batch.RunOptions{Submit: submit.Options{Workers: 4, Retries: 3}})
	}()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end after the stop")
	}
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 100*time.Millisecond+4*timeout+2*time.Second, "ended within the call deadline of the stop")
	require.Len(t, sink.out, n, "every row has a status")
}
