package vendorfile

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// Simulator returns a simulator derived from the file, for rehearsing a
// vendor before anyone has credentials: it checks the declared auth,
// validates a create against the fields (required, enums, patterns, the
// rules), refuses a second person with the same unique key, answers every
// failure in the shape the error table reads back to the same code,
// serves the lookup and the update, and answers 429 above the file's rate.
func (v *Vendor) Simulator(opt sim.Options) *sim.Server {
	creds := map[string]string{}
	for _, c := range v.creds {
		made := "sim-" + strings.ToLower(strings.TrimPrefix(c.Env, "ONBOARD_")) + "-" + sim.RandomHex(8)
		if re := v.credRE[c.Env]; re != nil {
			made = simValue(re, int(sim.RandomHex(2)[0]), made)
		}
		creds[c.Env] = made
	}
	s := &derived{v: v, store: sim.NewStore(), creds: creds}
	s.cl = &client{v: v, env: creds, now: time.Now}
	if v.RequestsPerSecond > 0 {
		s.lim = rate.NewLimiter(rate.Limit(v.RequestsPerSecond), max(1, v.Burst))
	}
	mux := http.NewServeMux()
	// A credential that is a whole path segment (an install SID) becomes a
	// wildcard the guard compares, so a wrong one is refused as the
	// vendor would refuse it, not as an unknown path.
	ex := func(t template) string {
		var b strings.Builder
		for i, pt := range t {
			whole := i > 0 && strings.HasSuffix(t[i-1].lit, "/") && (i+1 == len(t) || strings.HasPrefix(t[i+1].lit, "/"))
			switch {
			case pt.kind == "env" && whole:
				fmt.Fprintf(&b, "{env_%s}", pt.name)
			case pt.kind == "env":
				b.WriteString(creds[pt.name])
			case pt.kind == "id":
				b.WriteString("{id}")
			default:
				b.WriteString(pt.lit)
			}
		}
		return "/" + strings.TrimLeft(b.String(), "/")
	}
	mux.HandleFunc(v.create.method+" "+ex(v.create.path), s.guard(s.create))
	if f := v.find; f != nil && len(f.path.refs("row")) == 0 && len(f.path.refs("page.first")) == 0 {
		mux.HandleFunc(f.method+" "+ex(f.path), s.guard(s.find))
	}
	if u := v.update; u != nil {
		mux.HandleFunc(u.method+" "+ex(u.path), s.guard(s.update))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, providers.VendorRejected, "", "", "not found: "+r.Method+" "+r.URL.Path)
	})
	return sim.NewServer(opt, mux, s.store, creds)
}

type derived struct {
	v     *Vendor
	store *sim.Store
	creds map[string]string
	cl    *client
	lim   *rate.Limiter
}

func (s *derived) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authed(r) {
			s.fail(w, providers.AuthFailed, "", "", "invalid credentials")
			return
		}
		if s.lim != nil && !s.lim.Allow() {
			w.Header().Set("Retry-After", "1")
			s.fail(w, providers.RateLimited, "", "", "too many requests")
			return
		}
		next(w, r)
	}
}

func (s *derived) authed(r *http.Request) bool {
	for env, val := range s.creds {
		if got := r.PathValue("env_" + env); got != "" && !sim.SameSecret(got, val) {
			return false
		}
	}
	a := s.v.auth
	ex := func(t template) string { v, _ := t.expand(vars{env: s.creds}); return v }
	switch a.kind {
	case "bearer":
		return sim.HasBearer(r, ex(a.token))
	case "header":
		return sim.SameSecret(r.Header.Get(ex(a.name)), ex(a.value))
	case "basic":
		u, p, ok := r.BasicAuth()
		return ok && sim.SameSecret(u, ex(a.user)) && sim.SameSecret(p, ex(a.password))
	}
	return true // none, or a Go flow the derived simulator cannot play
}

// fields reads the schema's fields out of a request body, by name or by
// path as the file sends them.
func (s *derived) fields(body map[string]any) (map[string]any, string) {
	v := s.v
	out := map[string]any{}
	known := map[string]bool{}
	for _, ct := range v.create.constants {
		if len(ct.at) > 0 {
			known[ct.at[0]] = true
		}
	}
	for i := range v.Schema.Fields {
		name := v.Schema.Fields[i].Name
		p, ok := v.paths[name]
		if ok && v.create.byPath {
			known[p[0]] = true
			var doc any = body
			if x, ok := p.get(doc); ok {
				out[name] = x
			}
			continue
		}
		known[name] = true
		if x, ok := body[name]; ok {
			out[name] = x
		}
	}
	for k := range body {
		if !known[k] {
			return nil, k
		}
	}
	return out, ""
}

