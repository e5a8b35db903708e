package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// Simulator modes: how real SCIM servers answer a duplicate and a bad
// token. Each was seen in the wild (see the README's SCIM section).
const (
	// ModeRFC answers as RFC 7644 says: a duplicate is 409 with scimType
	// uniqueness, a bad token 401 with a SCIM error body.
	ModeRFC = "rfc"
	// Mode400Uniqueness answers a duplicate with 400 and scimType
	// uniqueness (FusionAuth, WSO2's default, imulab/go-scim).
	Mode400Uniqueness = "400-uniqueness"
	// Mode409Bare answers a duplicate with 409 and no scimType, not even a
	// SCIM error body (Sentry).
	Mode409Bare = "409-no-scimtype"
	// Mode401NonSCIM answers a bad token with 401 and an HTML page, as a
	// gateway in front of the SCIM server does.
	Mode401NonSCIM = "401-non-scim"
)

// Modes are the simulator's modes, the default first.
var Modes = []string{ModeRFC, Mode400Uniqueness, Mode409Bare, Mode401NonSCIM}

// simulator is a SCIM 2.0 service provider with the User endpoints
// onboard uses: create, filtered list, PATCH and ServiceProviderConfig.
// Its store keeps each user as the row's fields (schema names), keyed by
// userName ignoring case, so that the conformance suite reads it like
// every other vendor's.
type simulator struct {
	mode   string
	token  string
	store  *sim.Store
	schema *schema.Schema
}

// NewSimulator returns the built-in's SCIM simulator in opt.Mode ("" is
// ModeRFC), wrapped in the fault middleware. An unknown mode answers
// every request 500, saying so (the command line refuses one before it
// gets here).
func NewSimulator(opt sim.Options) *sim.Server { return newSimulator(vendor, opt) }

// newSimulator is the SCIM simulator of a vendor file naming scim2: its
// token is handed out under the file's credential name, and a create
// without a field the file requires is refused as a server requiring it
// would (400 invalidValue naming the attribute).
func newSimulator(v *vendorfile.Vendor, opt sim.Options) *sim.Server {
	s := &simulator{mode: opt.Mode, token: "sim-scim-" + sim.RandomHex(16), store: sim.NewStore(), schema: v.Schema}
	if s.mode == "" {
		s.mode = ModeRFC
	}
	mux := http.NewServeMux()
	if !slices.Contains(Modes, s.mode) {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			scimError(w, http.StatusInternalServerError, "", fmt.Sprintf("unknown simulator mode %q; modes: %s", s.mode, strings.Join(Modes, ", ")))
		})
	} else {
		mux.HandleFunc("GET /ServiceProviderConfig", s.serviceProviderConfig)
		mux.HandleFunc("POST /Users", s.create)
		mux.HandleFunc("GET /Users", s.list)
		mux.HandleFunc("GET /Users/{id}", s.get)
		mux.HandleFunc("PATCH /Users/{id}", s.patch)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			scimError(w, http.StatusNotFound, "", "Endpoint "+r.Method+" "+r.URL.Path+" not found")
		})
	}
	return sim.NewServer(opt, mux, s.store, map[string]string{v.BearerEnv(): s.token})
}

// writeSCIM writes v as application/scim+json.
func writeSCIM(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// scimError writes the RFC 7644 §3.12 error body; status is a string.
func scimError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{urnError}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeSCIM(w, status, body)
}

// admit checks the bearer token, answering 401 in the mode's shape.
func (s *simulator) admit(w http.ResponseWriter, r *http.Request) bool {
	if sim.HasBearer(r, s.token) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	if s.mode == Mode401NonSCIM {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprint(w, "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
		return false
	}
	scimError(w, http.StatusUnauthorized, "", "Authorization failure. The authorization header is invalid or missing.")
	return false
}

// readBody reads a JSON object sent as application/scim+json (or
// application/json, which RFC 7644 §3.8 lets servers accept).
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, mediaType) && !strings.HasPrefix(ct, "application/json") {
		scimError(w, http.StatusUnsupportedMediaType, "", "Content-Type must be "+mediaType)
		return nil, false
	}
	body, err := sim.ReadJSON(r)
	if err != nil || body == nil {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "The request body is not a JSON object")
		return nil, false
	}
	return body, true
}

