package vendorfile

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Vendor is a compiled vendor file.
type Vendor struct {
	ID, Title, Doc string
	// BaseURL is the file's base_url, unexpanded when it names a credential.
	BaseURL string
	Schema  *schema.Schema
	// Limits are the vendor's documented rate (0 when the file gives none).
	RequestsPerSecond float64
	Burst             int

	creds      []credential
	needs      [][]string                // alternatives of names; nil: every credential
	credRE     map[string]*regexp.Regexp // env → the pattern its value must match
	baseURL    template
	auth       compiledAuth
	tenant     template
	paths      map[string]pointer       // field → where it goes in the body
	encoders   map[string]func(any) any // field → wire encoder
	create     compiledCreate
	errs       compiledErrors
	find       *compiledFind
	update     *compiledUpdate
	honourWait bool
	protocol   *Protocol
}

// BaseURLEnv is the credential the base URL is when the file's base_url
// is nothing but ${env.NAME} (a service with no one host, such as a SCIM
// root): "" otherwise.
func (v *Vendor) BaseURLEnv() string {
	if len(v.baseURL) == 1 && v.baseURL[0].kind == "env" {
		return v.baseURL[0].name
	}
	return ""
}

// BearerEnv is the credential sent as the bearer token when the file's
// auth is {type: bearer, token: "${env.NAME}"}: "" otherwise.
func (v *Vendor) BearerEnv() string {
	if t := v.auth.token; v.auth.kind == "bearer" && len(t) == 1 && t[0].kind == "env" {
		return t[0].name
	}
	return ""
}

// Credential is what the file says of a declared credential ("" when it
// declares none by that name).
func (v *Vendor) Credential(env string) string {
	for _, cr := range v.creds {
		if cr.Env == env {
			return cmpOr(cr.What, "a credential the vendor file declares")
		}
	}
	return ""
}

type compiledAuth struct {
	kind               string
	token, name, value template
	user, password     template
	flow               AuthFlow
}

type compiledCreate struct {
	method    string
	path      template
	byPath    bool
	constants []constant
	success   compiledSuccess
	createdID pointer
	idRE      *regexp.Regexp
	idText    string // the pointer in words, for messages
	extraIDs  map[string]pointer
}

type constant struct {
	at pointer
	v  any
}

type compiledSuccess struct {
	status     []statusSet
	bodyEquals []constant
}

// statusSet is 201 or 2xx.
type statusSet struct{ lo, hi int }

type compiledErrors struct {
	vendorCode pointer
	hasCode    bool
	message    []pointer // nil entry: skip (the body is the last resort anyway)
	ignore     []string
	fieldKeys  pointer
	reader     ErrorReader
	noMessage  string
	excerpt    int
	rules      []compiledRule
	codes      map[string][]codeEntry
	aliases    map[string]string
}

type codeEntry struct {
	field   string
	missing bool
}

type compiledRule struct {
	status      []statusSet
	codes       []string
	inCodes     bool
	message     *regexp.Regexp
	def         bool
	as          providers.Code
	field       string
	fromMessage *regexp.Regexp
	sent        bool
	prefix      string
	fromAnswer  bool
}

type compiledFind struct {
	method   string
	path     template
	query    map[string]template
	keys     []string // sorted query keys
	paginate *paginate
	total    pointer
	success  compiledSuccess
	rules    []compiledRule
	items    []pointer
	matchAt  pointer
	equals   template
	fold     bool
	id       pointer
	// direct: the answer is the ID (answerID in an object).
	direct   bool
	answerID pointer
	idRE     *regexp.Regexp
	foundRE  *regexp.Regexp
	notFound []statusSet
	what     string // "getUserId", for "unreadable getUserId answer"
}

type compiledUpdate struct {
	rules   []compiledRule
	idRE    *regexp.Regexp
	idText  string
	method  string
	path    template
	query   map[string]template
	keys    []string
	fields  []string
	success compiledSuccess
}

// codes is every normalized code a file may name.
var codes = []providers.Code{providers.AlreadyExists, providers.LicenseExhausted, providers.AuthFailed,
	providers.RateLimited, providers.VendorRejected, providers.VendorError}

