package smarterproctoring

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// simulator answers as the SmarterProctoring API (a hapi server) does:
// Boom error bodies, Joi validation messages, one install, one token.
type simulator struct {
	token   string
	install string
	store   *sim.Store
}

// NewSimulator returns a simulator of the users endpoints: create
// (POST /v1/installs/{installSid}/users) and list with filters (GET on the
// same path), wrapped in the fault middleware.
func NewSimulator(opt sim.Options) *sim.Server {
	s := &simulator{
		token:   "sim-token-" + sim.RandomHex(16),
		install: "AI" + sim.RandomHex(16),
		store:   sim.NewStore(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/installs/{installSid}/users", s.create)
	mux.HandleFunc("GET /v1/installs/{installSid}/users", s.list)
	mux.HandleFunc("PUT /v1/installs/{installSid}/users/{userSid}", s.update)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		boom(w, http.StatusNotFound, "Not Found", nil)
	})
	return sim.NewServer(opt, mux, s.store, map[string]string{envToken: s.token, envInstallSID: s.install})
}

// boom writes hapi's Boom error body. keys fills validation.keys for 400s.
func boom(w http.ResponseWriter, status int, msg string, keys []string) {
	body := map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg}
	if keys != nil {
		body["validation"] = map[string]any{"source": "payload", "keys": keys}
	}
	sim.WriteJSON(w, status, body)
}