func (s *simulator) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	// RFC 7644 §4: this endpoint may be read without authentication.
	writeSCIM(w, http.StatusOK, map[string]any{
		"schemas":        []string{urnSPC},
		"patch":          map[string]any{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": 200},
		"changePassword": map[string]any{"supported": false},
		"sort":           map[string]any{"supported": false},
		"etag":           map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "Authentication with a bearer token"}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"},
	})
}

func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	fields, scimType, detail := parseUser(body, false)
	if detail != "" {
		scimError(w, http.StatusBadRequest, scimType, detail)
		return
	}
	for i := range s.schema.Fields {
		if f := &s.schema.Fields[i]; f.Required && fields[f.Name] == nil {
			scimError(w, http.StatusBadRequest, "invalidValue", fmt.Sprintf("Attribute '%s' is required", patchPaths[f.Name]))
			return
		}
	}
	name := fields["userName"].(string)
	u, existed := s.store.Create(func(seq int) string {
		id := uuidOf(seq)
		fields["id"] = id
		fields["created"] = time.Now().UTC().Format(time.RFC3339)
		return id
	}, fields, "username:"+name)
	if existed {
		s.duplicate(w, name)
		return
	}
	w.Header().Set("Location", "/Users/"+u.ID)
	writeSCIM(w, http.StatusCreated, s.resourceOf(u.Fields))
}

// duplicate answers a taken userName as the mode says.
func (s *simulator) duplicate(w http.ResponseWriter, name string) {
	detail := fmt.Sprintf("User with userName %q already exists", name)
	switch s.mode {
	case Mode400Uniqueness:
		scimError(w, http.StatusBadRequest, scimTypeUniqueness, detail)
	case Mode409Bare:
		sim.WriteJSON(w, http.StatusConflict, map[string]any{"detail": "User already exists in the database."})
	default:
		scimError(w, http.StatusConflict, scimTypeUniqueness, detail)
	}
}

// resourceOf is the User resource of stored fields: id and meta added.
func (s *simulator) resourceOf(fields map[string]any) map[string]any {
	rec := map[string]any{}
	for k, v := range fields {
		if s.schema.Field(k) != nil {
			rec[k] = v
		}
	}
	res := userResource(rec)
	res["id"] = fields["id"]
	res["meta"] = map[string]any{"resourceType": "User", "created": fields["created"], "location": fmt.Sprint("/Users/", fields["id"])}
	return res
}

// uuidOf is a UUID-shaped id for sequence number n.
func uuidOf(n int) string {
	h := sim.Hex(n, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *simulator) get(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	u, ok := s.store.ByID(r.PathValue("id"))
	if !ok {
		scimError(w, http.StatusNotFound, "", "Resource "+r.PathValue("id")+" not found")
		return
	}
	writeSCIM(w, http.StatusOK, s.resourceOf(u.Fields))
}

// filterRE is the one filter the simulator understands: userName eq
// compValue, the attribute and operator in any case (RFC 7644 §3.4.2.2),
// the value a JSON string.
var filterRE = regexp.MustCompile(`^\s*(?i:username)\s+(?i:eq)\s+("(?:[^"\\]|\\.)*")\s*$`)

func (s *simulator) list(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q := r.URL.Query()
	start, ok1 := positive(q.Get("startIndex"), 1)
	count, ok2 := positive(q.Get("count"), 100)
	if !ok1 || !ok2 {
		scimError(w, http.StatusBadRequest, "invalidValue", "startIndex and count must be integers")
		return
	}
	count = min(count, 200)
	var hits []map[string]any
	users := s.store.Users()
	if f, set := q["filter"]; set {
		m := filterRE.FindStringSubmatch(f[0])
		var want string
		if m == nil || json.Unmarshal([]byte(m[1]), &want) != nil {
			scimError(w, http.StatusBadRequest, "invalidFilter", fmt.Sprintf("The filter %q is not supported: this service provider filters on userName eq \"…\" only", f[0]))
			return
		}
		for _, u := range users {
			if n, _ := u.Fields["userName"].(string); strings.EqualFold(n, want) {
				hits = append(hits, s.resourceOf(u.Fields))
			}
		}
	} else {
		for _, u := range users {
			hits = append(hits, s.resourceOf(u.Fields))
		}
	}
	total := len(hits)
	page := hits[min(start-1, total):min(start-1+count, total)]
	if page == nil {
		page = []map[string]any{}
	}
	writeSCIM(w, http.StatusOK, map[string]any{
		"schemas": []string{urnList}, "totalResults": total, "itemsPerPage": len(page), "startIndex": start, "Resources": page})
}

func positive(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return max(n, 1), err == nil // RFC 7644 §3.4.2.4: less than 1 is read as 1
}

func (s *simulator) patch(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	id := r.PathValue("id")
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if !hasSchema(body, urnPatchOp) {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "schemas must be ["+urnPatchOp+"]")
		return
	}
	ops, ok := body["Operations"].([]any)
	if !ok || len(ops) == 0 {
		scimError(w, http.StatusBadRequest, "invalidSyntax", "Operations must be a non-empty array")
		return
	}
	if _, found := s.store.ByID(id); !found {
		scimError(w, http.StatusNotFound, "", "Resource "+id+" not found")
		return
	}
	set := map[string]any{}
	for _, o := range ops {
		op, _ := o.(map[string]any)
		kind, _ := op["op"].(string)
		if !strings.EqualFold(kind, "replace") && !strings.EqualFold(kind, "add") {
			scimError(w, http.StatusBadRequest, "invalidSyntax", fmt.Sprintf("op %q is not supported here: use replace or add", kind))
			return
		}
		path, _ := op["path"].(string)
		if path == "" {
			// No path: value is a partial User whose attributes replace.
			v, _ := op["value"].(map[string]any)
			part, scimType, detail := parseUser(v, true)
			if detail != "" {
				scimError(w, http.StatusBadRequest, scimType, detail)
				return
			}
			for k, v := range part {
				set[k] = v
			}
			continue
		}
		field, value, detail := patchTarget(path, op["value"])
		if detail != "" {
			scimError(w, http.StatusBadRequest, "invalidPath", detail)
			return
		}
		set[field] = value
	}
	rekey := ""
	if n, ok := set["userName"].(string); ok {
		rekey = "username:" + n
	}
	if _, clash := s.store.Update(id, set, rekey); clash {
		s.duplicate(w, set["userName"].(string))
		return
	}
	u, _ := s.store.ByID(id)
	writeSCIM(w, http.StatusOK, s.resourceOf(u.Fields))
}

