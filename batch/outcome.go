package batch

import "time"

// Status is a row's final state in a report.
type Status string

// Row statuses. validate writes valid/invalid; run writes the others.
const (
	Valid        Status = "valid"
	Invalid      Status = "invalid"
	Created      Status = "created"
	Failed       Status = "failed"
	NotAttempted Status = "not_attempted" // the run stopped before the row was sent
	Skipped      Status = "skipped"       // already onboarded in an earlier run
	// Adopted: the vendor already had the person (--existing adopt); the
	// state store now knows them, with the vendor's ID when a lookup found it.
	Adopted Status = "adopted"
	// Unknown: the last request may have reached the vendor and nothing
	// settled it; the state store keeps the row in flight and the next run
	// resolves it by lookup.
	Unknown  Status = "unknown"
	Conflict Status = "conflict" // identity and vendor key disagree with the state store; not sent
	Updated  Status = "updated"  // already onboarded; changed values sent with --update
)

// OutcomeUnknown is the code of an Unknown row.
const OutcomeUnknown = "OUTCOME_UNKNOWN"

// outcomeUnknownMsg is an Unknown row's message.
const outcomeUnknownMsg = "may exist at the vendor; the next run settles it"

// Problem is one reason a row did not succeed: a validation FieldError or a
// vendor answer. Code is a schema.Code or providers.Code value.
type Problem struct {
	Code    string
	Field   string // vendor spelling; "" when the vendor names none
	Message string
}

// Outcome is the reconciled result for one roster row.
type Outcome struct {
	Line     int      // the row number the user sees; the header is row 1
	Cells    []string // the roster's own cells, secret columns already masked
	Status   Status
	ID       string    // vendor's created ID (or the stored one when skipped)
	Problems []Problem // every failing field for invalid rows; one for vendor failures
	// Warnings are what validation flagged without refusing the row (a
	// rounded number, an unlikely date): a valid row may carry them.
	Warnings []Problem
	// The vendor's raw answer for the row's last attempt.
	VendorStatus int
	VendorCode   string
	VendorMsg    string
	Attempts     int
	Note         string // e.g. "recovered: existed at vendor after a lost answer"
	// Changed lists the vendor fields whose values differ from what the
	// state store recorded for an already onboarded person.
	Changed []string
	// Encoded, when set, is what the sink's Encoder made of Cells on a
	// mapping worker: the sink writes it instead of encoding Cells again.
	Encoded []byte
}

// Sink receives outcomes in roster order, from one goroutine. reports
// implements it for XLSX and CSV.
type Sink interface {
	Write(o Outcome) error
	// Close finishes the output with the run's summary.
	Close(s *Summary) error
}

// A KeySink is a Sink that also wants the unique-key values (in
// schema.Key order) of each row that takes part in Validate's duplicate
// check, given before the row's outcome: the page keeps its own
// duplicate index between corrections (see Rechecker).
type KeySink interface {
	Keys(line int, keys []string)
}

// An Encoder is a Sink that can encode a row's cells before its outcome
// is known, so that Validate does that part of the writing on its parallel
// mapping workers rather than on the one goroutine that writes in roster
// order (with a CSV report, that goroutine was the dry run's bottleneck).
// Encode appends to dst and must be safe for concurrent use.
type Encoder interface {
	Encode(dst []byte, cells []string) []byte
}

// Summary describes a whole run or validation.
type Summary struct {
	Command   string // "validate" or "run"
	Provider  string
	Input     string
	Start     time.Time
	End       time.Time
	RowsRead  int
	ByStatus  map[Status]int
	ByCode    map[string]int
	ByField   map[string]int
	Requests  int               // create requests sent (attempts), for achieved rate
	Achieved  float64           // create requests per second, first to last request (0: unknown)
	Settings  map[string]string // run settings, never secrets
	Skipped   int               // skipped as already onboarded
	Recovered int               // unknown outcomes resolved as created
	Changed   int               // already onboarded people whose values changed (updated or not)
	// Missing counts the people the state store knows for this provider
	// and tenant that the file does not hold; MissingChecked says whether
	// the run looked (a state store, and the whole file read).
	Missing        int
	MissingChecked bool
	// StillMissing counts the people an earlier run listed as missing and
	// no run has seen since (counted, not listed again); MissingSince is
	// the first run whose sightings counted (the run, or a watched
	// night's first). MissingNote says why missing people were not
	// checked, when the run chose not to (a fix file, --partial, a
	// watched night that lists them at its end).
	StillMissing int
	MissingSince int64
	MissingNote  string
	Warnings     []string // e.g. unmapped columns
	HeaderRow    int      // the row the header was read from; 0: not known
	Sheet        string   // XLSX: the sheet read
	// WarnedRows counts rows with warnings (valid or not), ByWarning the
	// warnings by code.
	WarnedRows int
	ByWarning  map[string]int
	// ReadError, when set, is the file problem that stopped reading part
	// way (it names the row); the rows before it were read.
	ReadError string
	// Notices are worth knowing but not a problem, e.g. the columns that
	// go into smartapp's metadata.
	Notices []string
	// Retries are the create requests beyond each row's first; RateLimited
	// the 429 answers among all requests.
	Retries, RateLimited int
	// Stop is why a run ended: "done", or an early stop ("interrupted",
	// "auth_failed", "licences", "breaker", "aborted"); cmd sets it.
	Stop string
	// StopCode is the vendor code behind an early stop, e.g. AUTH_FAILED.
	StopCode string
}

// NewSummary returns a Summary with its maps made.
func NewSummary(command, provider, input string) *Summary {
	return &Summary{
		Command: command, Provider: provider, Input: input, Start: time.Now(),
		ByStatus: map[Status]int{}, ByCode: map[string]int{}, ByField: map[string]int{},
		Settings: map[string]string{},
	}
}

// Add counts one outcome.
func (s *Summary) Add(o *Outcome) {
	s.RowsRead++
	s.ByStatus[o.Status]++
	s.Requests += o.Attempts
	s.Retries += max(o.Attempts-1, 0)
	for _, p := range o.Problems {
		s.ByCode[p.Code]++
		if p.Field != "" {
			s.ByField[p.Field]++
		}
	}
	if len(o.Warnings) > 0 {
		s.WarnedRows++
		if s.ByWarning == nil {
			s.ByWarning = map[string]int{}
		}
		for _, w := range o.Warnings {
			s.ByWarning[w.Code]++
		}
	}
}

// Rate is the achieved create requests per second.
func (s *Summary) Rate() float64 {
	if s.Achieved > 0 {
		return s.Achieved
	}
	d := s.End.Sub(s.Start).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(s.Requests) / d
}
