package ispring

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// NewSimulator returns a simulator of the iSpring Learn REST API: the token
// endpoint, POST /user and GET /user. Its Credentials are an API key
// (ONBOARD_CLIENT_ID and ONBOARD_CLIENT_SECRET), so clients exercise the
// token exchange; tokens live 30 minutes as documented.
func NewSimulator(opt sim.Options) *sim.Server {
	return newSimulator(opt, simConfig{})
}

// simConfig holds what tests change: the clock and the token lifetime.
type simConfig struct {
	now      func() time.Time
	tokenTTL time.Duration
}

type simulator struct {
	cfg      simConfig
	licences int
	store    *sim.Store
	id       string // client ID
	secret   string
	idPrefix string // random part of created IDs, per simulator

	mu     sync.Mutex
	tokens map[string]time.Time // token → expiry

	createMu sync.Mutex // makes the duplicate and licence checks atomic with the create
}

func newSimulator(opt sim.Options, cfg simConfig) *sim.Server {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.tokenTTL <= 0 {
		cfg.tokenTTL = defaultLifetime
	}
	s := &simulator{
		cfg: cfg, licences: opt.Licences, store: sim.NewStore(),
		id: "sim-client-" + sim.RandomHex(8), secret: "sim-secret-" + sim.RandomHex(16), idPrefix: sim.RandomHex(9),
		tokens: map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, s.token)
	mux.HandleFunc("POST /user", s.authed(s.create))
	mux.HandleFunc("GET /user", s.authed(s.list))
	mux.HandleFunc("POST /user/{userId}", s.authed(s.update))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sim.WriteJSON(w, http.StatusNotFound, errorResponse{Code: http.StatusNotFound, Message: "Not found"})
	})
	return sim.NewServer(opt, mux, s.store, map[string]string{EnvClientID: s.id, EnvClientSecret: s.secret})
}

// fail answers an ErrorResponse whose code is the HTTP status.
func fail(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, errorResponse{Code: status, Message: msg})
}

func (s *simulator) token(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.ParseForm() != nil {
		fail(w, http.StatusBadRequest, "Wrong parameters. The token request must be application/x-www-form-urlencoded")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		fail(w, http.StatusBadRequest, "Wrong parameters. grant_type must be client_credentials")
		return
	}
	if !sim.SameSecret(r.PostForm.Get("client_id"), s.id) || !sim.SameSecret(r.PostForm.Get("client_secret"), s.secret) {
		fail(w, http.StatusUnauthorized, "Invalid client credentials")
		return
	}
	tok := "sim-token-" + sim.RandomHex(16)
	s.mu.Lock()
	s.tokens[tok] = s.cfg.now().Add(s.cfg.tokenTTL)
	s.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, ExpiresIn: int64(s.cfg.tokenTTL / time.Second), TokenType: "bearer"})
}

// authed checks the bearer token before next.
func (s *simulator) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			fail(w, http.StatusUnauthorized, "Authorization required")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			fail(w, http.StatusUnauthorized, "Invalid access token")
		case !s.cfg.now().Before(exp):
			fail(w, http.StatusUnauthorized, "Access token expired")
		default:
			next(w, r)
		}
	}
}

// topLevel are the NewUser properties; anything else is refused so that a
// misspelt key is caught rather than silently dropped.
var topLevel = []string{"departmentId", "fields", "password", "role", "roleId", "manageableDepartmentIds",
	"groupIds", "roles", "sendLoginEmail", "invitationMessage", "sendLoginSMS", "invitationSMSMessage"}

func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	body, err := sim.ReadJSON(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "Wrong parameters. The body is not a NewUser JSON object")
		return
	}
	flat, msg := flatten(body)
	if msg != "" {
		fail(w, http.StatusBadRequest, "Wrong parameters. "+msg)
		return
	}
	rec, errs := schema.FromJSON(Schema, flat)
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "Wrong parameters. "+errs[0].Field+": "+errs[0].Message)
		return
	}
	login, _ := rec["login"].(string)
	email, _ := rec["email"].(string)
	keys := []string{"login:" + login}
	if email != "" {
		keys = append(keys, "email:"+email)
	}

	s.createMu.Lock()
	defer s.createMu.Unlock()
	for i, k := range keys {
		if _, dup := s.store.Find(k); dup {
			what := []string{"login", "email"}[i]
			s.store.Create(s.newID, nil, k) // counts the refused duplicate
			fail(w, http.StatusConflict, "User with the same "+what+" is already registered.")
			return
		}
	}
	if s.licences > 0 && s.store.Len() >= s.licences {
		// 400, the status of a request the account cannot take; the client
		// keys off the documented message, not the status.
		fail(w, http.StatusBadRequest, "Number of user accounts is exceeded")
		return
	}
	u, _ := s.store.Create(s.newID, map[string]any(rec), keys...)
	sim.WriteJSON(w, http.StatusCreated, u.ID)
}

