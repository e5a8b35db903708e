package submit

import (
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Job is one valid row to create at the vendor.
type Job struct {
	Seq    int    // position in the roster (0-based), for reordering
	Line   int    // row number the user sees
	Key    string // the person's unique key (schema.Schema.KeyOf)
	Record schema.Record
	// Recover marks a job whose earlier create may have reached the vendor
	// (left in flight by a crashed run): it is resolved without a blind
	// create.
	Recover bool
	// Update, when set, makes the job an update of a person the vendor
	// has (providers.Updater) instead of a create.
	Update *Update
}

// Update is what an update job changes: the fields of Record named in
// Fields, at the person with vendor ID ID. An update sets values, so it is
// retried like any request that did not arrive.
type Update struct {
	ID     string
	Fields []string
}

// Result is how one Job ended. Run writes exactly one per Job.
type Result struct {
	Job     Job
	Created providers.Created // on success
	Err     *providers.Error  // nil on success
	// Attempts counts the create requests sent for this job (lookups are
	// not counted).
	Attempts int
	// Recovered is set when success was established from an unknown
	// outcome: the person was found at the vendor, or the vendor said it
	// already exists after a request of ours went unanswered.
	Recovered bool
	// Unknown is set on a failure when the person may nevertheless exist
	// at the vendor: an earlier request got no answer (or a 5xx) and no
	// later lookup or answer settled it. The row should stay in flight so
	// that the next run resolves it (Job.Recover).
	Unknown bool
	// Adopted is set on a success where the person was already at the
	// vendor (an "already exists" answer, Options.Existing adopt, or one
	// that our own unanswered request explains); Created.ID is the
	// vendor's ID when a lookup found it, "" otherwise (Note says why).
	Adopted bool
	// Skipped is set with Err ALREADY_EXISTS under Options.Existing skip.
	Skipped bool
	Note    string // a human note for the results sheet
}

// OK reports whether the job succeeded.
func (r Result) OK() bool { return r.Err == nil }
