package bksb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// simOrgID is the organisation the simulator's access key belongs to.
const simOrgID = 4127

// simulator answers as bksb's ASP.NET Web API does: {"Message"} bodies,
// ModelState for invalid requests, a bare integer from getUserId.
type simulator struct {
	keyID, secret string
	store         *sim.Store
}

// NewSimulator returns a simulator of createUser, getUserId and
// isUsernameExists, wrapped in the fault middleware.
func NewSimulator(opt sim.Options) *sim.Server {
	s := &simulator{keyID: "sim-key-" + sim.RandomHex(8), secret: "sim-secret-" + sim.RandomHex(16), store: sim.NewStore()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/users/createUser", s.authed(s.create))
	mux.HandleFunc("GET /api/users/user/getUserId", s.authed(s.getUserID))
	mux.HandleFunc("GET /api/users/isUsernameExists", s.authed(s.usernameExists))
	mux.HandleFunc("/", notFound)
	return sim.NewServer(opt, mux, s.store, map[string]string{envKeyID: s.keyID, envSecret: s.secret})
}

func message(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"Message": msg})
}

// notFound is Web API's answer when no route or action matches.
func notFound(w http.ResponseWriter, r *http.Request) {
	message(w, http.StatusNotFound, fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", r.URL.String()))
}

// authed checks HTTP Basic credentials as the [Authorize] filter does.
func (s *simulator) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || !sim.SameSecret(id, s.keyID) || !sim.SameSecret(secret, s.secret) {
			message(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
			return
		}
		next(w, r)
	}
}

// invalid writes the Web API answer for a failed model validation.
func invalid(w http.ResponseWriter, modelState map[string][]string) {
	sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"Message": "The request is invalid.", "ModelState": modelState})
}

func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/json") {
		// The doc also lists XML and form bodies; the simulator speaks JSON only.
		message(w, http.StatusUnsupportedMediaType, fmt.Sprintf("The request entity's media type '%s' is not supported for this resource.", ct))
		return
	}
	body, err := sim.ReadJSON(r)
	if err != nil {
		invalid(w, map[string][]string{"request": {"Unexpected end when reading JSON. Path '', line 1."}})
		return
	}
	if ms := wireCheck(body); len(ms) > 0 {
		invalid(w, ms)
		return
	}
	rec, errs := schema.FromJSON(Schema, body)
	if len(errs) > 0 {
		ms := map[string][]string{}
		for _, fe := range errs {
			ms["request."+fe.Field] = append(ms["request."+fe.Field], annotation(fe))
		}
		invalid(w, ms)
		return
	}
	username, _ := rec["Username"].(string)
	obj := userObject(rec)
	_, existed := s.store.Create(func(seq int) string {
		// Set under the store's lock, before the object is shared.
		id := 100000 + seq
		obj["UserId"] = id
		return strconv.Itoa(id)
	}, obj, Schema.KeyOf(rec))
	if existed {
		message(w, http.StatusBadRequest, fmt.Sprintf("A user with the username '%s' already exists.", username))
		return
	}
	sim.WriteJSON(w, http.StatusOK, obj)
}

// wireCheck is what Json.NET refuses to bind: a non-string for a string, a
// non-boolean for AutoEnrolCourses, DateOfBirth not a SimpleDateTime object
// of whole numbers. Unknown keys are ignored, as Json.NET does.
func wireCheck(body map[string]any) map[string][]string {
	ms := map[string][]string{}
	for _, f := range Schema.Fields {
		v, ok := body[f.Name]
		if !ok || v == nil {
			continue
		}
		key := "request." + f.Name
		switch f.Type {
		case schema.Boolean:
			if _, ok := v.(bool); !ok {
				ms[key] = append(ms[key], fmt.Sprintf("Could not convert %v to boolean. Path '%s'.", v, f.Name))
			}
		case schema.Date:
			obj, ok := v.(map[string]any)
			if !ok {
				ms[key] = append(ms[key], fmt.Sprintf("Error converting value %q to type 'SimpleDateTime'. Path '%s'.", fmt.Sprint(v), f.Name))
				continue
			}
			for _, part := range []string{"Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond"} {
				if n, isNum := obj[part].(float64); obj[part] != nil && (!isNum || n != float64(int(n))) {
					ms[key+"."+part] = append(ms[key+"."+part], fmt.Sprintf("Could not convert %v to integer. Path '%s.%s'.", obj[part], f.Name, part))
				}
			}
		default:
			if _, ok := v.(string); !ok {
				ms[key] = append(ms[key], fmt.Sprintf("Unexpected value for a string. Path '%s'.", f.Name))
			}
		}
	}
	return ms
}

// annotation words a schema error as a .NET data annotation would.
func annotation(fe schema.FieldError) string {
	switch {
	case fe.Code == schema.MissingRequired:
		return fmt.Sprintf("The %s field is required.", fe.Field)
	case fe.Field == "Email":
		return "The Email field is not a valid e-mail address."
	case fe.Field == "DateOfBirth":
		return "The DateOfBirth field must be a valid date."
	}
	return fmt.Sprintf("The field %s %s.", fe.Field, fe.Message)
}

// netTime is how Web API writes a DateTimeOffset.
const netTime = "2006-01-02T15:04:05.0000000-07:00"

// userObject is the documented User resource for a created record.
func userObject(rec schema.Record) map[string]any {
	obj := map[string]any{
		"UserId": nil, "OrgId": simOrgID, "Username": rec["Username"], "Firstname": rec["Firstname"],
		"Lastname": rec["Lastname"], "IsArchived": false, "Email": rec["Email"], "DateOfBirth": nil,
		"ProfilePhotoUrl": nil, "DateCreated": time.Now().UTC().Format(netTime), "LastActivity": nil,
		"IsStaff": false, "AdvancedID": nil,
	}
	if t, ok := rec.DateOf("DateOfBirth"); ok {
		obj["DateOfBirth"] = t.Format(netTime)
	}
	return obj
}

// getUserID answers the bare UserId, or 0 when nobody has the username.
func (s *simulator) getUserID(w http.ResponseWriter, r *http.Request) {
	username, ok := r.URL.Query()["username"]
	if !ok {
		notFound(w, r) // Web API: no action matches without the parameter
		return
	}
	id := 0
	if u, found := s.store.Find(Schema.KeyOf(schema.Record{"Username": username[0]})); found {
		id, _ = strconv.Atoi(u.ID)
	}
	sim.WriteJSON(w, http.StatusOK, id)
}

// usernameExists answers true or false.
func (s *simulator) usernameExists(w http.ResponseWriter, r *http.Request) {
	username, ok := r.URL.Query()["username"]
	if !ok {
		notFound(w, r)
		return
	}
	_, found := s.store.Find(Schema.KeyOf(schema.Record{"Username": username[0]}))
	sim.WriteJSON(w, http.StatusOK, found)
}
