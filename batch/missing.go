package batch

import (
	"cmp"
	"context"

	"github.com/onboard/onboard/batch/state"
)

// missingSince is the first run whose sightings count against missing.
func missingSince(opt *RunOptions) int64 { return cmp.Or(opt.MissingSince, opt.RunID) }

// missingPreparer is a store that reads who may go missing while the rows
// are read (state.Store), so that listing them after the last row is quick.
type missingPreparer interface {
	PrepareMissing(ctx context.Context, sc state.Scope, since int64) error
}
