package vendorfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// client speaks a vendor file's wire format. It is safe for concurrent use.
type client struct {
	v      *Vendor
	base   string
	hc     *http.Client
	header func(context.Context) (http.Header, error)
	env    map[string]string
	now    func() time.Time
}

// Each combination of the optional interfaces is its own type, so that
// the pool's type assertions tell the truth.
type (
	finder        struct{ *client }
	updater       struct{ *client }
	finderUpdater struct{ *client }
)

func (c finder) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	return c.find(ctx, rec)
}
func (c finderUpdater) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	return c.find(ctx, rec)
}
func (c updater) Updatable(f string) bool       { return c.updatable(f) }
func (c finderUpdater) Updatable(f string) bool { return c.updatable(f) }
func (c updater) Update(ctx context.Context, id string, changed []string, rec schema.Record) error {
	return c.doUpdate(ctx, id, changed, rec)
}
func (c finderUpdater) Update(ctx context.Context, id string, changed []string, rec schema.Record) error {
	return c.doUpdate(ctx, id, changed, rec)
}

var (
	_ providers.Finder  = finder{}
	_ providers.Updater = updater{}
	_ providers.Finder  = finderUpdater{}
	_ providers.Updater = finderUpdater{}
)

// New builds a client of v from cfg. Only the declared credentials are
// read from cfg.Credentials.
func (v *Vendor) New(cfg providers.Config) (providers.Client, error) {
	env, err := v.credentials(cfg)
	if err != nil {
		return nil, err
	}
	for _, cr := range v.creds {
		val := cfg.Credentials[cr.Env]
		if val == "" {
			continue
		}
		if re := v.credRE[cr.Env]; re != nil && !re.MatchString(val) {
			// The length, never the value: it is a secret.
			return nil, fmt.Errorf("%s: %s is not %s (got %d characters)", v.ID, cr.Env, cr.PatternText, len(val))
		}
		env[cr.Env] = val
	}
	c := &client{v: v, hc: cfg.HTTPClient(), env: env, now: time.Now, base: cfg.BaseURL}
	if c.base == "" {
		// A base URL made from a credential is checked like --base-url.
		c.base, _ = v.baseURL.expand(vars{env: env})
		if err := providers.CheckBaseURL(c.base, false); c.base != "" && err != nil {
			return nil, fmt.Errorf("%s: base_url from the credentials: %w", v.ID, err)
		}
	}
	if c.base == "" {
		return nil, fmt.Errorf("%s: no base URL (give --base-url)", v.ID)
	}
	a := v.auth
	ex := func(t template) string { s, _ := t.expand(vars{env: env, baseURL: c.base}); return s }
	switch a.kind {
	case "bearer":
		h := providers.Bearer(ex(a.token))
		c.header = func(context.Context) (http.Header, error) { return h, nil }
	case "header":
		h := http.Header{}
		h.Set(ex(a.name), ex(a.value))
		c.header = func(context.Context) (http.Header, error) { return h, nil }
	case "basic":
		h := providers.Basic(ex(a.user), ex(a.password))
		c.header = func(context.Context) (http.Header, error) { return h, nil }
	case "go":
		hf, err := a.flow(cfg, c.base)
		if err != nil {
			return nil, err
		}
		c.header = hf
	default:
		c.header = func(context.Context) (http.Header, error) { return nil, nil }
	}
	switch {
	case v.find != nil && v.update != nil:
		return finderUpdater{c}, nil
	case v.find != nil:
		return finder{c}, nil
	case v.update != nil:
		return updater{c}, nil
	}
	return c, nil
}