// readFields reads a request's JSON body into the schema's fields; it
// answers the failure itself and returns false when the body is no JSON
// object or has a key the file does not send (a misspelt key is refused
// rather than dropped).
func (s *derived) readFields(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, err := sim.ReadJSON(r)
	if err != nil {
		s.fail(w, providers.VendorRejected, "", "", "invalid request body: a JSON object is expected")
		return nil, false
	}
	vals, unknown := s.fields(body)
	if unknown != "" {
		s.fail(w, providers.VendorRejected, "", "", "Invalid parameter "+unknown)
		return nil, false
	}
	return vals, true
}

func (s *derived) create(w http.ResponseWriter, r *http.Request) {
	vals, ok := s.readFields(w, r)
	if !ok {
		return
	}
	rec, errs := schema.FromJSON(s.v.Schema, vals)
	for _, rule := range s.v.Schema.Rules {
		if len(errs) == 0 {
			errs = append(errs, rule.Check(rec)...)
		}
	}
	if len(errs) > 0 {
		fe := errs[0]
		missing := fe.Code == schema.MissingRequired
		word := "Invalid "
		if missing {
			word = "Missing "
		}
		s.fail(w, providers.VendorRejected, s.codeFor(fe.Field, missing), fe.Field, word+fe.Field)
		return
	}
	key := s.v.Schema.KeyOf(rec)
	u, existed := s.store.Create(s.newID, map[string]any(rec), key)
	if existed {
		s.fail(w, providers.AlreadyExists, "", firstKey(s.v.Schema), "already exists")
		return
	}
	cr := s.v.create
	ans := map[string]any{}
	for _, c := range cr.success.bodyEquals {
		c.at.set(ans, c.v)
	}
	var out any = ans
	if len(cr.createdID) == 0 {
		out = u.ID
	} else {
		cr.createdID.set(ans, u.ID)
	}
	for name, p := range cr.extraIDs {
		if len(p) > 0 {
			p.set(ans, name+"-"+u.ID)
		}
	}
	sim.WriteJSON(w, successStatus(cr.success, r.Method), out)
}

// newID makes the seq-th user's ID in the form the file expects of IDs.
func (s *derived) newID(seq int) string {
	id := strconv.Itoa(1000 + seq)
	switch {
	case s.v.update != nil && s.v.update.idRE != nil:
		return simValue(s.v.update.idRE, seq, id)
	case s.v.create.idRE != nil:
		return simValue(s.v.create.idRE, seq, id)
	}
	return id
}

func firstKey(s *schema.Schema) string {
	if len(s.Key) > 0 {
		return s.Key[0]
	}
	return ""
}

func successStatus(s compiledSuccess, method string) int {
	st := s.status[0]
	if st.lo == st.hi {
		return st.lo
	}
	if st.lo == 200 && method == http.MethodPost {
		return http.StatusOK
	}
	return st.lo
}

// codeFor is the error table's code for a missing or invalid field: the
// "missing" code of a field that has only an "invalid" one serves for both.
func (s *derived) codeFor(field string, missing bool) string {
	best := ""
	for _, code := range sortedKeys(s.v.errs.codes) {
		for _, e := range s.v.errs.codes[code] {
			if e.field != field {
				continue
			}
			if e.missing == missing {
				return code
			}
			if best == "" {
				best = code
			}
		}
	}
	return best
}

// fail answers a failure so that the file's own error table reads it back
// as code (and, when the table can say it, vendorCode and field): the
// status and body are tried in turn until the client's classify agrees.
func (s *derived) fail(w http.ResponseWriter, code providers.Code, vendorCode, field, msg string) {
	t := &s.v.errs
	if vendorCode == "" {
		for _, r := range t.rules {
			if r.as == code && len(r.codes) > 0 {
				vendorCode = r.codes[0]
				break
			}
		}
	}
	var candidates []int
	for _, r := range t.rules {
		if r.as == code {
			for _, st := range r.status {
				candidates = append(candidates, st.lo)
			}
		}
	}
	candidates = append(candidates, http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusConflict, http.StatusPaymentRequired, http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusInternalServerError)
	body := s.failBody(vendorCode, msg)
	raw, _ := json.Marshal(body)
	status := candidates[0]
	for _, st := range candidates {
		if s.v.create.success.holds(st, body, true) {
			continue
		}
		e := s.cl.classify(&providers.Response{Status: st, Header: http.Header{}, Body: raw}, body, true)
		if e.Code == code && (field == "" || e.Field == "" || e.Field == field) {
			status = st
			break
		}
	}
	sim.WriteJSON(w, status, body)
}