// patchTarget reads one PATCH path (RFC 7644 §3.5.2) and its value: the
// field it sets and the value, or a detail saying why not.
func patchTarget(path string, v any) (string, any, string) {
	p := strings.ToLower(strings.Join(strings.Fields(path), " "))
	ent := strings.ToLower(urnEnterprise) + ":"
	var field string
	switch p {
	case "username", "displayname", "title", "externalid":
		field = map[string]string{"username": "userName", "displayname": "displayName", "title": "title", "externalid": "externalId"}[p]
	case "active":
		b, ok := v.(bool)
		if !ok {
			return "", nil, "active takes a boolean"
		}
		return "active", b, ""
	case "name.givenname":
		field = "givenName"
	case "name.familyname":
		field = "familyName"
	case `emails[type eq "work"].value`:
		field = "email"
	case `phonenumbers[type eq "work"].value`:
		field = "phone"
	case "emails", "phonenumbers":
		attr := map[string]string{"emails": "emails", "phonenumbers": "phoneNumbers"}[p]
		val, d := workValue(attr, v)
		if d != "" {
			return "", nil, d
		}
		v, field = val, map[string]string{"emails": "email", "phonenumbers": "phone"}[p]
	case ent + "employeenumber":
		field = "employeeNumber"
	case ent + "department":
		field = "department"
	case ent + "manager.value":
		field = "manager"
	case ent + "manager":
		m, _ := v.(map[string]any)
		v = m["value"]
		field = "manager"
	default:
		return "", nil, fmt.Sprintf("The path %q is not supported", path)
	}
	str, ok := v.(string)
	if !ok || str == "" {
		return "", nil, fmt.Sprintf("The path %q takes a non-empty string", path)
	}
	if field == "email" && !strings.Contains(str, "@") {
		return "", nil, fmt.Sprintf("emails value %q is not an email address", str)
	}
	return field, str, ""
}

// hasSchema reports whether body's schemas list urn.
func hasSchema(body map[string]any, urn string) bool {
	list, _ := body["schemas"].([]any)
	for _, s := range list {
		if str, _ := s.(string); strings.EqualFold(str, urn) {
			return true
		}
	}
	return false
}

// userAttrs are the User attributes the simulator stores, with the kind
// of JSON value each takes.
var userAttrs = map[string]string{
	"userName": "string", "displayName": "string", "title": "string", "externalId": "string", "active": "bool",
	"name": "object", "emails": "array", "phoneNumbers": "array", urnEnterprise: "object",
	"schemas": "array", "id": "readOnly", "meta": "readOnly",
}

