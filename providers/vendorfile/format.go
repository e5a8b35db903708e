// Package vendorfile reads vendor files (onboard: vendor/v1, YAML): one
// vendor's create-user contract as data. A file compiles into the
// schema.Schema and the providers.Client (with Finder and Updater) onboard
// already has, so the mapper, the pool, the ledger and the reports do not
// know where a vendor came from; it also yields a simulator derived from
// the file. The checker reports every mistake as file:line:col.
//
// There is no expression language: a template substitutes ${env.NAME} (a
// declared credential), ${row.FIELD}, ${base_url}, ${page.first} and
// ${id}, never computes. Vendor quirks that data cannot say stay Go,
// compiled in and named by the file (see Extensions).
package vendorfile

// Version is the only format this loader reads.
const Version = "vendor/v1"

// file is a vendor file as written.
type file struct {
	Keyed
	Onboard string `yaml:"onboard"`
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Doc     string `yaml:"doc"`
	// Protocol names a wire protocol compiled into onboard (scim2); the
	// file then gives the contract and the protocol the wire.
	Protocol    string       `yaml:"protocol"`
	BaseURL     string       `yaml:"base_url"`
	Credentials []credential `yaml:"credentials"`
	// Needs says which credentials a client needs when not all of them:
	// alternatives separated by |, names joined by +
	// ("ONBOARD_TOKEN | ONBOARD_CLIENT_ID + ONBOARD_CLIENT_SECRET").
	Needs  string      `yaml:"needs"`
	Auth   *auth       `yaml:"auth"`
	Tenant string      `yaml:"tenant"`
	Limits *limits     `yaml:"limits"`
	Key    []string    `yaml:"key"`
	Extra  string      `yaml:"extra"`
	Shared any         `yaml:"shared"` // anchors for the rest; not read
	Fields []field     `yaml:"fields"`
	Rules  []rule      `yaml:"rules"`
	Create *create     `yaml:"create"`
	Errors *errorTable `yaml:"errors"`
	Find   *find       `yaml:"find"`
	Update *update     `yaml:"update"`
}

type credential struct {
	Keyed
	Env  string `yaml:"env"`
	What string `yaml:"what"`
	// Pattern (RE2, ^…$) a value must match before any request is made;
	// PatternText says it ("an install SID: want AI and 32 hex digits").
	Pattern     string `yaml:"pattern"`
	PatternText string `yaml:"pattern_text"`
}

// auth is how every request proves who sends it.
type auth struct {
	Keyed
	Type string `yaml:"type"` // bearer, header, basic, none, go
	// Token is the bearer token (type bearer).
	Token string `yaml:"token"`
	// Name and Value are the header (type header).
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	// User and Password are HTTP Basic's (type basic).
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	// Flow names a Go auth flow (type go), e.g. a token exchange.
	Flow string `yaml:"flow"`
}

type limits struct {
	Keyed
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	Burst             int     `yaml:"burst"`
	RetryAfter        string  `yaml:"retry_after"` // honour (the default) or ignore
}

type field struct {
	Keyed
	Name        string            `yaml:"name"`
	Type        string            `yaml:"type"`
	Required    bool              `yaml:"required"`
	Description string            `yaml:"description"`
	Enum        []string          `yaml:"enum"`
	Synonyms    map[string]string `yaml:"synonyms"`
	Aliases     []string          `yaml:"aliases"`
	Pattern     string            `yaml:"pattern"`
	PatternText string            `yaml:"pattern_text"`
	Format      string            `yaml:"format"` // email
	Check       string            `yaml:"check"`  // a Go check, by name
	Warn        string            `yaml:"warn"`   // a Go plausibility warning, by name
	Encode      string            `yaml:"encode"` // a Go wire encoder, by name
	MinLength   int               `yaml:"min_length"`
	// Minimum and Maximum bound a number field.
	Minimum   *float64 `yaml:"minimum"`
	Maximum   *float64 `yaml:"maximum"`
	MaxLength int      `yaml:"max_length"`
	Separator string   `yaml:"separator"`
	Past      bool     `yaml:"past"`
	Secret    bool     `yaml:"secret"`
	Example   string   `yaml:"example"`
	// Path is where the value goes in the body (a JSON pointer); the
	// field's own name at the top when empty.
	Path string `yaml:"path"`
}

// rule is one rule across fields: exactly one of its keys.
type rule struct {
	Keyed
	RequiredIf  *requiredIf `yaml:"required_if"`
	AllOrNone   []string    `yaml:"all_or_none"`
	AtMostOneOf []string    `yaml:"at_most_one_of"`
	Go          string      `yaml:"go"` // a Go rule, by name
}

type requiredIf struct {
	Keyed
	Field string `yaml:"field"`
	When  *when  `yaml:"when"`
	// Why says when in words; "when FIELD is VALUE" if empty.
	Why string `yaml:"why"`
}

type when struct {
	Keyed
	Field  string `yaml:"field"`
	Equals any    `yaml:"equals"`
}

