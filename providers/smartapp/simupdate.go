package smartapp

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// updatePath is assumed like getUserPath (vendor.yaml's update).
const updatePath = "/user/update/uniqueid"

// updateFields are what the update takes (vendor.yaml's update.fields).
var updateFields = []string{"firstName", "lastName", "email", "phone", "fax", "companyName",
	"companyLocationName", "licenceType", "metadata", "applicationRoles"}

// update is the simulator's POST /user/update/uniqueid?UniqueID=: the
// documented answers ("user was updated", 400 for a bad user, company or
// location, 402 for an email another user has), partial by design.
func (s *simulator) update(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("UniqueID")
	body, err := sim.ReadJSON(r)
	if err != nil {
		answer(w, http.StatusBadRequest, msgUpdateInvalid)
		return
	}
	for k := range body {
		if !slices.Contains(updateFields, k) {
			answer(w, http.StatusBadRequest, msgUpdateInvalid)
			return
		}
	}
	u, ok := s.store.ByID(id)
	if !ok {
		answer(w, http.StatusBadRequest, msgUpdateInvalid)
		return
	}
	// Check the merged user as create would: the stored values in the
	// create parameters' shape, then the changes.
	merged := map[string]any{}
	for _, f := range Schema.Fields {
		if v, ok := u.Fields[f.Name]; ok {
			merged[f.Name] = jsonShape(v)
		}
	}
	if c, ok := u.Fields["company"].(map[string]any); ok {
		merged["companyName"], merged["companyLocationName"] = c["name"], c["location"]
	}
	delete(merged, "licenceType") // stored spelled with spaces; only a change is checked
	for k, v := range body {
		merged[k] = v
	}
	rec, errs := schema.FromJSON(Schema, merged)
	if len(errs) > 0 {
		answer(w, http.StatusBadRequest, msgUpdateInvalid)
		return
	}
	company, _ := rec["companyName"].(string)
	location, _ := rec["companyLocationName"].(string)
	if !s.locations[locationKey(company, location)] {
		answer(w, http.StatusBadRequest, msgUpdateInvalid)
		return
	}
	set := map[string]any{}
	rekey := ""
	for k := range body {
		switch k {
		case "companyName", "companyLocationName":
			set["company"] = map[string]any{"name": company, "location": location}
		case "licenceType":
			set[k] = map[string]string{LicencedUser: "Licenced User", TransactionBasedUser: "Transaction Based User"}[rec[k].(string)]
		case "email":
			rekey = "email:" + strings.ToLower(rec[k].(string))
			set[k] = rec[k]
		default:
			set[k] = rec[k]
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, clash := s.store.Update(id, set, rekey); clash {
		answer(w, http.StatusPaymentRequired, msgUpdateEmail)
		return
	}
	email, _ := rec["email"].(string)
	gid, _ := u.Fields["globalUserID"].(string)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"email": email, "userID": id, "globalUserID": gid})
}

// jsonShape turns a stored typed value back into what JSON decoding gives.
func jsonShape(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}
