package ispring

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// updateUser is the REST UpdateUser body of POST /user/{userId} ("Update
// user profile"). Its fields require login and email, so both are always
// sent with the changed profile fields.
type updateUser struct {
	DepartmentID string            `json:"departmentId,omitempty"`
	Role         string            `json:"role,omitempty"`
	RoleID       string            `json:"roleId,omitempty"`
	Fields       map[string]string `json:"fields"`
	GroupIDs     []string          `json:"groupIds,omitempty"`
}

// updateFields are the roster fields UpdateUser takes: the profile fields,
// the department, the role and the groups. A password has its own call
// (POST /user/{userId}/password), the invitations are create-only.
var updateFields = append([]string{"departmentId", "role", "roleId", "groups"}, profileFields...)

var _ providers.Updater = (*Client)(nil)

// Updatable reports whether the update call takes field.
func (c *Client) Updatable(field string) bool { return slices.Contains(updateFields, field) }

var _ providers.RowUpdateChecker = (*Client)(nil)

// CannotUpdate: UpdateUser's fields require the login and the email, and
// onboard keeps no values (only digests), so the row must hold both.
func (c *Client) CannotUpdate(rec schema.Record) string {
	var lack []string
	for _, f := range []string{"login", "email"} {
		if v, _ := rec[f].(string); v == "" {
			lack = append(lack, f)
		}
	}
	if len(lack) == 0 {
		return ""
	}
	return "iSpring's update call needs the person's login and email, and this row has no " + strings.Join(lack, " and ") +
		": add it to the row to send the changes"
}

// Update sends one POST /user/{userId} with the changed fields, and the
// login and email UpdateUser requires.
func (c *Client) Update(ctx context.Context, id string, changed []string, rec schema.Record) error {
	str := func(k string) string { s, _ := rec[k].(string); return s }
	body := updateUser{Fields: map[string]string{}}
	for _, f := range []string{"login", "email"} {
		if v := str(f); v != "" {
			body.Fields[f] = v
		}
	}
	for _, f := range changed {
		switch {
		case !c.Updatable(f):
		case f == "departmentId":
			body.DepartmentID = str(f)
		case f == "role":
			body.Role, _ = canonicalRole(str(f))
		case f == "roleId":
			body.RoleID = str(f)
		case f == "groups":
			body.GroupIDs, _ = rec[f].([]string)
		default:
			if v := str(f); v != "" {
				body.Fields[f] = v
			}
		}
	}
	resp, err := c.call(ctx, http.MethodPost, "/user/"+id, body)
	if err != nil {
		return err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return classify(resp, c.now())
	}
	return nil
}

// updateTop are UpdateUser's properties.
var updateTop = []string{"departmentId", "role", "roleId", "roles", "fields", "groupIds", "manageableDepartmentIds"}

// update is the simulator's POST /user/{userId}: UpdateUser's keys only,
// fields with login and email (required by the spec), each value checked as
// on create.
func (s *simulator) update(w http.ResponseWriter, r *http.Request) {
	body, err := sim.ReadJSON(r)
	if err != nil {
		fail(w, http.StatusBadRequest, "Wrong parameters. The body is not an UpdateUser JSON object")
		return
	}
	for k := range body {
		if !slices.Contains(updateTop, k) {
			fail(w, http.StatusBadRequest, "Wrong parameters. Unknown parameter "+k)
			return
		}
	}
	fs, _ := body["fields"].(map[string]any)
	if fs["login"] == nil || fs["email"] == nil {
		fail(w, http.StatusBadRequest, "Wrong parameters. fields.login and fields.email are required")
		return
	}
	flat, msg := flatten(body)
	if msg != "" {
		fail(w, http.StatusBadRequest, "Wrong parameters. "+msg)
		return
	}
	rec, errs := schema.FromJSON(Schema, flat)
	for _, fe := range errs {
		if _, sent := flat[fe.Field]; sent || fe.Code != schema.MissingRequired {
			fail(w, http.StatusBadRequest, "Wrong parameters. "+fe.Field+": "+fe.Message)
			return
		}
	}
	id := r.PathValue("userId")
	s.createMu.Lock()
	defer s.createMu.Unlock()
	u, ok := s.store.ByID(id)
	if !ok {
		fail(w, http.StatusNotFound, "User not found")
		return
	}
	login, _ := rec["login"].(string)
	email, _ := rec["email"].(string)
	if o, ok := s.store.Find("email:" + email); ok && o.ID != u.ID {
		fail(w, http.StatusConflict, "User with the same email is already registered.")
		return
	}
	set := map[string]any{}
	for k, v := range rec {
		set[k] = v
	}
	if _, clash := s.store.Update(id, set, "login:"+strings.ToLower(login)); clash {
		fail(w, http.StatusConflict, "User with the same login is already registered.")
		return
	}
	w.WriteHeader(http.StatusOK)
}
