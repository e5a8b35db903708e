package alphalearn

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// firstUserID makes the simulator's first user "126", the doc's sample ID.
const firstUserID = 125

// NewSimulator returns a simulator of POST /user/create and GET
// /user/user-list. Like the vendor, it answers validation failures and
// duplicates with HTTP 200 and success false (the doc shows no failure
// envelope; this shape is the documented success envelope with the error
// part filled). A bad token gets HTTP 401 with the same envelope and code
// 1001 (an assumption: the codes below 1007 are not documented).
func NewSimulator(opt sim.Options) *sim.Server {
	s := &simulator{store: sim.NewStore(), token: "sim-token-" + sim.RandomHex(16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /user/create", s.authed(s.create))
	mux.HandleFunc("GET /user/user-list", s.authed(s.list))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		answer(w, http.StatusNotFound, "Failure", nil, "", "Not found")
	})
	return sim.NewServer(opt, mux, s.store, map[string]string{EnvToken: s.token})
}

type simulator struct {
	store *sim.Store
	token string
}

// answer writes the vendor's envelope. data is data.response.data.
func answer(w http.ResponseWriter, status int, ack string, data any, code, msg string) {
	if data == nil {
		data = map[string]any{}
	}
	sim.WriteJSON(w, status, map[string]any{
		"success": code == "" && msg == "",
		"data": map[string]any{"response": map[string]any{
			"acknowledgement": ack,
			"data":            data,
			"error":           map[string]any{"code": code, "internal_message": msg, "moreInfo": []any{}},
		}},
	})
}

// refuse answers a failure the vendor way: HTTP 200, success false.
func refuse(w http.ResponseWriter, c vendorCode) {
	answer(w, http.StatusOK, "Failure", nil, c.Code, c.Message)
}

func (s *simulator) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sim.HasBearer(r, s.token) {
			answer(w, http.StatusUnauthorized, "Failure", nil, "1001", "Invalid or expired token")
			return
		}
		next(w, r)
	}
}

func (s *simulator) create(w http.ResponseWriter, r *http.Request) {
	body, err := sim.ReadJSON(r)
	if err != nil {
		answer(w, http.StatusBadRequest, "Failure", nil, "", "Invalid request body: a JSON object is expected")
		return
	}
	for k := range body {
		// An unknown key is refused so that a misspelt one is caught
		// rather than dropped (the vendor's own behaviour is not documented).
		if Schema.Field(k) == nil {
			answer(w, http.StatusOK, "Failure", nil, "", "Invalid parameter "+k)
			return
		}
	}
	rec, errs := schema.FromJSON(Schema, body)
	if len(errs) > 0 {
		fe := errs[0]
		if c, ok := codeFor(fe.Field, fe.Code == schema.MissingRequired); ok {
			refuse(w, c)
		} else {
			answer(w, http.StatusOK, "Failure", nil, "", "Invalid "+fe.Field)
		}
		return
	}
	email, _ := rec["email"].(string)
	u, existed := s.store.Create(func(seq int) string { return strconv.Itoa(firstUserID + seq) }, map[string]any(rec), "email:"+email)
	if existed {
		c, _ := byCode(codeDuplicate)
		refuse(w, c)
		return
	}
	answer(w, http.StatusOK, "Success", map[string]any{"userId": u.ID}, "", "")
}

// list serves user-list: firstRecord (1-based) and count (1..50) page the
// users in ID order, q keeps those whose name or email contains it.
func (s *simulator) list(w http.ResponseWriter, r *http.Request) {
	first, err := strconv.Atoi(r.URL.Query().Get("firstRecord"))
	if err != nil || first < 1 {
		answer(w, http.StatusOK, "Failure", nil, "1003", "Invalid firstRecord")
		return
	}
	count, err := strconv.Atoi(r.URL.Query().Get("count"))
	if err != nil || count < 1 || count > pageSize {
		answer(w, http.StatusOK, "Failure", nil, "1004", "Invalid count")
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var all []listedUser
	for _, u := range s.store.Users() {
		rec := schema.Record(u.Fields)
		str := func(k string) string { v, _ := rec[k].(string); return v }
		lu := listedUser{UserID: flexString(u.ID), FirstName: str("firstName"), LastName: str("lastName"), Email: str("email"),
			CountryCode: str("countryCode"), Mobile: str("mobile"), UniqueID: str("uniqueId")}
		if role, ok := rec["roleId"].(int64); ok {
			lu.Role = strconv.FormatInt(role, 10)
		}
		hay := strings.ToLower(lu.FirstName + " " + lu.LastName + " " + lu.Email)
		if q == "" || strings.Contains(hay, q) {
			all = append(all, lu)
		}
	}
	slices.SortFunc(all, func(a, b listedUser) int {
		x, _ := strconv.Atoi(string(a.UserID))
		y, _ := strconv.Atoi(string(b.UserID))
		return x - y
	})
	page := []listedUser{}
	if first-1 < len(all) {
		page = all[first-1 : min(len(all), first-1+count)]
	}
	answer(w, http.StatusOK, "Success", listData{UserList: page, TotalRecords: len(all)}, "", "")
}
