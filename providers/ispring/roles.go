package ispring

import (
	"regexp"
	"slices"
	"strings"
)

// REST role names (UserRoleEnum), the spelling that goes on the wire.
const (
	roleLearner   = "learner"
	roleAdmin     = "administrator"
	roleDeptAdmin = "department_administrator"
	rolePublisher = "publisher"
	roleCustom    = "custom"
)

// restRoles is UserRoleEnum in spec order.
var restRoles = []string{roleLearner, roleAdmin, roleDeptAdmin, rolePublisher, roleCustom}

// docRoleSynonyms maps the doc's (SOAP) role names to the REST names.
// "supervisor" has no REST twin: a Supervisor is a role with its own ID in
// the account, so it is sent as "custom" and needs that roleId.
var docRoleSynonyms = map[string]string{
	"learners":                  roleLearner,
	"account_administrators":    roleAdmin,
	"department_administrators": roleDeptAdmin,
	"course_authors":            rolePublisher,
	"supervisor":                roleCustom,
}

// adminRoles are the administrative roles a second entry of roles may hold.
var adminRoles = []string{roleAdmin, roleDeptAdmin, roleCustom}

// canonicalRole returns the REST spelling of a role name given in either
// spelling, any case.
func canonicalRole(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(restRoles, s) {
		return s, true
	}
	r, ok := docRoleSynonyms[s]
	return r, ok
}

// managesDepartments reports whether a role needs manageableDepartmentIds.
func managesDepartments(role string) bool {
	return role == roleDeptAdmin || role == roleCustom
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const uuidText = "a UUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301"

// roleItem is one entry of the roles list: roster form "roleType:roleId".
type roleItem struct {
	Type string // REST spelling
	ID   string
}

const roleItemText = "roleType:roleId, e.g. learner:3f2504e0-4f89-11d3-9a0c-0305e82c3301 (roleType one of learner, administrator, department_administrator, publisher, custom)"

// parseRoleItem parses "roleType:roleId".
func parseRoleItem(s string) (roleItem, bool) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok {
		return roleItem{}, false
	}
	rt, ok := canonicalRole(typ)
	id = strings.TrimSpace(id)
	if !ok || !uuidRE.MatchString(id) {
		return roleItem{}, false
	}
	return roleItem{Type: rt, ID: id}, true
}

// checkRoleItem is the roles field's per-item Check.
func checkRoleItem(s string) string {
	if _, ok := parseRoleItem(s); !ok {
		return roleItemText
	}
	return ""
}