// newID makes a UUID-shaped ID (version 4 layout) unique per simulator.
func (s *simulator) newID(seq int) string {
	p := s.idPrefix // 18 hex digits
	return fmt.Sprintf("%s-%s-4%s-8%s-%s", p[:8], p[8:12], p[12:15], p[15:18], sim.Hex(seq, 12))
}

// flatten turns a NewUser body into the doc's flat parameters for
// schema.FromJSON: fields' entries move up, groupIds becomes groups, roles
// items become "roleType:roleId". It checks what is wire-specific: known
// keys only, REST role spellings in roles, fields holding strings (FromJSON
// checks role's own spelling). role and roleId
// are dropped when roles is given, as the vendor ignores them then.
func flatten(body map[string]any) (map[string]any, string) {
	flat := map[string]any{}
	for k, v := range body {
		if !slices.Contains(topLevel, k) {
			return nil, "Unknown parameter " + k
		}
		switch k {
		case "fields":
			fs, ok := v.(map[string]any)
			if !ok {
				return nil, "fields must be an object"
			}
			for name, fv := range fs {
				if _, ok := fv.(string); !ok && fv != nil {
					return nil, "fields." + name + " must be a string"
				}
				if slices.Contains(profileFields, name) {
					flat[name] = fv
				} // other names are the account's own profile fields
			}
		case "groupIds":
			flat["groups"] = v
		case "roles":
			items, msg := flattenRoles(v)
			if msg != "" {
				return nil, msg
			}
			flat[k] = items
		default:
			flat[k] = v
		}
	}
	if _, ok := body["fields"]; !ok {
		return nil, "fields is required"
	}
	if _, ok := flat["roles"]; ok {
		delete(flat, "role")
		delete(flat, "roleId")
	}
	return flat, ""
}

func flattenRoles(v any) ([]any, string) {
	list, ok := v.([]any)
	if !ok {
		return nil, "roles must be an array of UserRole"
	}
	items := make([]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, "roles must be an array of UserRole"
		}
		id, _ := m["roleId"].(string)
		typ, _ := m["roleType"].(string)
		if id == "" {
			return nil, "roles: roleId is required"
		}
		if !slices.Contains(restRoles, typ) {
			return nil, "roles: roleType must be one of " + strings.Join(restRoles, ", ")
		}
		items = append(items, typ+":"+id)
	}
	return items, ""
}

// simUser is the User object GET /user answers.
type simUser struct {
	UserID       string            `json:"userId"`
	Role         string            `json:"role"`
	DepartmentID string            `json:"departmentId"`
	Status       int               `json:"status"`
	Fields       map[string]string `json:"fields"`
	Groups       []string          `json:"groups,omitempty"`
}

// list serves GET /user with the logins[], emails[], departments[] and
// groups[] filters (all given filters must match).
func (s *simulator) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []simUser{}
	for _, u := range s.store.Users() {
		rec := schema.Record(u.Fields)
		str := func(k string) string { v, _ := rec[k].(string); return v }
		groups, _ := rec["groups"].([]string)
		if !matches(q["logins[]"], str("login")) || !matches(q["emails[]"], str("email")) ||
			!matches(q["departments[]"], str("departmentId")) || !anyMatches(q["groups[]"], groups) {
			continue
		}
		su := simUser{UserID: u.ID, Role: roleLearner, DepartmentID: str("departmentId"), Status: 1,
			Fields: map[string]string{}, Groups: groups}
		if role := str("role"); role != "" {
			su.Role = role
		}
		for _, f := range profileFields {
			if v := str(f); v != "" {
				su.Fields[f] = v
			}
		}
		out = append(out, su)
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// matches reports whether v is one of want (case-insensitive); no filter
// matches everything.
func matches(want []string, v string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, v) })
}

func anyMatches(want, vs []string) bool {
	if len(want) == 0 {
		return true
	}
	return slices.ContainsFunc(vs, func(v string) bool { return matches(want, v) })
}