// Parse compiles a vendor file. name is how messages name the file. The
// error is a *Problems listing every mistake found, each with its line and
// column.
func Parse(name string, data []byte) (*Vendor, error) {
	p := &Problems{File: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line := 1
		msg := yamlErr(err)
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimPrefix(msg, m[0])
		}
		p.add(Pos{line, 1}, "not YAML: %s", msg)
		return nil, p
	}
	if len(root.Content) == 0 {
		p.add(Pos{1, 1}, "the file is empty (want onboard: %s and a vendor)", Version)
		return nil, p
	}
	if doc := root.Content[0]; doc.Kind != yaml.MappingNode {
		p.add(at(doc), "not a vendor file: want key: value lines starting with onboard: %s, got %s", Version, kindWord(doc))
		return nil, p
	}
	var f file
	decode(&root, reflect.ValueOf(&f).Elem(), "", p)
	c := &compiler{p: p, f: &f}
	v := c.compile()
	if len(p.List) > 0 {
		slices.SortStableFunc(p.List, func(a, b Problem) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
		return nil, p
	}
	return v, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
var envRE = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

type compiler struct {
	p      *Problems
	f      *file
	v      *Vendor
	env    []string // declared credentials
	fields []string
}

func (c *compiler) bad(pos Pos, format string, args ...any) { c.p.add(pos, format, args...) }

// missing reports a missing key, unless an unknown key was already taken
// for it (kee: for key:).
func (c *compiler) missing(pos Pos, key, format string, args ...any) {
	if !c.p.suggested[key] {
		c.p.add(pos, format, args...)
	}
}

func knownWord(names []string) string {
	if len(names) == 0 {
		return " (none are compiled into this onboard)"
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

func (c *compiler) compile() *Vendor {
	f := c.f
	v := &Vendor{ID: f.ID, Title: f.Title, Doc: f.Doc, paths: map[string]pointer{}, encoders: map[string]func(any) any{}, honourWait: true}
	c.v = v
	if f.Onboard != Version {
		hint := ""
		if f.Onboard == "" {
			hint = " (start the file with onboard: " + Version + ")"
		}
		c.bad(f.pos("onboard"), "onboard: want %s, got %q%s", Version, f.Onboard, hint)
	}
	if !idRE.MatchString(f.ID) {
		c.bad(f.pos("id"), "id %q: want lower-case letters, digits, - and _ (at most 40), e.g. acme-lms", f.ID)
	}
	if v.Title == "" {
		v.Title = f.ID
	}
	if f.Protocol != "" {
		pr, ok, names := lookupExt(protos, f.Protocol)
		if !ok {
			c.bad(f.pos("protocol"), "protocol %q is no protocol this onboard knows%s%s", f.Protocol, didYouMean(f.Protocol, names), knownWord(names))
		} else {
			v.protocol = &pr
			if pr.Simulator == nil && f.Create == nil {
				c.missing(f.At, "create", "create is missing: protocol %s brings no simulator, so the one derived from create: is needed", f.Protocol)
			}
		}
	}
	if f.Doc == "" {
		c.missing(f.At, "doc", "doc is missing: the vendor documentation the file follows (a file name or an address)")
	}
	for i, cr := range f.Credentials {
		switch {
		case !envRE.MatchString(cr.Env):
			c.bad(cr.pos("env"), "credentials[%d].env %q: want an environment name such as ONBOARD_TOKEN", i, cr.Env)
		case slices.Contains(c.env, cr.Env):
			c.bad(cr.pos("env"), "credential %s is declared twice", cr.Env)
		default:
			c.env = append(c.env, cr.Env)
			v.creds = append(v.creds, cr)
		}
		if cr.Pattern != "" {
			if re := c.anchored(cr.Keyed, "pattern", cr.Pattern, "credential "+cr.Env); re != nil {
				if v.credRE == nil {
					v.credRE = map[string]*regexp.Regexp{}
				}
				v.credRE[cr.Env] = re
			}
			if cr.PatternText == "" {
				c.bad(cr.pos("pattern"), "credential %s: pattern needs pattern_text, what the value must be in words", cr.Env)
			}
		}
	}
	for _, fd := range f.Fields {
		c.fields = append(c.fields, fd.Name)
	}
	if f.Needs != "" {
		for alt := range strings.SplitSeq(f.Needs, "|") {
			var names []string
			for n := range strings.SplitSeq(alt, "+") {
				n = strings.TrimSpace(n)
				if !slices.Contains(c.env, n) {
					c.bad(f.pos("needs"), "needs: %s is not declared under credentials:%s", n, didYouMean(n, c.env))
				}
				names = append(names, n)
			}
			v.needs = append(v.needs, names)
		}
	}
	v.baseURL = c.template(f.Keyed, "base_url", f.BaseURL, "env", "base_url:")
	if f.BaseURL == "" {
		c.missing(f.At, "base_url", "base_url is missing: the vendor's API host, e.g. https://api.example.com/v1")
	} else if len(v.baseURL.refs("env")) == 0 {
		if err := providers.CheckBaseURL(f.BaseURL, false); err != nil {
			c.bad(f.pos("base_url"), "base_url: %v", strings.TrimPrefix(err.Error(), "--base-url "))
		}
		v.BaseURL = f.BaseURL
	} else {
		v.BaseURL = f.BaseURL
	}
	if f.Protocol == "" || f.Auth != nil {
		c.compileAuth()
	}
	if f.Tenant != "" {
		v.tenant = c.template(f.Keyed, "tenant", f.Tenant, "env", "base_url", "tenant:")
	}
	if l := f.Limits; l != nil {
		if _, ok := l.Keys["requests_per_second"]; ok && l.RequestsPerSecond <= 0 {
			c.bad(l.pos("requests_per_second"), "limits.requests_per_second: want more than 0 (leave limits out when the vendor documents none)")
		}
		if _, ok := l.Keys["burst"]; ok && l.Burst < 1 {
			c.bad(l.pos("burst"), "limits.burst: want 1 or more")
		}
		switch l.RetryAfter {
		case "", "honour":
		case "ignore":
			v.honourWait = false
		default:
			c.bad(l.pos("retry_after"), "limits.retry_after %q: want honour or ignore%s", l.RetryAfter, didYouMean(l.RetryAfter, []string{"honour", "ignore"}))
		}
		v.RequestsPerSecond, v.Burst = l.RequestsPerSecond, l.Burst
	}
	v.Schema = c.compileSchema()
	if f.Protocol == "" || f.Create != nil {
		c.compileCreate()
	}
	c.compileErrors()
	c.compileFind()
	c.compileUpdate()
	if pr := v.protocol; pr != nil {
		c.checkProtocol(pr)
	}
	return v
}

// checkProtocol reports what the named protocol cannot do with the file:
// a field its wire cannot send, and its own checks.
func (c *compiler) checkProtocol(pr *Protocol) {
	f := c.f
	if pr.Fields != nil {
		for _, fd := range f.Fields {
			if fd.Name != "" && !slices.Contains(pr.Fields, fd.Name) {
				c.bad(fd.pos("name"), "field %s: protocol %s cannot send it%s (its fields: %s)", fd.Name, f.Protocol,
					didYouMean(fd.Name, pr.Fields), strings.Join(pr.Fields, ", "))
			}
		}
	}
	if pr.Check != nil && len(c.p.List) == 0 {
		for _, msg := range pr.Check(c.v) {
			c.bad(f.pos("protocol"), "protocol %s: %s", f.Protocol, msg)
		}
	}
}

// anchored compiles a whole-value RE2 pattern, or says why not.
func (c *compiler) anchored(k Keyed, key, pat, where string) *regexp.Regexp {
	re, err := regexp.Compile(pat)
	switch {
	case err != nil:
		c.bad(k.pos(key), "%s: pattern does not compile in Go (RE2: no look-ahead, look-behind or back-references; name a Go check: instead): %s",
			where, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	case !strings.HasPrefix(pat, "^") || !strings.HasSuffix(pat, "$"):
		c.bad(k.pos(key), "%s: pattern must match the whole value: start it with ^ and end it with $", where)
	default:
		return re
	}
	return nil
}

func didYouMean(word string, known []string) string {
	if c := schema.Closest(word, known); c != "" && !strings.EqualFold(c, word) {
		return " (did you mean " + c + "?)"
	}
	return ""
}

// template parses s, found at k's key, allowing references of the kinds
// given ("env", "row", "base_url", "page.first", "id").
func (c *compiler) template(k Keyed, key, s string, allow ...string) template {
	where := allow[len(allow)-1]
	allow = allow[:len(allow)-1]
	t, err := parseTemplate(s)
	if err != nil {
		c.bad(k.pos(key), "%s %v", where, err)
		return nil
	}
	for _, pt := range t {
		if pt.kind == "" {
			continue
		}
		if !slices.Contains(allow, pt.kind) {
			c.bad(k.pos(key), "%s ${%s} cannot be used here (allowed: %s)", where, refWord(pt), strings.Join(allow, ", "))
			continue
		}
		switch pt.kind {
		case "env":
			if !slices.Contains(c.env, pt.name) {
				c.bad(k.pos(key), "%s ${env.%s} is not declared under credentials:%s (a file reads only the environment names it declares)",
					where, pt.name, didYouMean(pt.name, c.env))
			}
		case "row":
			if !slices.Contains(c.fields, pt.name) {
				c.bad(k.pos(key), "%s ${row.%s}: no such field%s", where, pt.name, didYouMean(pt.name, c.fields))
			}
		}
	}
	return t
}

func refWord(p part) string {
	if p.name != "" {
		return p.kind + "." + p.name
	}
	return p.kind
}

func (c *compiler) pointer(k Keyed, key, s, where string) pointer {
	ptr, err := parsePointer(s)
	if err != nil {
		c.bad(k.pos(key), "%s: %v", where, err)
	}
	return ptr
}

func (c *compiler) field(k Keyed, key, name, where string) {
	if !slices.Contains(c.fields, name) {
		c.bad(k.pos(key), "%s names field %q, which the file does not define%s", where, name, didYouMean(name, c.fields))
	}
}

func (c *compiler) compileAuth() {
	a, v := c.f.Auth, c.v
	if a == nil {
		c.missing(c.f.At, "auth", "auth is missing: write auth: {type: bearer, token: \"${env.ONBOARD_TOKEN}\"} (or header, basic, none)")
		return
	}
	v.auth.kind = a.Type
	need := func(key, val string) template {
		if val == "" {
			c.bad(a.At, "auth type %s needs %s", a.Type, key)
			return nil
		}
		return c.template(a.Keyed, key, val, "env", "auth."+key+":")
	}
	switch a.Type {
	case "bearer":
		v.auth.token = need("token", a.Token)
	case "header":
		v.auth.name = need("name", a.Name)
		v.auth.value = need("value", a.Value)
	case "basic":
		v.auth.user = need("user", a.User)
		v.auth.password = need("password", a.Password)
	case "none":
	case "go":
		fl, ok, names := lookupExt(flows, a.Flow)
		if !ok {
			c.bad(a.pos("flow"), "auth.flow %q is no Go auth flow this onboard knows%s%s", a.Flow, didYouMean(a.Flow, names), knownWord(names))
		}
		v.auth.flow = fl
	default:
		c.bad(a.pos("type"), "auth.type %q: want bearer, header, basic, none or go%s", a.Type, didYouMean(a.Type, []string{"bearer", "header", "basic", "none", "go"}))
	}
}

var types = []string{"string", "integer", "number", "boolean", "date", "list", "object"}

func (c *compiler) compileSchema() *schema.Schema {
	f, v := c.f, c.v
	s := &schema.Schema{Provider: f.ID, Key: f.Key, Extra: f.Extra}
	if len(f.Fields) == 0 {
		c.bad(f.pos("fields"), "fields: the file defines no field")
	}
	seen := map[string]bool{}
	for i, fd := range f.Fields {
		where := fmt.Sprintf("fields[%d]", i)
		if fd.Name == "" {
			c.bad(fd.At, "%s has no name", where)
			continue
		}
		where = "field " + fd.Name
		if seen[fd.Name] {
			c.bad(fd.pos("name"), "field %s is defined twice", fd.Name)
			continue
		}
		seen[fd.Name] = true
		sf := schema.Field{Name: fd.Name, Type: schema.Type(fd.Type), Required: fd.Required, Description: fd.Description,
			Enum: fd.Enum, Synonyms: fd.Synonyms, Aliases: fd.Aliases, PatternText: fd.PatternText, MinLen: fd.MinLength,
			MaxLen: fd.MaxLength, Separator: fd.Separator, Past: fd.Past, Secret: fd.Secret, Example: fd.Example}
		if !slices.Contains(types, fd.Type) {
			c.bad(fd.pos("type"), "%s: type %q: want one of %s%s", where, fd.Type, strings.Join(types, ", "), didYouMean(fd.Type, types))
		}
		for k, to := range fd.Synonyms {
			if k != strings.ToLower(k) {
				c.bad(fd.pos("synonyms"), "%s: synonym %q: write it in lower case (matching ignores case)", where, k)
			}
			if len(fd.Enum) > 0 && !slices.Contains(fd.Enum, to) {
				c.bad(fd.pos("synonyms"), "%s: synonym %q → %q: not one of enum%s", where, k, to, didYouMean(to, fd.Enum))
			}
		}
		if fd.Pattern != "" {
			if re := c.anchored(fd.Keyed, "pattern", fd.Pattern, where); re != nil {
				sf.Pattern = re
			}
			if fd.PatternText == "" {
				c.bad(fd.pos("pattern"), "%s: pattern needs pattern_text, the rule in words for people (e.g. \"6 to 15 digits\")", where)
			}
		}
		switch fd.Format {
		case "":
		case "email":
			sf.Check = schema.CheckEmail
		default:
			c.bad(fd.pos("format"), "%s: format %q: want email%s", where, fd.Format, didYouMean(fd.Format, []string{"email"}))
		}
		if fd.Check != "" {
			chk, ok, names := lookupExt(checks, fd.Check)
			if !ok {
				c.bad(fd.pos("check"), "%s: check %q is no Go check this onboard knows%s%s", where, fd.Check, didYouMean(fd.Check, names), knownWord(names))
			} else if sf.Check != nil {
				c.bad(fd.pos("check"), "%s: give format or check, not both", where)
			} else {
				sf.Check = chk
			}
		}
		if fd.Warn != "" {
			w, ok, names := lookupExt(warns, fd.Warn)
			if !ok {
				c.bad(fd.pos("warn"), "%s: warn %q is no Go warning this onboard knows%s%s", where, fd.Warn, didYouMean(fd.Warn, names), knownWord(names))
			}
			sf.Warn = w
		}
		if fd.Encode != "" {
			enc, ok, names := lookupExt(encs, fd.Encode)
			if !ok {
				c.bad(fd.pos("encode"), "%s: encode %q is no Go encoder this onboard knows%s%s", where, fd.Encode, didYouMean(fd.Encode, names), knownWord(names))
			}
			v.encoders[fd.Name] = enc
		}
		if fd.Minimum != nil || fd.Maximum != nil {
			if fd.Type != "number" {
				c.bad(fd.pos(cmpOr(firstKeyOf(fd.Keyed, "minimum", "maximum"), "minimum")), "%s: minimum and maximum are for type number", where)
			}
			sf.CheckNumber = numberRange(fd.Minimum, fd.Maximum)
		}
		if fd.MinLength < 0 || fd.MaxLength < 0 || (fd.MaxLength > 0 && fd.MinLength > fd.MaxLength) {
			c.bad(fd.At, "%s: min_length/max_length: want 0 ≤ min ≤ max", where)
		}
		if fd.Path != "" {
			if ptr := c.pointer(fd.Keyed, "path", fd.Path, where+": path"); ptr != nil {
				v.paths[fd.Name] = ptr
			}
		}
		s.Fields = append(s.Fields, sf)
	}
	if len(f.Key) == 0 {
		c.missing(f.At, "key", "key is missing: the field(s) that identify a person at the vendor, e.g. key: [email]")
	}
	for _, k := range f.Key {
		c.field(f.Keyed, "key", k, "key")
	}
	if f.Extra != "" {
		c.field(f.Keyed, "extra", f.Extra, "extra")
		if sf := s.Field(f.Extra); sf != nil && sf.Type != schema.Object {
			c.bad(f.pos("extra"), "extra names field %s, which must be of type object", f.Extra)
		}
	}
	for i, r := range f.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		n := 0
		if r.RequiredIf != nil {
			n++
			ri := r.RequiredIf
			c.field(ri.Keyed, "field", ri.Field, where+".required_if")
			if ri.When == nil {
				c.bad(ri.At, "%s.required_if needs when: {field: F, equals: V}", where)
			} else {
				c.field(ri.When.Keyed, "field", ri.When.Field, where+".required_if.when")
				eq := ri.When.Equals
				sf := s.Field(ri.When.Field)
				if sf != nil && sf.Type == schema.Integer {
					if x, ok := eq.(int); ok {
						eq = int64(x)
					}
				}
				why := ri.Why
				if why == "" {
					why = fmt.Sprintf("when %s is %v", ri.When.Field, ri.When.Equals)
				}
				s.Rules = append(s.Rules, schema.RequiredIf(ri.Field, why, schema.Equals(ri.When.Field, eq)))
			}
		}
		if r.AllOrNone != nil {
			n++
			for _, fn := range r.AllOrNone {
				c.field(r.Keyed, "all_or_none", fn, where+".all_or_none")
			}
			s.Rules = append(s.Rules, schema.AllOrNone(r.AllOrNone...))
		}
		if r.AtMostOneOf != nil {
			n++
			for _, fn := range r.AtMostOneOf {
				c.field(r.Keyed, "at_most_one_of", fn, where+".at_most_one_of")
			}
			s.Rules = append(s.Rules, schema.AtMostOneOf(r.AtMostOneOf...))
		}
		if r.Go != "" {
			n++
			mk, ok, names := lookupExt(rules, r.Go)
			if !ok {
				c.bad(r.pos("go"), "%s: go %q is no Go rule this onboard knows%s%s", where, r.Go, didYouMean(r.Go, names), knownWord(names))
			} else {
				s.Rules = append(s.Rules, mk(s))
			}
		}
		if n != 1 {
			c.bad(r.At, "%s: want exactly one of required_if, all_or_none, at_most_one_of, go", where)
		}
	}
	return s
}

var methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodGet}

func (c *compiler) method(k Keyed, m, where string) string {
	if m == "" {
		return http.MethodPost
	}
	if !slices.Contains(methods, m) {
		c.bad(k.pos("method"), "%s.method %q: want one of %s%s", where, m, strings.Join(methods, ", "), didYouMean(m, methods))
	}
	return m
}

func (c *compiler) success(s *success, where string, def string) compiledSuccess {
	var out compiledSuccess
	if s == nil {
		out.status = []statusSet{parseStatusOr(def)}
		return out
	}
	out.status = c.statuses(s.Keyed, "status", s.Status, where+".success.status")
	if len(out.status) == 0 {
		out.status = []statusSet{parseStatusOr(def)}
	}
	for _, k := range sortedKeys(s.BodyEquals) {
		ptr := c.pointer(s.Keyed, "body_equals", k, where+".success.body_equals")
		out.bodyEquals = append(out.bodyEquals, constant{ptr, s.BodyEquals[k]})
	}
	return out
}

func parseStatusOr(s string) statusSet {
	st, _ := parseStatus(s)
	return st
}

func parseStatus(s string) (statusSet, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
		lo := int(s[0]-'0') * 100
		return statusSet{lo, lo + 99}, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return statusSet{}, false
	}
	return statusSet{n, n}, true
}

func (c *compiler) statuses(k Keyed, key string, list []string, where string) []statusSet {
	var out []statusSet
	for _, s := range list {
		st, ok := parseStatus(s)
		if !ok {
			c.bad(k.pos(key), "%s %q: want an HTTP status such as 201 or a class such as 2xx", where, s)
			continue
		}
		out = append(out, st)
	}
	return out
}

func (c *compiler) compileCreate() {
	cr, v := c.f.Create, c.v
	if cr == nil {
		c.missing(c.f.At, "create", "create is missing: the create request (method, path, success, created_id)")
		return
	}
	v.create.method = c.method(cr.Keyed, cr.Method, "create")
	if cr.Path == "" {
		c.bad(cr.At, "create.path is missing, e.g. /users")
	}
	v.create.path = c.template(cr.Keyed, "path", cr.Path, "env", "create.path:")
	if b := cr.Body; b != nil {
		if b.Encoding != "" && b.Encoding != "json" {
			c.bad(b.pos("encoding"), "create.body.encoding %q: want json (other encodings are Go protocols)", b.Encoding)
		}
		switch b.Fields {
		case "", "all_present":
		case "by_path":
			v.create.byPath = true
		default:
			c.bad(b.pos("fields"), "create.body.fields %q: want all_present or by_path%s", b.Fields, didYouMean(b.Fields, []string{"all_present", "by_path"}))
		}
	}
	if len(v.paths) > 0 && !v.create.byPath {
		c.bad(cr.At, "fields give path: but create.body.fields is not by_path")
	}
	for _, k := range sortedKeys(cr.Constants) {
		ptr := c.pointer(cr.Keyed, "constants", k, "create.constants")
		v.create.constants = append(v.create.constants, constant{ptr, cr.Constants[k]})
	}
	v.create.success = c.success(cr.Success, "create", "2xx")
	if _, ok := cr.Keys["created_id"]; !ok {
		c.missing(cr.At, "created_id", "create.created_id is missing: the JSON pointer to the new person's ID in the answer, e.g. /id (\"\" for the whole answer)")
	}
	v.create.createdID = c.pointer(cr.Keyed, "created_id", cr.CreatedID, "create.created_id")
	v.create.idText = strings.ReplaceAll(strings.TrimPrefix(cr.CreatedID, "/"), "/", ".")
	if v.create.idText == "" {
		v.create.idText = "an ID"
	}
	if cr.IDName != "" {
		v.create.idText = cr.IDName
	}
	if cr.IDPattern != "" {
		v.create.idRE = c.anchored(cr.Keyed, "id_pattern", cr.IDPattern, "create.id_pattern")
	}
	if len(cr.ExtraIDs) > 0 {
		v.create.extraIDs = map[string]pointer{}
		for name, ps := range cr.ExtraIDs {
			v.create.extraIDs[name] = c.pointer(cr.Keyed, "extra_ids", ps, "create.extra_ids."+name)
		}
	}
}

func (c *compiler) compileErrors() {
	e, v := c.f.Errors, c.v
	out := &v.errs
	if e == nil {
		out.rules = []compiledRule{{def: true, as: ""}}
		return
	}
	if e.VendorCode != "" {
		out.vendorCode, out.hasCode = c.pointer(e.Keyed, "vendor_code", e.VendorCode, "errors.vendor_code"), true
	}
	for _, m := range e.Message {
		out.message = append(out.message, c.pointer(e.Keyed, "message", m, "errors.message"))
	}
	out.ignore = e.Ignore
	if e.BodyExcerpt < 0 {
		c.bad(e.pos("body_excerpt"), "errors.body_excerpt: want a number of bytes, 1 or more")
	}
	out.excerpt = e.BodyExcerpt
	if e.NoMessage != "" {
		out.noMessage = e.NoMessage
	}
	out.aliases = e.FieldAliases
	for from, to := range e.FieldAliases {
		c.field(e.Keyed, "field_aliases", to, "errors.field_aliases."+from)
	}
	out.codes = map[string][]codeEntry{}
	for _, code := range sortedKeys(e.Codes) {
		for _, ent := range e.Codes[code] {
			name, kind, _ := strings.Cut(ent, " ")
			c.field(e.Keyed, "codes", name, "errors.codes."+code)
			if kind != "" && kind != "missing" && kind != "invalid" {
				c.bad(e.pos("codes"), "errors.codes.%s %q: want FIELD, FIELD missing or FIELD invalid", code, ent)
			}
			out.codes[code] = append(out.codes[code], codeEntry{name, kind == "missing"})
		}
	}
	hasDefault := false
	if e.Go != "" {
		rd, ok, names := lookupExt(readers, e.Go)
		if !ok {
			c.bad(e.pos("go"), "errors.go %q is no Go error reader this onboard knows%s%s", e.Go, didYouMean(e.Go, names), knownWord(names))
		}
		out.reader = rd
	}
	if e.FieldKeys != "" {
		out.fieldKeys = c.pointer(e.Keyed, "field_keys", e.FieldKeys, "errors.field_keys")
	}
	out.rules, hasDefault = c.rules(e.Rules, "errors.rules", out, e.Codes)
	if !hasDefault {
		out.rules = append(out.rules, compiledRule{def: true})
	}
}

func (c *compiler) compileFind() {
	fd, v := c.f.Find, c.v
	if fd == nil {
		return
	}
	out := &compiledFind{method: c.method(fd.Keyed, cmpOr(fd.Method, http.MethodGet), "find"), query: map[string]template{}}
	if fd.Path == "" {
		c.bad(fd.At, "find.path is missing")
	}
	allow := []string{"env", "row", "page.first"}
	out.path = c.template(fd.Keyed, "path", fd.Path, append(allow, "find.path:")...)
	for _, k := range sortedKeys(fd.Query) {
		// No credential in a query string: URLs show in transport errors
		// and logs.
		out.keys = append(out.keys, k)
		out.query[k] = c.template(fd.Keyed, "query", fd.Query[k], "row", "page.first", "find.query."+k+":")
	}
	if pg := fd.Paginate; pg != nil {
		if pg.Style != "offset" {
			c.bad(pg.pos("style"), "find.paginate.style %q: want offset", pg.Style)
		}
		if pg.Size < 1 {
			c.bad(pg.pos("size"), "find.paginate.size: want 1 or more (the page size)")
		}
		if pg.MaxPages == 0 {
			pg.MaxPages = 20
		}
		if pg.Total != "" {
			out.total = c.pointer(pg.Keyed, "total", pg.Total, "find.paginate.total")
		}
		out.paginate = pg
	}
	out.success = c.success(fd.Success, "find", "200")
	for _, it := range fd.Items {
		out.items = append(out.items, c.pointer(fd.Keyed, "items", it, "find.items"))
	}
	if len(fd.Items) == 0 {
		out.items = []pointer{nil}
	}
	out.rules, _ = c.rules(fd.Rules, "find.rules", &v.errs, nil)
	if _, direct := fd.Keys["answer_id"]; direct {
		out.direct = true
		out.answerID = c.pointer(fd.Keyed, "answer_id", fd.AnswerID, "find.answer_id")
		if fd.IDPattern != "" {
			out.idRE = c.anchored(fd.Keyed, "id_pattern", fd.IDPattern, "find.id_pattern")
		}
		if fd.FoundPattern != "" {
			out.foundRE = c.anchored(fd.Keyed, "found_pattern", fd.FoundPattern, "find.found_pattern")
		}
		out.notFound = c.statuses(fd.Keyed, "not_found", fd.NotFound, "find.not_found")
		out.what = fd.Path[strings.LastIndexByte(fd.Path, '/')+1:]
		if fd.Match != nil || len(fd.Items) > 0 {
			c.bad(fd.pos("answer_id"), "find: answer_id reads the answer as the ID; leave out items and match")
		}
		out.rules, _ = c.rules(fd.Rules, "find.rules", &v.errs, nil)
		v.find = out
		return
	}
	if fd.Match == nil {
		c.missing(fd.At, "match", "find.match is missing: which item is the person ({item: /email, equals: \"${row.email}\", fold_case: true})")
	} else {
		out.matchAt = c.pointer(fd.Match.Keyed, "item", fd.Match.Item, "find.match.item")
		out.equals = c.template(fd.Match.Keyed, "equals", fd.Match.Equals, "row", "find.match.equals:")
		out.fold = fd.Match.FoldCase
	}
	if _, ok := fd.Keys["id"]; !ok {
		c.missing(fd.At, "id", "find.id is missing: the JSON pointer to the ID in a found item, e.g. /id")
	}
	out.id = c.pointer(fd.Keyed, "id", fd.ID, "find.id")
	v.find = out
}

func (c *compiler) compileUpdate() {
	u, v := c.f.Update, c.v
	if u == nil {
		return
	}
	out := &compiledUpdate{method: c.method(u.Keyed, cmpOr(u.Method, http.MethodPut), "update"), fields: u.Fields}
	out.path = c.template(u.Keyed, "path", u.Path, "env", "id", "update.path:")
	hasID := len(out.path.refs("id")) > 0
	out.query = map[string]template{}
	for _, k := range sortedKeys(u.Query) {
		out.keys = append(out.keys, k)
		out.query[k] = c.template(u.Keyed, "query", u.Query[k], "id", "update.query."+k+":")
		hasID = hasID || len(out.query[k].refs("id")) > 0
	}
	if !hasID {
		c.bad(u.pos("path"), "update: the path or the query must hold ${id}, the person's vendor ID")
	}
	for _, fn := range u.Fields {
		c.field(u.Keyed, "fields", fn, "update.fields")
	}
	out.success = c.success(u.Success, "update", "2xx")
	out.rules, _ = c.rules(u.Rules, "update.rules", &v.errs, nil)
	if u.IDPattern != "" {
		out.idRE = c.anchored(u.Keyed, "id_pattern", u.IDPattern, "update.id_pattern")
		out.idText = cmpOr(u.IDPatternText, "a vendor ID matching "+u.IDPattern)
	}
	v.update = out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// equalJSON compares an answer's value with a file's constant: numbers by
// value, strings exactly.
func equalJSON(got, want any) bool {
	switch w := want.(type) {
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case nil:
		return got == nil
	case string:
		switch got.(type) {
		case nil:
			return w == ""
		case map[string]any, []any:
			return false // an object or a list is no text, not even ""
		}
		return flat(got) == w
	case int, int64, float64:
		return flat(got) == text(normalizeNumber(w))
	}
	return bytes.Equal([]byte(fmt.Sprint(got)), []byte(fmt.Sprint(want)))
}

func normalizeNumber(v any) any {
	if i, ok := v.(int); ok {
		return int64(i)
	}
	return v
}

func firstKeyOf(k Keyed, keys ...string) string {
	for _, key := range keys {
		if _, ok := k.Keys[key]; ok {
			return key
		}
	}
	return ""
}

// numberRange is a number field's minimum and maximum as a check.
func numberRange(lo, hi *float64) func(float64) string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	var want string
	switch {
	case lo != nil && hi != nil:
		want = "must be a number from " + num(*lo) + " to " + num(*hi)
	case lo != nil:
		want = "must be a number of at least " + num(*lo)
	default:
		want = "must be a number of at most " + num(*hi)
	}
	return func(f float64) string {
		if f != f || (lo != nil && f < *lo) || (hi != nil && f > *hi) {
			return want
		}
		return ""
	}
}

// rules compiles a list of error rules; t is the table they read codes
// from. It reports whether one is the default.
func (c *compiler) rules(list []errorRule, prefix string, t *compiledErrors, tableCodes map[string][]string) ([]compiledRule, bool) {
	type seenKey struct{ status, code string }
	seen := map[seenKey]Pos{}
	hasDefault := false
	var out []compiledRule
	for i, r := range list {
		where := fmt.Sprintf("%s[%d]", prefix, i)
		cr := compiledRule{status: c.statuses(r.Keyed, "status", r.Status, where+".status"), codes: r.VendorCode,
			inCodes: r.InCodes, def: r.Default, field: r.Field, sent: r.Sent, prefix: r.Prefix, fromAnswer: r.FieldFromAnswer}
		if r.FieldFromAnswer && t.reader == nil {
			c.bad(r.pos("field_from_answer"), "%s.field_from_answer: errors.go names no reader", where)
		}
		if !slices.Contains(codes, providers.Code(r.As)) {
			words := make([]string, len(codes))
			for j, cd := range codes {
				words[j] = string(cd)
			}
			c.bad(r.pos("as"), "%s.as %q: want one of %s%s", where, r.As, strings.Join(words, ", "), didYouMean(r.As, words))
		}
		cr.as = providers.Code(r.As)
		if r.Message != "" {
			re, err := regexp.Compile(r.Message)
			if err != nil {
				c.bad(r.pos("message_matches"), "%s.message_matches does not compile in Go (RE2): %s", where, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			cr.message = re
		}
		if r.FieldFromMessage != "" {
			re, err := regexp.Compile(r.FieldFromMessage)
			switch {
			case err != nil:
				c.bad(r.pos("field_from_message"), "%s.field_from_message does not compile in Go (RE2): %s", where, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			case re.NumSubexp() < 1:
				c.bad(r.pos("field_from_message"), "%s.field_from_message needs a group ( … ) around the field name", where)
			default:
				cr.fromMessage = re
			}
		}
		if r.Field != "" {
			// An answer may name several fields ("email, companyName"):
			// each must be the file's.
			for _, name := range strings.Split(r.Field, ",") {
				c.field(r.Keyed, "field", strings.TrimSpace(name), where)
			}
		}
		if (len(r.VendorCode) > 0 || r.InCodes) && !t.hasCode {
			c.bad(r.pos("vendor_code"), "%s matches a vendor code, but errors.vendor_code (where the code is) is not given", where)
		}
		if r.InCodes && len(t.codes) == 0 {
			c.bad(r.pos("in_codes"), "%s.in_codes: errors.codes is empty", where)
		}
		if !r.Default && len(r.Status) == 0 && len(r.VendorCode) == 0 && !r.InCodes && r.Message == "" {
			c.bad(r.At, "%s matches nothing: give status, vendor_code, in_codes, message_matches or default: true", where)
		}
		if r.Default {
			if hasDefault {
				c.bad(r.pos("default"), "%s: a second default rule is never reached", where)
			}
			hasDefault = true
		}
		sts := r.Status
		if len(sts) == 0 {
			sts = []string{"any"}
		}
		for _, code := range r.VendorCode {
			if _, ok := tableCodes[code]; ok && r.InCodes {
				continue
			}
			for _, st := range sts {
				k := seenKey{st, code}
				if first, dup := seen[k]; dup {
					c.bad(r.pos("vendor_code"), "%s: vendor code %s is already mapped at line %d (the first rule wins; remove one)", where, code, first.Line)
				} else {
					seen[k] = r.pos("vendor_code")
				}
			}
		}
		out = append(out, cr)
	}
	return out, hasDefault
}
