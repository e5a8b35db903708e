package vendorfile

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/onboard/onboard/schema"
)

// FromOpenAPI writes a starting vendor file for the create call with
// operationId op in the OpenAPI 3 spec at path: fields (types, required,
// enums, formats, patterns, descriptions), auth, base URL and path. What
// a spec cannot say (the error table, the lookup, conditional rules, the
// unique key) is marked TODO for a person to fill in; the file passes the
// checker as written.
func FromOpenAPI(path, op string) ([]byte, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("OpenAPI spec %s: %w", path, err)
	}
	var (
		found              *openapi3.Operation
		method, opPath     string
		ids                []string
		pathItemParameters openapi3.Parameters
	)
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for m, o := range item.Operations() {
			if o.OperationID == "" {
				continue
			}
			ids = append(ids, o.OperationID)
			if o.OperationID == op {
				found, method, opPath, pathItemParameters = o, m, p, item.Parameters
			}
		}
	}
	if found == nil {
		slices.Sort(ids)
		hint := ""
		if c := schema.Closest(op, ids); c != "" {
			hint = " (did you mean " + c + "?)"
		}
		list := ids
		if len(list) > 20 {
			list = append(list[:20:20], fmt.Sprintf("… and %d more", len(ids)-20))
		}
		return nil, fmt.Errorf("OpenAPI spec %s: no operation %q%s; operations: %s", path, op, hint, strings.Join(list, ", "))
	}
	g := &gen{todo: []string{}}
	g.id = strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(doc.Info.Title), "-"), "-")
	if len(g.id) > 40 || g.id == "" {
		g.id = "my-vendor"
	}
	g.title = doc.Info.Title + ": " + cmpOr(found.Summary, op)
	if len(doc.Servers) > 0 {
		g.baseURL = doc.Servers[0].URL
	}
	if !strings.HasPrefix(g.baseURL, "https://") {
		g.todo = append(g.todo, "base_url: the spec gives no https server; write the vendor's API host")
		g.baseURL = "https://api.example.com"
	}
	g.auth(doc, found)
	// Path parameters become declared credentials: the tenant part of a
	// path (an install SID) is configuration, not a roster column.
	params := append(append(openapi3.Parameters{}, pathItemParameters...), found.Parameters...)
	g.path = opPath
	for _, pr := range params {
		p := pr.Value
		if p == nil || p.In != "path" {
			continue
		}
		env := "ONBOARD_" + strings.ToUpper(regexp.MustCompile(`([a-z0-9])([A-Z])`).ReplaceAllString(p.Name, "${1}_$2"))
		what := cmpOr(p.Description, p.Name)
		if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Pattern != "" {
			what += " (" + p.Schema.Value.Pattern + ")"
		}
		g.creds = append(g.creds, [2]string{env, what})
		g.path = strings.ReplaceAll(g.path, "{"+p.Name+"}", "${env."+env+"}")
		if g.tenant == "" {
			g.tenant = "${env." + env + "}"
		}
	}
	g.method = strings.ToUpper(method)
	if rb := found.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			g.walk(mt.Schema.Value, "", true, 0)
		} else {
			g.todo = append(g.todo, "create.body: the operation has no application/json body; other encodings are Go protocols")
		}
	}
	g.success(found)
	return g.write(), nil
}

type genField struct {
	name, typ, path, format, pattern, desc string
	required                               bool
	enum                                   []string
	note                                   string
}

type gen struct {
	id, title, baseURL, path, method, tenant string
	authYAML                                 string
	creds                                    [][2]string
	fields                                   []genField
	nested                                   bool
	status                                   string
	createdID                                string
	createdNote                              string
	todo                                     []string
}