// parseUser reads a User resource (partial: a PATCH value, where nothing
// is required and schemas is not needed) into the row's fields. It
// returns a scimType and detail for a 400 when the resource is wrong.
func parseUser(body map[string]any, partial bool) (fields map[string]any, scimType, detail string) {
	fields = map[string]any{}
	if body == nil {
		return nil, "invalidSyntax", "The value must be a JSON object"
	}
	if !partial {
		if !hasSchema(body, urnUser) {
			return nil, "invalidValue", "schemas must list " + urnUser
		}
		for _, s := range body["schemas"].([]any) {
			if str, _ := s.(string); str != urnUser && str != urnEnterprise {
				return nil, "invalidValue", fmt.Sprintf("schemas lists %q, which this service provider does not know", s)
			}
		}
		if _, ok := body[urnEnterprise]; ok && !hasSchema(body, urnEnterprise) {
			return nil, "invalidValue", "the enterprise extension is used but schemas does not list " + urnEnterprise
		}
	}
	for k, v := range body {
		kind, ok := userAttrs[k]
		if !ok {
			return nil, "invalidSyntax", fmt.Sprintf("Attribute %q is not defined for User", k)
		}
		switch kind {
		case "string":
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, "invalidValue", fmt.Sprintf("Attribute %q must be a non-empty string", k)
			}
			fields[k] = s
		case "bool":
			b, ok := v.(bool)
			if !ok {
				return nil, "invalidValue", fmt.Sprintf("Attribute %q must be a boolean", k)
			}
			fields[k] = b
		}
	}
	if n, ok := body["name"]; ok {
		if d := subStrings(n, "name", map[string]string{"givenName": "givenName", "familyName": "familyName"}, fields); d != "" {
			return nil, "invalidValue", d
		}
	}
	if e, ok := body[urnEnterprise]; ok {
		m, _ := e.(map[string]any)
		if mgr, ok := m["manager"]; ok {
			mm, _ := mgr.(map[string]any)
			if v, _ := mm["value"].(string); v == "" {
				return nil, "invalidValue", "Attribute \"manager\" must be an object with a string value"
			} else {
				fields["manager"] = v
			}
			m = copyWithout(m, "manager")
		}
		if d := subStrings(m, urnEnterprise, map[string]string{"employeeNumber": "employeeNumber", "department": "department"}, fields); d != "" {
			return nil, "invalidValue", d
		}
	}
	for attr, field := range map[string]string{"emails": "email", "phoneNumbers": "phone"} {
		v, ok := body[attr]
		if !ok {
			continue
		}
		val, d := workValue(attr, v)
		if d != "" {
			return nil, "invalidValue", d
		}
		if field == "email" && !strings.Contains(val, "@") {
			return nil, "invalidValue", fmt.Sprintf("emails value %q is not an email address", val)
		}
		fields[field] = val
	}
	if _, ok := fields["userName"]; !ok && !partial {
		return nil, "invalidValue", "Attribute \"userName\" is required"
	}
	return fields, "", ""
}

// subStrings copies the string sub-attributes of complex attribute v into
// fields by names; anything else in v is an error.
func subStrings(v any, attr string, names map[string]string, fields map[string]any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("Attribute %q must be an object", attr)
	}
	for k, sv := range m {
		field, ok := names[k]
		s, isStr := sv.(string)
		if !ok || !isStr || s == "" {
			return fmt.Sprintf("Attribute %q.%q is not defined or not a non-empty string", attr, k)
		}
		fields[field] = s
	}
	return ""
}

func copyWithout(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// workValue is the value of a multi-valued attribute's entry: the primary
// one, else the one of type work, else the only one.
func workValue(attr string, v any) (string, string) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "", fmt.Sprintf("Attribute %q must be a non-empty array", attr)
	}
	pick := -1
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return "", fmt.Sprintf("Attribute %q holds a value that is not an object", attr)
		}
		if _, ok := m["value"].(string); !ok {
			return "", fmt.Sprintf("Attribute %q holds an entry without a string value", attr)
		}
		if p, _ := m["primary"].(bool); p {
			pick = i
			break
		}
		if t, _ := m["type"].(string); t == "work" && pick < 0 {
			pick = i
		}
	}
	if pick < 0 {
		pick = 0
	}
	return list[pick].(map[string]any)["value"].(string), ""
}
