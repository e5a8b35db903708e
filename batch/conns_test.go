package batch_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// A 2,000-row run through each vendor's client holds about --workers
// connections, counted at the server.
func TestRunHoldsAboutWorkersConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 creates")
	}
	const n, workers = 2000, 4
	for _, id := range []string{"smartapp", "smarterproctoring"} {
		t.Run(id, func(t *testing.T) {
			reg, err := providers.Lookup(id)
			require.NoError(t, err)
			s := reg.Simulator(sim.Options{})
			var opened, open, peak atomic.Int32
			srv := httptest.NewUnstartedServer(s.Handler)
			srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				switch st {
				case http.StateNew:
					opened.Add(1)
					if v := open.Add(1); v > peak.Load() {
						peak.Store(v)
					}
				case http.StateClosed, http.StateHijacked:
					open.Add(-1)
				}
			}
			srv.Start()
			defer srv.Close()
			// No HTTP client given: the shared default (one per process, never
			// one per request, as smarterproctoring and bksb once did).
			c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials})
			require.NoError(t, err)

			var b strings.Builder
			header, row := rosterFor(id)
			b.WriteString(header + "\n")
			for i := range n {
				fmt.Fprintf(&b, row+"\n", i)
			}
			p := filepath.Join(t.TempDir(), "r.csv")
			require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
			r, err := read.Open(p, read.Options{})
			require.NoError(t, err)
			defer r.Close()
			m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
			require.NoError(t, err)
			sum := batch.NewSummary("run", id, p)
			require.NoError(t, batch.Run(context.Background(), r, reg.Schema, m, c, &memSink{}, sum, batch.RunOptions{Submit: submit.Options{Workers: workers}}))
			require.Equal(t, n, sum.ByStatus[batch.Created], "%v", sum.ByStatus)
			assert.LessOrEqual(t, opened.Load(), int32(2*workers), "connections opened for %d rows", n)
			assert.LessOrEqual(t, peak.Load(), int32(2*workers), "connections open at once")
		})
	}
}

func rosterFor(id string) (header, row string) {
	switch id {
	case "smarterproctoring":
		return "firstName,lastName,email,role", "A,B,p%04d@x.org,student"
	}
	return "firstName,lastName,email,companyName,companyLocationName", "A,B,p%04d@smartapp.com,smartapp.com,headquarters"
}