func (g *gen) auth(doc *openapi3.T, op *openapi3.Operation) {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, req := range reqs {
		for name := range req {
			ref := doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			s := ref.Value
			switch {
			case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
				g.creds = append(g.creds, [2]string{"ONBOARD_TOKEN", "the bearer token"})
				g.authYAML = `{type: bearer, token: "${env.ONBOARD_TOKEN}"}`
			case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
				g.creds = append(g.creds, [2]string{"ONBOARD_USER", "the API user"}, [2]string{"ONBOARD_PASSWORD", "its password"})
				g.authYAML = `{type: basic, user: "${env.ONBOARD_USER}", password: "${env.ONBOARD_PASSWORD}"}`
			case s.Type == "apiKey" && s.In == "header":
				g.creds = append(g.creds, [2]string{"ONBOARD_TOKEN", "the API key sent in the " + s.Name + " header"})
				g.authYAML = fmt.Sprintf(`{type: header, name: %q, value: "${env.ONBOARD_TOKEN}"}`, s.Name)
			default:
				continue
			}
			return
		}
	}
	g.creds = append(g.creds, [2]string{"ONBOARD_TOKEN", "the API token"})
	g.authYAML = `{type: bearer, token: "${env.ONBOARD_TOKEN}"}`
	g.todo = append(g.todo, "auth: the spec names no scheme onboard can use (bearer, basic, an API key header); bearer is a guess")
}