// credentials checks that cfg holds what the file needs: every declared
// credential, or one complete alternative of needs.
func (v *Vendor) credentials(cfg providers.Config) (map[string]string, error) {
	env := map[string]string{}
	for _, cr := range v.creds {
		if val := cfg.Credentials[cr.Env]; val != "" {
			env[cr.Env] = val
		}
	}
	if v.needs == nil {
		for _, cr := range v.creds {
			if env[cr.Env] == "" && !(cr.Env == v.BaseURLEnv() && cfg.BaseURL != "") {
				return nil, fmt.Errorf("%s: %s is not set (%s)", v.ID, cr.Env, cmpOr(cr.What, "a credential the vendor file declares"))
			}
		}
		return env, nil
	}
	var words []string
	for _, alt := range v.needs {
		complete := true
		for _, n := range alt {
			complete = complete && env[n] != ""
		}
		if complete {
			return env, nil
		}
		words = append(words, strings.Join(alt, " and "))
	}
	return nil, fmt.Errorf("%s: set %s", v.ID, strings.Join(words, ", or "))
}

// body builds the JSON body of fields from rec, with the constants.
func (c *client) body(rec schema.Record, only []string) map[string]any {
	v := c.v
	body := make(map[string]any, len(rec)+len(v.create.constants))
	for _, ct := range v.create.constants {
		ct.at.set(body, ct.v)
	}
	for i := range v.Schema.Fields {
		name := v.Schema.Fields[i].Name
		x, ok := rec[name]
		if !ok || (only != nil && !contains(only, name)) {
			continue
		}
		if enc := v.encoders[name]; enc != nil {
			x = enc(x)
		}
		if p, ok := v.paths[name]; ok && v.create.byPath {
			p.set(body, x)
		} else {
			body[name] = x
		}
	}
	return body
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *client) url(t template, vs vars) (string, error) {
	vs.env, vs.baseURL = c.env, c.base
	p, err := t.expand(vs)
	if err != nil {
		return "", err
	}
	return providers.JoinURL(c.base, p), nil
}

// Create sends the create request and reads its answer as the file says.
func (c *client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	v := c.v
	u, err := c.url(v.create.path, vars{row: rec})
	if err != nil {
		return providers.Created{}, fmt.Errorf("%s: create %w", v.ID, err)
	}
	h, err := c.header(ctx)
	if err != nil {
		return providers.Created{}, err
	}
	resp, err := providers.Do(ctx, c.hc, v.create.method, u, h, c.body(rec, nil))
	if err != nil {
		return providers.Created{}, err
	}
	doc, isJSON, object := decodeWhole(resp.Body)
	cr := &v.create
	if !cr.success.statusHolds(resp.Status) {
		return providers.Created{}, c.classify(resp, doc, isJSON)
	}
	// A success status is the vendor's "done": never answered with another
	// create. What the body says decides how the row ends.
	id := ""
	if x, ok := cr.createdID.get(doc); ok && isJSON {
		id = flat(x)
	}
	if cr.idRE != nil && !cr.idRE.MatchString(id) {
		id = ""
	}
	if len(cr.createdID) == 0 {
		// The answer is the bare ID: without one it says nothing.
		if id == "" || !json.Valid(resp.Body) {
			return providers.Created{}, providers.Unreadable(resp, cr.idText)
		}
		return providers.Created{ID: id}, nil
	}
	// Decoded as one object is what JSONObject says yes to; anything else
	// (leading white space JSON does not know, say) is asked of it.
	if !object && !providers.JSONObject(resp.Body) {
		// Empty, an HTML page, cut short, not an object: the pool looks
		// the person up rather than create them again.
		return providers.Created{}, providers.Unreadable(resp, "a readable answer")
	}
	switch refused, unsaid := cr.success.bodySays(doc); {
	case refused:
		// A readable refusal in a success status (success:false).
		return providers.Created{}, c.classify(resp, doc, isJSON)
	case unsaid != "":
		return providers.Created{}, providers.Unreadable(resp, unsaid+" in the answer")
	}
	// A readable yes without an ID is created, the ID unknown: the pool's
	// lookup finds it.
	out := providers.Created{ID: id}
	for name, p := range v.create.extraIDs {
		x, _ := p.get(doc)
		if s := flat(x); s != "" {
			if out.Extra == nil {
				out.Extra = map[string]string{}
			}
			out.Extra[name] = s
		}
	}
	return out, nil
}

// excerpt is a body that holds no message, for the results sheet.
func (c *client) excerpt(b []byte) string {
	n := c.v.errs.excerpt
	if n == 0 {
		return providers.BodyText(b)
	}
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[:n]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), ""))
}

