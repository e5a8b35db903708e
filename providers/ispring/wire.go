package ispring

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/onboard/onboard/schema"
)

// newUser is the REST NewUser body. Absent Record fields are omitted;
// booleans are pointers so that an explicit false is still sent.
type newUser struct {
	DepartmentID            string            `json:"departmentId,omitempty"`
	Fields                  map[string]string `json:"fields"`
	Password                string            `json:"password,omitempty"`
	Role                    string            `json:"role,omitempty"`
	RoleID                  string            `json:"roleId,omitempty"`
	ManageableDepartmentIDs []string          `json:"manageableDepartmentIds,omitempty"`
	GroupIDs                []string          `json:"groupIds,omitempty"`
	Roles                   []userRole        `json:"roles,omitempty"`
	SendLoginEmail          *bool             `json:"sendLoginEmail,omitempty"`
	InvitationMessage       string            `json:"invitationMessage,omitempty"`
	SendLoginSMS            *bool             `json:"sendLoginSMS,omitempty"`
	InvitationSMSMessage    string            `json:"invitationSMSMessage,omitempty"`
}

// userRole is UserRole.
type userRole struct {
	RoleID                  string   `json:"roleId"`
	ManageableDepartmentIDs []string `json:"manageableDepartmentIds,omitempty"`
	RoleType                string   `json:"roleType,omitempty"`
}

// buildNewUser turns a validated Record into the wire body.
func buildNewUser(rec schema.Record) newUser {
	str := func(k string) string { s, _ := rec[k].(string); return s }
	list := func(k string) []string { l, _ := rec[k].([]string); return l }
	flag := func(k string) *bool {
		if b, ok := rec[k].(bool); ok {
			return &b
		}
		return nil
	}
	u := newUser{
		DepartmentID:            str("departmentId"),
		Fields:                  map[string]string{},
		Password:                str("password"),
		ManageableDepartmentIDs: list("manageableDepartmentIds"),
		GroupIDs:                list("groups"),
		SendLoginEmail:          flag("sendLoginEmail"),
		InvitationMessage:       str("invitationMessage"),
		SendLoginSMS:            flag("sendLoginSMS"),
		InvitationSMSMessage:    str("invitationSMSMessage"),
	}
	for _, f := range profileFields {
		if v := str(f); v != "" {
			u.Fields[f] = v
		}
	}
	for _, s := range list("roles") {
		it, ok := parseRoleItem(s)
		if !ok {
			continue // validation rejected the row already
		}
		r := userRole{RoleID: it.ID, RoleType: it.Type}
		if managesDepartments(it.Type) {
			r.ManageableDepartmentIDs = u.ManageableDepartmentIDs
		}
		u.Roles = append(u.Roles, r)
	}
	if len(u.Roles) == 0 {
		// roles wins when given: the vendor ignores role and roleId then,
		// so they are only sent without it.
		if r, ok := canonicalRole(str("role")); ok {
			u.Role = r
		}
		u.RoleID = str("roleId")
	}
	return u
}

// parseCreatedID reads the 201 body: the user ID as a JSON string
// ("\"uuid\"") or, from lenient servers, bare.
func parseCreatedID(body []byte) string {
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, `"`) {
		var id string
		if json.Unmarshal([]byte(s), &id) != nil {
			return ""
		}
		s = strings.TrimSpace(id)
	}
	if !idRE.MatchString(s) {
		return ""
	}
	return s
}

// idRE is what is accepted as a created ID: the spec says UUID, but any
// plain token is kept rather than losing a created user's ID.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