// failBody is a failure in the file's shape: the vendor code and message
// where the table reads them, and the success conditions turned false.
func (s *derived) failBody(vendorCode, msg string) map[string]any {
	t := &s.v.errs
	body := map[string]any{}
	for _, c := range s.v.create.success.bodyEquals {
		switch x := c.v.(type) {
		case bool:
			c.at.set(body, !x)
		default:
			c.at.set(body, c.v)
		}
	}
	if t.hasCode && len(t.vendorCode) > 0 {
		t.vendorCode.set(body, vendorCode)
	}
	placed := false
	for _, p := range t.message {
		if len(p) > 0 {
			p.set(body, msg)
			placed = true
			break
		}
	}
	if !placed {
		body["message"] = msg
	}
	return body
}

func (s *derived) find(w http.ResponseWriter, r *http.Request) {
	f := s.v.find
	q := r.URL.Query()
	if f.direct {
		// The answer is the ID: {answer_id: ID}, or null for nobody.
		var key string
		for k, t := range f.query {
			if len(t.refs("row")) > 0 {
				key = q.Get(k)
			}
		}
		var id any
		for _, u := range s.store.Users() {
			for _, kf := range s.v.Schema.Key {
				if v, ok := u.Fields[kf].(string); ok && strings.EqualFold(v, key) {
					id = u.ID
				}
			}
		}
		ans := map[string]any{}
		if len(f.answerID) > 0 {
			f.answerID.set(ans, id)
			sim.WriteJSON(w, f.success.status[0].lo, ans)
			return
		}
		sim.WriteJSON(w, f.success.status[0].lo, id)
		return
	}
	search, first := "", 0
	for k, t := range f.query {
		switch {
		case len(t.refs("row")) > 0:
			search = strings.ToLower(strings.TrimSpace(q.Get(k)))
		case len(t.refs("page.first")) > 0:
			first, _ = strconv.Atoi(q.Get(k))
		}
	}
	matchField := ""
	if refs := f.equals.refs("row"); len(refs) > 0 {
		matchField = refs[0]
	}
	var items []any
	for _, u := range s.store.Users() {
		val := text(u.Fields[matchField])
		if search != "" && !strings.Contains(strings.ToLower(val), search) {
			continue
		}
		it := map[string]any{}
		f.matchAt.set(it, val)
		f.id.set(it, u.ID)
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b any) int {
		x, _ := f.id.get(a)
		y, _ := f.id.get(b)
		return strings.Compare(flat(x), flat(y))
	})
	total := len(items)
	if pg := f.paginate; pg != nil {
		off := max(0, first-pg.Start)
		items = items[min(off, len(items)):min(off+pg.Size, len(items))]
	}
	if items == nil {
		items = []any{}
	}
	ans := map[string]any{}
	for _, c := range f.success.bodyEquals {
		c.at.set(ans, c.v)
	}
	if f.total != nil {
		f.total.set(ans, total)
	}
	var out any = ans
	if len(f.items[0]) == 0 {
		out = items
	} else {
		f.items[0].set(ans, items)
	}
	st := f.success.status[0].lo
	sim.WriteJSON(w, st, out)
}

func (s *derived) update(w http.ResponseWriter, r *http.Request) {
	vals, ok := s.readFields(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for k, t := range s.v.update.query {
		if id == "" && len(t.refs("id")) > 0 {
			id = r.URL.Query().Get(k)
		}
	}
	rekey := ""
	if k := firstKey(s.v.Schema); k != "" {
		if x, ok := vals[k].(string); ok {
			rekey = strings.ToLower(x)
		}
	}
	found, clash := s.store.Update(id, vals, rekey)
	switch {
	case !found:
		s.fail(w, providers.VendorRejected, "", "", "no such user")
	case clash:
		s.fail(w, providers.AlreadyExists, "", firstKey(s.v.Schema), "already exists")
	default:
		w.WriteHeader(successStatus(s.v.update.success, r.Method))
		_, _ = io.WriteString(w, "{}")
	}
}