// answerText is what an answer says: its message where the error table
// reads one (with body_excerpt), else an excerpt of the body.
func (c *client) answerText(b []byte, doc any, isJSON bool) string {
	t := &c.v.errs
	if t.excerpt > 0 && isJSON {
		for _, p := range t.message {
			x, _ := p.get(doc)
			if s, ok := x.(string); ok && s != "" && !containsFold(t.ignore, s) {
				return s
			}
		}
	}
	return c.excerpt(b)
}

// statusHolds reports whether status is one of the file's successes.
func (s compiledSuccess) statusHolds(status int) bool {
	for _, st := range s.status {
		if status >= st.lo && status <= st.hi {
			return true
		}
	}
	return false
}

// bodySays reads a create answer's body conditions. refused: one is
// answered otherwise (success:false, an error code): the vendor's
// refusal. unsaid: the pointer of one the answer does not answer (absent,
// null, another kind of value), so the answer cannot be read.
func (s compiledSuccess) bodySays(doc any) (refused bool, unsaid string) {
	for _, cond := range s.bodyEquals {
		got, ok := cond.at.get(doc)
		switch {
		case equalJSON(got, cond.v):
		case ok && got != nil && kindOf(got) == kindOf(cond.v):
			return true, ""
		case unsaid == "":
			unsaid = cond.at.String()
		}
	}
	return false, unsaid
}

// kindOf is a JSON value's kind as a body condition compares it: strings
// and numbers are both text (vendors send a code as 1023 or "1023").
func kindOf(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case string, json.Number, float64, int, int64:
		return "text"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "null"
}

// holds reports whether an answer is a success: its status is one of the
// file's and, for a JSON answer, every body condition holds.
func (s compiledSuccess) holds(status int, doc any, isJSON bool) bool {
	ok := s.statusHolds(status)
	if !ok || !isJSON {
		return ok
	}
	for _, cond := range s.bodyEquals {
		got, _ := cond.at.get(doc)
		if !equalJSON(got, cond.v) {
			return false
		}
	}
	return true
}

// classify maps an answer that is not a success through the error table:
// the first rule that matches names the code.
func (c *client) classify(resp *providers.Response, doc any, isJSON bool, first ...compiledRule) *providers.Error {
	t := &c.v.errs
	e := &providers.Error{Status: resp.Status}
	if isJSON && t.hasCode {
		x, _ := t.vendorCode.get(doc)
		e.VendorCode = flat(x)
	}
	answerField := ""
	if t.reader != nil {
		e.Message, answerField = t.reader(resp.Body, c.v.Schema)
	} else if isJSON {
		for _, p := range t.message {
			x, _ := p.get(doc)
			if s, ok := x.(string); ok && s != "" && !containsFold(t.ignore, s) {
				e.Message = s
				break
			}
		}
	}
	if e.Message == "" {
		e.Message = c.excerpt(resp.Body)
	}
	for _, r := range slices.Concat(first, t.rules) {
		if !r.matches(t, e) {
			continue
		}
		e.Code = r.as
		if e.Code == "" {
			e.Code = providers.ByStatus(resp.Status)
		}
		e.Field = r.field
		if r.inCodes {
			if ents := t.codes[e.VendorCode]; len(ents) == 1 {
				e.Field = ents[0].field
			}
		}
		if r.fromAnswer {
			e.Field = answerField
		}
		if e.Field == "" && r.fromMessage != nil {
			e.Field = c.fieldIn(r.fromMessage, e.Message, doc)
		}
		e.Sent = r.sent
		e.Message = r.prefix + e.Message
		break
	}
	if e.Code == providers.RateLimited && c.v.honourWait {
		e.RetryAfter = providers.RetryAfter(resp.Header, c.now())
	}
	if e.Message == "" {
		e.Message = t.noMessage
	}
	return e
}