var openAPITypes = map[string]string{"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "array": "list", "object": "object"}

// walk turns the body schema's properties into fields; an object
// property one level down is flattened, its fields placed by path.
func (g *gen) walk(s *openapi3.Schema, prefix string, required bool, depth int) {
	if s == nil {
		return
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if n == "additionalProperties" {
			// A spec that writes additionalProperties inside properties
			// (iSpring's UserProfileFields) does not mean a field.
			g.todo = append(g.todo, fmt.Sprintf("%s/additionalProperties: the spec lists it as a property; any further profile fields go here by path", prefix))
			continue
		}
		ref := s.Properties[n]
		if ref == nil || ref.Value == nil {
			continue
		}
		p := ref.Value
		req := required && slices.Contains(s.Required, n)
		typ := ""
		if p.Type != nil && len(*p.Type) > 0 {
			typ = (*p.Type)[0]
		}
		if typ == "object" && len(p.Properties) > 0 && depth == 0 {
			g.nested = true
			g.walk(p, prefix+"/"+n, req, depth+1)
			continue
		}
		f := genField{name: n, typ: openAPITypes[typ], path: prefix + "/" + n, required: req, desc: oneLine(cmpOr(p.Description, p.Title))}
		if f.typ == "" {
			f.typ = "string"
			f.note = "the spec gives no type"
		}
		switch p.Format {
		case "email":
			f.format = "email"
		case "date":
			f.typ = "date"
		case "":
		default:
			f.note = strings.TrimPrefix(f.note+"; format "+p.Format, "; ")
		}
		for _, e := range p.Enum {
			f.enum = append(f.enum, fmt.Sprint(e))
		}
		if p.Pattern != "" {
			if _, err := regexp.Compile(p.Pattern); err == nil && strings.HasPrefix(p.Pattern, "^") && strings.HasSuffix(p.Pattern, "$") {
				f.pattern = p.Pattern
			} else {
				f.note = strings.TrimPrefix(f.note+"; the spec's pattern "+strconv.Quote(p.Pattern)+" is not an anchored RE2 pattern", "; ")
			}
		}
		if slices.ContainsFunc(g.fields, func(o genField) bool { return o.name == f.name }) {
			f.name = strings.TrimPrefix(strings.ReplaceAll(prefix, "/", "_"), "_") + "_" + n
		}
		g.fields = append(g.fields, f)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (g *gen) success(op *openapi3.Operation) {
	g.status, g.createdID = "2xx", "/id"
	g.createdNote = "TODO: where the new person's ID is in the answer (a JSON pointer; \"\" for a bare ID)"
	if op.Responses == nil {
		return
	}
	for code, r := range op.Responses.Map() {
		if len(code) != 3 || code[0] != '2' || r.Value == nil {
			continue
		}
		g.status = code
		mt := r.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			return
		}
		s := mt.Schema.Value
		if s.Type != nil && s.Type.Is("string") {
			g.createdID, g.createdNote = `""`, "the answer is the bare ID (from the spec)"
			return
		}
		for _, n := range []string{"id", "userId", "userID", "UserId", "uid"} {
			if _, ok := s.Properties[n]; ok {
				g.createdID, g.createdNote = "/"+n, "from the spec's answer; check it"
				return
			}
		}
		return
	}
}

func (g *gen) write() []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# onboard vendor file, started from an OpenAPI operation by onboard providers --from-openapi.\n")
	w("# Fill in every TODO, then run: onboard providers --check THIS_FILE\n")
	for _, t := range g.todo {
		w("# TODO: %s\n", t)
	}
	w("onboard: %s\nid: %s\ntitle: %s\ndoc: TODO the vendor documentation this file follows\n", Version, g.id, yamlString(g.title))
	w("base_url: %s\n\ncredentials:\n", yamlString(g.baseURL))
	for _, c := range g.creds {
		w("  - {env: %s, what: %s}\n", c[0], yamlString(c[1]))
	}
	w("auth: %s\n", g.authYAML)
	if g.tenant != "" {
		w("tenant: %s\n", yamlString(g.tenant))
	} else {
		w("tenant: \"${base_url}\"\n")
	}
	key := ""
	for _, f := range g.fields {
		if f.format == "email" || f.name == "email" {
			key = f.name
			break
		}
	}
	if key == "" {
		for _, f := range g.fields {
			if f.required {
				key = f.name
				break
			}
		}
	}
	w("key: [%s]   # TODO: the vendor's unique key (what its \"already exists\" is about)\n\n", key)
	w("fields:\n")
	for _, f := range g.fields {
		w("  - name: %s\n    type: %s\n", f.name, f.typ)
		if f.required {
			w("    required: true\n")
		}
		if f.desc != "" {
			w("    description: %s\n", yamlString(f.desc))
		}
		if f.format != "" {
			w("    format: %s\n", f.format)
		}
		if len(f.enum) > 0 {
			q := make([]string, len(f.enum))
			for i, e := range f.enum {
				q[i] = yamlString(e)
			}
			w("    enum: [%s]\n", strings.Join(q, ", "))
		}
		if f.pattern != "" {
			w("    pattern: %s\n    pattern_text: TODO the rule in words\n", yamlString(f.pattern))
		}
		if g.nested {
			w("    path: %s\n", f.path)
		}
		if f.note != "" {
			w("    # TODO: %s\n", f.note)
		}
	}
	w("\n# TODO rules: conditional rules across fields (required_if, all_or_none, at_most_one_of); a spec cannot say them.\n")
	w("\ncreate:\n  method: %s\n  path: %s\n", g.method, yamlString(g.path))
	if g.nested {
		w("  body: {encoding: json, fields: by_path}\n")
	} else {
		w("  body: {encoding: json, fields: all_present}\n")
	}
	w("  success: {status: %s}\n  created_id: %s   # %s\n\n", g.status, g.createdID, g.createdNote)
	w(`errors:
  # TODO: the vendor's error table (status, vendor code or message -> code, field).
  # A spec lists statuses, rarely what they mean; these are the usual ones.
  message: [/message]
  rules:
    - {status: [401, 403], as: AUTH_FAILED}
    - {status: 409, as: ALREADY_EXISTS}
    - {status: 429, as: RATE_LIMITED}
    - {status: 5xx, as: VENDOR_ERROR}
    - {default: true, as: VENDOR_REJECTED}

# TODO find: the lookup that resolves "already exists" and lost answers, e.g.
# find:
#   path: /users
#   query: {email: "${row.email}"}
#   items: /users
#   match: {item: /email, equals: "${row.email}", fold_case: true}
#   id: /id
`)
	return []byte(b.String())
}

// yamlString quotes s when YAML would read it as something else.
func yamlString(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`$") || strings.TrimSpace(s) != s ||
		s == "true" || s == "false" || s == "null" || s == "yes" || s == "no" {
		return strconv.Quote(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.Quote(s)
	}
	return s
}
