package smartapp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// The vendor's documented answers. Error bodies are not shown in the doc;
// the simulator sends {"message": <documented text>} (an assumption).
const (
	msgInvalid   = "Invalid emailId, Company, CompanyLocation, or Email"
	msgLicences  = "Insufficient user licences"
	msgDuplicate = "email already exists"
	msgForbidden = "Forbidden"
	msgBadUserID = "Invalid User Id"
	// The update's documented answers.
	msgUpdateInvalid = "Invalid email id, company, user id, company location , or email"
	msgUpdateEmail   = "email"
)

// getUserPath is assumed from the company endpoints' style
// (GET /company/get/uniqueid?UniqueID=).
const getUserPath = "/user/get/uniqueid"

// Companies are the companies, with their locations, every simulator
// starts with: a user's companyName and companyLocationName must name one
// of them (case-insensitively), as at the vendor.
var Companies = map[string][]string{
	"smartapp.com": {"headquarters"},
	"Acme Corp":    {"headquarters", "Boston"},
	"Globex":       {"headquarters", "London"},
}

// simulator is the vendor state behind one Server.
type simulator struct {
	token     string
	store     *sim.Store
	locations map[string]bool // lower("company\x00location")
	licences  int             // per licence type; 0 means unlimited

	mu   sync.Mutex     // makes duplicate check, licence count and create one step
	used map[string]int // licence type → users created with it
}

// NewSimulator returns a smartapp simulator with the seeded Companies and
// opt.Licences licences of each type: the doc says a user needs "enough
// licences of that category", so LicencedUser and TransactionBasedUser
// each have their own pool, and the create that finds its pool used up
// gets 401 "Insufficient user licences". A missing or wrong bearer token
// gets 403 Forbidden: the doc shows no auth scheme and 401 is taken by
// licences, so that answer is our assumption.
func NewSimulator(opt sim.Options) *sim.Server {
	s := &simulator{
		token:     "sim-token-" + sim.RandomHex(16),
		store:     sim.NewStore(),
		locations: map[string]bool{},
		licences:  opt.Licences,
		used:      map[string]int{},
	}
	for company, locs := range Companies {
		for _, l := range locs {
			s.locations[locationKey(company, l)] = true
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+createPath, s.create)
	mux.HandleFunc("GET "+getUserPath, s.get)
	mux.HandleFunc("GET "+listPath, s.list)
	mux.HandleFunc("POST "+updatePath, s.update)
	return sim.NewServer(opt, s.auth(mux), s.store, map[string]string{TokenEnv: s.token})
}

func locationKey(company, location string) string {
	return strings.ToLower(company) + "\x00" + strings.ToLower(location)
}

func answer(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]string{"message": msg})
}

// auth admits only "Authorization: Bearer <token>".
func (s *simulator) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sim.HasBearer(r, s.token) {
			answer(w, http.StatusForbidden, msgForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// create is POST /user/create.
func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	body, err := sim.ReadJSON(r)
	if err != nil {
		answer(w, http.StatusBadRequest, msgInvalid)
		return
	}
	// Unknown keys are refused (stricter than the vendor may be) so that a
	// client misspelling a field fails here instead of being ignored.
	for k := range body {
		if Schema.Field(k) == nil {
			answer(w, http.StatusBadRequest, msgInvalid)
			return
		}
	}
	rec, errs := schema.FromJSON(Schema, body)
	if len(errs) > 0 {
		answer(w, http.StatusBadRequest, msgInvalid)
		return
	}
	company, _ := rec["companyName"].(string)
	location, _ := rec["companyLocationName"].(string)
	if !s.locations[locationKey(company, location)] {
		answer(w, http.StatusBadRequest, msgInvalid)
		return
	}
	licence, _ := rec["licenceType"].(string)
	if licence == "" {
		licence = LicencedUser // the documented default
	}

	id, gid := newUUID(), newUUID()
	key := Schema.KeyOf(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	// A duplicate is refused as a duplicate even when licences are out.
	if _, dup := s.store.Find(key); !dup && s.licences > 0 && s.used[licence] >= s.licences {
		answer(w, http.StatusUnauthorized, msgLicences)
		return
	}
	if _, dup := s.store.Create(func(int) string { return id }, userObject(id, gid, licence, rec), key); dup {
		answer(w, http.StatusPaymentRequired, msgDuplicate)
		return
	}
	s.used[licence]++
	sim.WriteJSON(w, http.StatusOK, map[string]string{"email": rec["email"].(string), "userID": id, "globalUserID": gid})
}

// userObject is the user as get and list show it: uniqueID rather than
// userID, and the licence type spelled with spaces.
func userObject(id, gid, licence string, rec schema.Record) map[string]any {
	email := rec["email"].(string)
	name, _, _ := strings.Cut(email, "@")
	u := map[string]any{
		"uniqueID":         id,
		"globalUserID":     gid,
		"displayName":      name,
		"userName":         name,
		"status":           "Active",
		"company":          map[string]any{"name": rec["companyName"], "location": rec["companyLocationName"]},
		"licenceType":      map[string]string{LicencedUser: "Licenced User", TransactionBasedUser: "Transaction Based User"}[licence],
		"metadata":         map[string]any{},
		"applicationRoles": []string{},
		"groups":           []string{},
		"dashboardGroups":  []string{},
	}
	for _, f := range []string{"firstName", "lastName", "email", "phone", "fax", "metadata", "applicationRoles", "groups", "dashboardGroups"} {
		if v, ok := rec[f]; ok {
			u[f] = v
		}
	}
	return u
}

// get is GET /user/get/uniqueid?UniqueID=<uuid> (path assumed from the
// company endpoints' style).
func (s *simulator) get(w http.ResponseWriter, r *http.Request) {
	u, ok := s.store.ByID(r.URL.Query().Get("UniqueID"))
	if !ok {
		answer(w, http.StatusBadRequest, msgBadUserID)
		return
	}
	sim.WriteJSON(w, http.StatusOK, u.Fields)
}

// list is GET /user/list with an optional email filter (both assumed: the
// doc shows only the answer, {"totalCount", "users"}, without paging).
func (s *simulator) list(w http.ResponseWriter, r *http.Request) {
	users := []any{}
	if email := r.URL.Query().Get("email"); email != "" {
		if u, ok := s.store.Find("email:" + email); ok {
			users = append(users, u.Fields)
		}
	} else {
		for _, u := range s.store.Users() {
			users = append(users, u.Fields)
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"totalCount": len(users), "users": users})
}

// newUUID returns a random version 4 UUID, as the vendor's IDs are.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