func (r *compiledRule) matches(t *compiledErrors, e *providers.Error) bool {
	if r.def {
		return true
	}
	if len(r.status) > 0 {
		ok := false
		for _, st := range r.status {
			if e.Status >= st.lo && e.Status <= st.hi {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if len(r.codes) > 0 && !contains(r.codes, e.VendorCode) {
		return false
	}
	if r.inCodes {
		if _, ok := t.codes[e.VendorCode]; !ok {
			return false
		}
	}
	if r.message != nil && !r.message.MatchString(e.Message) {
		return false
	}
	return true
}

// fieldIn returns the schema field an answer names: each match of re's
// first group in the message, then each name at errors.field_keys, a
// dotted path ("user.email") by its last part, through field_aliases or
// ignoring case; "" when none is a field.
func (c *client) fieldIn(re *regexp.Regexp, msg string, doc any) string {
	var names []string
	if re != nil {
		for _, m := range re.FindAllStringSubmatch(msg, -1) {
			if len(m) > 1 {
				names = append(names, m[1])
			}
		}
	}
	if t := &c.v.errs; t.fieldKeys != nil {
		if keys, ok := t.fieldKeys.get(doc); ok {
			if list, ok := keys.([]any); ok {
				for _, k := range list {
					if s, ok := k.(string); ok {
						names = append(names, s)
					}
				}
			}
		}
	}
	for _, n := range names {
		if i := strings.LastIndexByte(n, '.'); i >= 0 {
			n = n[i+1:]
		}
		if to, ok := c.v.errs.aliases[n]; ok {
			return to
		}
		for i := range c.v.Schema.Fields {
			if strings.EqualFold(c.v.Schema.Fields[i].Name, n) {
				return c.v.Schema.Fields[i].Name
			}
		}
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// find looks the person up as the file's find: says, page by page,
// comparing the match itself (a vendor's search may match more).
func (c *client) find(ctx context.Context, rec schema.Record) (string, bool, error) {
	v, f := c.v, c.v.find
	if f.direct {
		h, err := c.header(ctx)
		if err != nil {
			return "", false, err
		}
		return c.findDirect(ctx, rec, h)
	}
	want, err := f.equals.expand(vars{row: rec})
	if err != nil || want == "" {
		return "", false, fmt.Errorf("%s: find %v", v.ID, cmpErr(err, "needs the key"))
	}
	pages, size, first := 1, 0, 0
	if f.paginate != nil {
		pages, size, first = f.paginate.MaxPages, f.paginate.Size, f.paginate.Start
	}
	h, err := c.header(ctx)
	if err != nil {
		return "", false, err
	}
	for page := range pages {
		vs := vars{row: rec, first: first + page*size}
		u, err := c.url(f.path, vs)
		if err != nil {
			return "", false, fmt.Errorf("%s: find %w", v.ID, err)
		}
		if len(f.keys) > 0 {
			q := url.Values{}
			vs.env = c.env
			for _, k := range f.keys {
				s, err := f.query[k].expand(vs)
				if err != nil {
					return "", false, fmt.Errorf("%s: find %w", v.ID, err)
				}
				q.Set(k, s)
			}
			u += "?" + q.Encode()
		}
		resp, err := providers.Do(ctx, c.hc, f.method, u, h, nil)
		if err != nil {
			return "", false, err
		}
		doc, isJSON := decodeAnswer(resp.Body)
		if !isJSON && f.success.holds(resp.Status, nil, false) {
			// The vendor answered yes with something that is no list: its
			// error, not the network's.
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
				Message: "unreadable user list: " + c.answerText(resp.Body, doc, false)}
		}
		if !isJSON || !f.success.holds(resp.Status, doc, true) {
			return "", false, c.classify(resp, doc, isJSON, f.rules...)
		}
		var x any
		for _, p := range f.items {
			if v, ok := p.get(doc); ok && v != nil {
				x = v
				break
			}
		}
		var items []any
		switch it := x.(type) {
		case nil:
		case []any:
			items = it
		case map[string]any:
			items = []any{it} // one object where the doc promised a list
		default:
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
				Message: "unreadable user list: " + c.answerText(resp.Body, doc, true)}
		}
		for _, it := range items {
			got, _ := f.matchAt.get(it)
			g := flat(got)
			if g == want || (f.fold && strings.EqualFold(g, want)) {
				idv, _ := f.id.get(it)
				if id := flat(idv); id != "" {
					return id, true, nil
				}
			}
		}
		if f.paginate == nil || len(items) < size {
			return "", false, nil
		}
		if f.total != nil {
			tv, _ := f.total.get(doc)
			var total int
			_, _ = fmt.Sscan(flat(tv), &total)
			if vs.first+size > total {
				return "", false, nil
			}
		}
	}
	return "", false, nil
}

// findDirect asks for the person's ID and reads the answer as the ID: a
// number or a string, or the answer_id of an object; null, empty, a
// not_found status or an ID found_pattern refuses mean nobody.
func (c *client) findDirect(ctx context.Context, rec schema.Record, h http.Header) (string, bool, error) {
	f := c.v.find
	vs := vars{row: rec, env: c.env}
	u, err := c.url(f.path, vs)
	if err != nil {
		return "", false, fmt.Errorf("%s: find %w", c.v.ID, err)
	}
	if len(f.keys) > 0 {
		q := url.Values{}
		for _, k := range f.keys {
			s, err := f.query[k].expand(vs)
			if err != nil {
				return "", false, fmt.Errorf("%s: find %w", c.v.ID, err)
			}
			q.Set(k, s)
		}
		u += "?" + q.Encode()
	}
	resp, err := providers.Do(ctx, c.hc, f.method, u, h, nil)
	if err != nil {
		return "", false, err
	}
	for _, st := range f.notFound {
		if resp.Status >= st.lo && resp.Status <= st.hi {
			return "", false, nil
		}
	}
	doc, isJSON := decodeAnswer(resp.Body)
	if !f.success.holds(resp.Status, doc, isJSON) {
		return "", false, c.classify(resp, doc, isJSON, f.rules...)
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return "", false, nil // an empty yes is "nobody"
	}
	unreadable := &providers.Error{Code: providers.VendorError, Status: resp.Status,
		Message: "unreadable " + f.what + " answer: " + providers.BodyText(resp.Body)}
	if !isJSON {
		return "", false, unreadable
	}
	if obj, ok := doc.(map[string]any); ok {
		doc, _ = f.answerID.get(obj)
	}
	var id string
	switch x := doc.(type) {
	case nil:
		return "", false, nil
	case json.Number:
		id = x.String()
	case string:
		id = x
	default:
		return "", false, unreadable
	}
	if f.idRE != nil && !f.idRE.MatchString(id) {
		return "", false, unreadable
	}
	if id == "" || (f.foundRE != nil && !f.foundRE.MatchString(id)) {
		return "", false, nil
	}
	return id, true, nil
}

func cmpErr(err error, def string) string {
	if err != nil {
		return err.Error()
	}
	return def
}

func (c *client) updatable(field string) bool { return contains(c.v.update.fields, field) }

// doUpdate sends the changed fields to the person with vendor ID id.
func (c *client) doUpdate(ctx context.Context, id string, changed []string, rec schema.Record) error {
	u := c.v.update
	if u.idRE != nil && !u.idRE.MatchString(id) {
		return &providers.Error{Code: providers.VendorRejected, Message: fmt.Sprintf("update: %q is not %s", id, u.idText)}
	}
	p, err := c.url(u.path, vars{id: url.PathEscape(id)})
	if err != nil {
		return err
	}
	h, err := c.header(ctx)
	if err != nil {
		return err
	}
	only := []string{}
	for _, f := range changed {
		if c.updatable(f) {
			only = append(only, f)
		}
	}
	if len(u.keys) > 0 {
		q := url.Values{}
		for _, k := range u.keys {
			val, _ := u.query[k].expand(vars{env: c.env, id: id})
			q.Set(k, val)
		}
		p += "?" + q.Encode()
	}
	resp, err := providers.Do(ctx, c.hc, u.method, p, h, c.body(rec, only))
	if err != nil {
		return err
	}
	doc, isJSON := decodeAnswer(resp.Body)
	if !u.success.holds(resp.Status, doc, isJSON) {
		return c.classify(resp, doc, isJSON, u.rules...)
	}
	return nil
}