// admit runs what hapi does before a handler: auth, then the path
// parameter, then the install lookup. It reports whether to go on.
func (s *simulator) admit(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("token") != s.token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="smarterservices", error="invalid_token", error_description="The access token is missing, invalid or expired"`)
		boom(w, http.StatusUnauthorized, "Invalid token", nil)
		return false
	}
	sid := r.PathValue("installSid")
	if !installSIDRE.MatchString(sid) {
		boom(w, http.StatusBadRequest, fmt.Sprintf(`"installSid" with value %q fails to match the required pattern: /%s/`, sid, installSIDRE), []string{"installSid"})
		return false
	}
	if sid != s.install {
		boom(w, http.StatusNotFound, "Install not found", nil)
		return false
	}
	return true
}

// jsonBody reads a JSON request body, answering as the vendor does when
// it is not JSON.
func (s *simulator) jsonBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		boom(w, http.StatusUnsupportedMediaType, "Unsupported Media Type", nil)
		return nil, false
	}
	body, err := sim.ReadJSON(r)
	if err != nil {
		boom(w, http.StatusBadRequest, "Invalid request payload JSON format", nil)
		return nil, false
	}
	return body, true
}

func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	body, ok := s.jsonBody(w, r)
	if !ok {
		return
	}
	// The request key is documented as "exernalId"; the correct spelling is
	// tolerated, as the notes advise.
	if v, ok := body["externalId"]; ok {
		if _, dup := body["exernalId"]; !dup {
			body["exernalId"] = v
		}
		delete(body, "externalId")
	}
	if key, msg := wireCheck(body); msg != "" {
		boom(w, http.StatusBadRequest, msg, []string{key})
		return
	}
	rec, errs := schema.FromJSON(Schema, body)
	if len(errs) > 0 {
		// Joi stops at the first error (abortEarly).
		boom(w, http.StatusBadRequest, joiMessage(errs[0], body), []string{errs[0].Field})
		return
	}
	email, _ := rec["email"].(string)
	username, _ := rec["username"].(string)
	obj := userObject(rec)
	keys := []string{Schema.KeyOf(rec), ""}
	if username != "" {
		keys[1] = "username:" + strings.ToLower(username)
	}
	u, existed := s.store.Create(func(seq int) string {
		// Set under the store's lock, before the object is shared.
		id := "US" + sim.Hex(seq, 32)
		obj["sid"] = id
		return id
	}, obj, keys...)
	if existed {
		what := "username"
		if strings.EqualFold(fmt.Sprint(u.Fields["email"]), email) {
			what = "email"
		}
		sim.WriteJSON(w, http.StatusConflict, map[string]any{
			"statusCode": http.StatusConflict, "error": "Conflict", "message": "User with " + what + " already exists"})
		return
	}
	sim.WriteJSON(w, http.StatusOK, u.Fields)
}

// wireCheck is Joi's object check: no unknown keys, every value of its
// documented JSON type (null allowed), no empty strings. It returns the
// offending key and the Joi message.
func wireCheck(body map[string]any) (string, string) {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable first error
	for _, k := range keys {
		f := Schema.Field(k)
		if f == nil {
			return k, fmt.Sprintf("%q is not allowed", k)
		}
		v := body[k]
		if v == nil {
			continue
		}
		switch f.Type {
		case schema.Number:
			if _, ok := v.(float64); !ok {
				return k, fmt.Sprintf("%q must be a number", k)
			}
		case schema.Boolean:
			if _, ok := v.(bool); !ok {
				return k, fmt.Sprintf("%q must be a boolean", k)
			}
		default:
			str, ok := v.(string)
			if !ok {
				return k, fmt.Sprintf("%q must be a string", k)
			}
			if str == "" {
				return k, fmt.Sprintf("%q is not allowed to be empty", k)
			}
		}
	}
	return "", ""
}

// joiMessage words a schema error as Joi would. Secret values are never
// echoed.
func joiMessage(fe schema.FieldError, body map[string]any) string {
	k := fe.Field
	f := Schema.Field(k)
	switch {
	case fe.Code == schema.MissingRequired:
		return fmt.Sprintf("%q is required", k)
	case f == nil:
		return fmt.Sprintf("%q %s", k, fe.Message)
	case k == "email" || k == "preferredEmail":
		return fmt.Sprintf("%q must be a valid email", k)
	case f.Type == schema.Number:
		lo, hi := -90.0, 90.0
		if k == "longitude" {
			lo, hi = -180, 180
		}
		if n, _ := body[k].(float64); n < lo {
			return fmt.Sprintf("%q must be greater than or equal to %s", k, strconv.FormatFloat(lo, 'f', -1, 64))
		}
		return fmt.Sprintf("%q must be less than or equal to %s", k, strconv.FormatFloat(hi, 'f', -1, 64))
	case k == "currencyCode" && len(fmt.Sprint(body[k])) != 3:
		return fmt.Sprintf("%q length must be 3 characters long", k)
	case k == "password":
		return fmt.Sprintf(`"password" with value "********" fails to match the required pattern: /%s/`, passwordPattern)
	case f.Pattern != nil:
		return fmt.Sprintf("%q with value %q fails to match the required pattern: /%s/", k, fmt.Sprint(body[k]), f.Pattern)
	}
	return fmt.Sprintf("%q %s", k, fe.Message)
}

// passwordPattern is the doc's password rule, for messages only.
const passwordPattern = `^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[#$@!%&*?])[A-Za-z\d#$@!%&*?]{8,30}$`

// userObject is the documented user object for a created record: every
// response field, null when not set, "externalId" spelled correctly.
func userObject(rec schema.Record) map[string]any {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"sid": nil, "firstName": nil, "lastName": nil, "email": nil, "preferredEmail": nil,
		"username": nil, "smarterIdEnrollmentSid": nil, "mobilePhone": nil, "homePhone": nil,
		"address": nil, "lmsId": nil, "apiId": nil, "sisId": nil, "externalId": nil,
		"latitude": nil, "longitude": nil, "lastEnrollmentSync": nil, "currencyCode": nil,
		"timeZoneSid": nil, "timezone": map[string]any{}, "maxTravelDistance": nil,
		"maxTravelDistanceUnits": nil, "createdDate": now, "editDate": now,
		"freshdeskUserId": nil, "role": nil, "enabled": true,
		"authentication": map[string]any{}, "smarterId": map[string]any{},
		"course": map[string]any{}, "exam": map[string]any{}, "identity": map[string]any{},
	}
	for k, v := range rec {
		switch k {
		case "password": // never echoed
		case "exernalId":
			obj["externalId"] = v
		default:
			obj[k] = v
		}
	}
	return obj
}

// listFilters are the list endpoint's documented string filters.
var listFilters = []string{"firstName", "lastName", "email", "sisId", "lmsId", "apiId", "externalId"}

// listParams are every documented query parameter of the list endpoint.
var listParams = append([]string{"admin", "offset", "limit", "sortKeys", "sortOrder"}, listFilters...)

func (s *simulator) list(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(listParams, k) {
			boom(w, http.StatusBadRequest, fmt.Sprintf("%q is not allowed", k), []string{k})
			return
		}
	}
	offset, ok1 := nonNegative(q.Get("offset"), 0)
	limit, ok2 := nonNegative(q.Get("limit"), 50)
	if !ok1 || !ok2 {
		boom(w, http.StatusBadRequest, `"offset" and "limit" must be numbers greater than or equal to 0`, []string{"offset", "limit"})
		return
	}
	var hits []map[string]any
	for _, u := range s.store.Users() {
		if matches(u.Fields, q) {
			hits = append(hits, u.Fields)
		}
	}
	// The default sort is createdDate ASC; sids grow with creation.
	slices.SortFunc(hits, func(a, b map[string]any) int { return strings.Compare(a["sid"].(string), b["sid"].(string)) })
	total := len(hits)
	hits = hits[min(offset, total):min(offset+limit, total)]
	if hits == nil {
		hits = []map[string]any{}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"results": hits, "offset": offset, "limit": limit, "total": total})
}

