package batch_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/read"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/samples"
	"github.com/onboard/onboard/schema"
)

// encSink is a memSink that encodes rows ahead.
type encSink struct{ memSink }

func (*encSink) Encode(dst []byte, cells []string) []byte {
	return append(dst, "<"+strings.Join(cells, "|")+">"...)
}

// TestValidateEncodesOnWorkers: a sink that is an Encoder gets each row's
// own encoding with its outcome, in roster order (rows are encoded in
// chunks on the workers, so a mixed-up slice would show here).
func TestValidateEncodesOnWorkers(t *testing.T) {
	reg, err := providers.Lookup("smartapp")
	require.NoError(t, err)
	b, err := samples.FS.ReadFile("smartapp/roster.csv")
	require.NoError(t, err)
	var sb strings.Builder
	sb.Write(b)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for range 300 { // more than one chunk
		sb.WriteString(lines[1] + "\n")
	}
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, []byte(sb.String()), 0o600))
	r, err := read.Open(p, read.Options{})
	require.NoError(t, err)
	defer r.Close()
	m, err := schema.NewMapper(reg.Schema, r.Header(), nil)
	require.NoError(t, err)
	sink := &encSink{}
	sum := batch.NewSummary("validate", "smartapp", p)
	require.NoError(t, batch.Validate(context.Background(), r, reg.Schema, m, sink, sum, nil))
	require.Greater(t, len(sink.out), 300)
	for _, o := range sink.out {
		assert.Equal(t, "<"+strings.Join(o.Cells, "|")+">", string(o.Encoded), "row %d", o.Line)
	}
}