// create is the create request and how its answer is read.
type create struct {
	Keyed
	Method string `yaml:"method"`
	Path   string `yaml:"path"`
	Body   *body  `yaml:"body"`
	// Constants are fixed parts of the body, by JSON pointer.
	Constants map[string]any `yaml:"constants"`
	Success   *success       `yaml:"success"`
	CreatedID string         `yaml:"created_id"`
	// IDName says a bare ID (created_id "") in messages ("a user ID");
	// "an ID" when empty. An answer in an object without its ID is
	// created, the ID unknown, so no message names it there.
	IDName string `yaml:"id_name"`
	// IDPattern is what a created ID must look like: an answer whose ID
	// does not match has none (created, the ID unknown: the lookup finds
	// it; never re-created).
	IDPattern string            `yaml:"id_pattern"`
	ExtraIDs  map[string]string `yaml:"extra_ids"`
}

type body struct {
	Keyed
	Encoding string `yaml:"encoding"` // json
	Fields   string `yaml:"fields"`   // all_present (by name) or by_path
}

type success struct {
	Keyed
	Status []string `yaml:"status"` // 201, 2xx
	// BodyEquals is pointer → value: every one must hold in a create's
	// answer. One answered otherwise is a failure (HTTP 200 with
	// success:false); one left out, null or of another kind makes the
	// answer unreadable (providers.ErrUnreadable: settled by the lookup),
	// except that an absent value holds "".
	BodyEquals map[string]any `yaml:"body_equals"`
}

type errorTable struct {
	Keyed
	VendorCode string   `yaml:"vendor_code"` // JSON pointer
	Message    []string `yaml:"message"`     // pointers, first non-empty wins; "" = the body
	// Ignore are texts that are no message ("Success" in a failure).
	Ignore []string `yaml:"ignore"`
	// BodyExcerpt, when set, makes a body that holds no message the
	// message as it is, trimmed and cut to that many bytes (else one
	// line of at most 200 characters).
	BodyExcerpt int         `yaml:"body_excerpt"`
	NoMessage   string      `yaml:"no_message"`
	Rules       []errorRule `yaml:"rules"`
	// Codes is the doc's table: vendor code → field, "missing" or "invalid".
	Codes        map[string][]string `yaml:"codes"`
	FieldAliases map[string]string   `yaml:"field_aliases"`
	// FieldKeys points to a list of field names in the answer (Joi's
	// validation.keys), read after field_from_message's matches.
	FieldKeys string `yaml:"field_keys"`
	// Go names a Go reader of the vendor's error bodies (message and
	// field), for shapes pointers cannot read.
	Go string `yaml:"go"`
}

// errorRule matches an answer; the first that matches names its code.
type errorRule struct {
	Keyed
	Status     []string `yaml:"status"`
	VendorCode []string `yaml:"vendor_code"`
	// InCodes matches any vendor code of the codes table; the field is
	// the table's.
	InCodes bool   `yaml:"in_codes"`
	Message string `yaml:"message_matches"` // RE2
	Default bool   `yaml:"default"`
	As      string `yaml:"as"`
	Field   string `yaml:"field"`
	// FieldFromMessage is an RE2 whose first group names the field.
	FieldFromMessage string `yaml:"field_from_message"`
	// Sent marks an answer after which the person may exist.
	Sent bool `yaml:"sent"`
	// Prefix is put before the message ("lookup: ").
	Prefix string `yaml:"prefix"`
	// FieldFromAnswer takes the field errors.go's reader found.
	FieldFromAnswer bool `yaml:"field_from_answer"`
}

// find is the lookup used for adoption and unknown outcomes.
type find struct {
	Keyed
	Method   string            `yaml:"method"`
	Path     string            `yaml:"path"`
	Query    map[string]string `yaml:"query"`
	Paginate *paginate         `yaml:"paginate"`
	Success  *success          `yaml:"success"`
	// Items points to the list (or one object); the first of several
	// pointers that is in the answer wins.
	Items []string `yaml:"items"`
	// Rules are tried before the error table's, for this call only.
	Rules []errorRule `yaml:"rules"`
	Match *match      `yaml:"match"`
	ID    string      `yaml:"id"` // pointer in an item
	// AnswerID, instead of items and match, reads the answer as the
	// person's ID: at this pointer in an object, or a bare number or
	// string. IDPattern is what a readable ID looks like, FoundPattern
	// one that names someone (0 may mean nobody); NotFound statuses mean
	// nobody too.
	AnswerID     string   `yaml:"answer_id"`
	IDPattern    string   `yaml:"id_pattern"`
	FoundPattern string   `yaml:"found_pattern"`
	NotFound     []string `yaml:"not_found"`
}

type paginate struct {
	Keyed
	Style    string `yaml:"style"` // offset
	Start    int    `yaml:"start"`
	Size     int    `yaml:"size"`
	Total    string `yaml:"total"` // pointer
	MaxPages int    `yaml:"max_pages"`
}

type match struct {
	Keyed
	Item     string `yaml:"item"`
	Equals   string `yaml:"equals"`
	FoldCase bool   `yaml:"fold_case"`
}

// update is the documented call that changes a person.
type update struct {
	Keyed
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"` // ${id} is the vendor ID
	Query   map[string]string `yaml:"query"`
	Fields  []string          `yaml:"fields"`
	Success *success          `yaml:"success"`
	// IDPattern is what a vendor ID must look like before the call is
	// made; IDPatternText says it.
	IDPattern     string `yaml:"id_pattern"`
	IDPatternText string `yaml:"id_pattern_text"`
	// Rules are tried before the error table's, for this call only.
	Rules []errorRule `yaml:"rules"`
}