// matches applies the string filters: equal ignoring case.
func matches(u map[string]any, q map[string][]string) bool {
	for _, k := range listFilters {
		want, ok := q[k]
		if !ok {
			continue
		}
		got, _ := u[k].(string)
		if !strings.EqualFold(got, want[0]) {
			return false
		}
	}
	return true
}

func nonNegative(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// update is PUT /v1/installs/{installSid}/users/{userSid} ("Update admin
// user"): only the Swagger's Model137 keys, each checked as on create,
// nothing required; the answer is a string.
func (s *simulator) update(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	sid := r.PathValue("userSid")
	if !userSIDRE.MatchString(sid) {
		boom(w, http.StatusBadRequest, fmt.Sprintf(`"userSid" with value %q fails to match the required pattern: /%s/`, sid, userSIDRE), []string{"userSid"})
		return
	}
	body, ok := s.jsonBody(w, r)
	if !ok {
		return
	}
	for k := range body {
		if !slices.Contains(updateFields, k) {
			boom(w, http.StatusBadRequest, fmt.Sprintf("%q is not allowed", k), []string{k})
			return
		}
	}
	if key, msg := wireCheck(body); msg != "" {
		boom(w, http.StatusBadRequest, msg, []string{key})
		return
	}
	_, errs := schema.FromJSON(Schema, body)
	for _, fe := range errs {
		if _, sent := body[fe.Field]; sent || fe.Code != schema.MissingRequired {
			boom(w, http.StatusBadRequest, joiMessage(fe, body), []string{fe.Field})
			return
		}
	}
	set := map[string]any{"editDate": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	rekey := ""
	for k, v := range body {
		switch k {
		case "password": // never echoed
		case "email":
			rekey = "email:" + fmt.Sprint(v)
			set[k] = v
		default:
			set[k] = v
		}
	}
	found, clash := s.store.Update(sid, set, rekey)
	switch {
	case !found:
		boom(w, http.StatusNotFound, "User not found", nil)
	case clash:
		sim.WriteJSON(w, http.StatusConflict, map[string]any{
			"statusCode": http.StatusConflict, "error": "Conflict", "message": "User with email already exists"})
	default:
		sim.WriteJSON(w, http.StatusOK, "Updated")
	}
}
