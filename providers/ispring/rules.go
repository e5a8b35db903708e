package ispring

import (
	"fmt"
	"slices"

	"github.com/onboard/onboard/schema"
)

// roleRule and rolesRule are the doc's role rules, which vendor.yaml
// names (ispring_role, ispring_roles); its required_if rules are data.
var (
	roleRule = schema.Rule{
		Name: "roleId and manageableDepartmentIds required by role",
		Description: "A custom role (supervisor included) needs roleId; department_administrator and custom need manageableDepartmentIds. " +
			"Not checked when roles is given: the vendor then ignores role and roleId.",
		Check: checkRole,
	}
	rolesRule = schema.Rule{
		Name: "roles: one or two roles, at most one administrative",
		Description: "With two roles one must be learner and the other administrator, department_administrator or custom; " +
			"department_administrator and custom entries need manageableDepartmentIds.",
		Check: checkRoles,
	}
)

func checkRole(r schema.Record) []schema.FieldError {
	if _, ok := r["roles"]; ok {
		return nil // roles wins: role and roleId are ignored
	}
	role, _ := r["role"].(string)
	var errs []schema.FieldError
	if _, ok := r["roleId"]; role == roleCustom && !ok {
		errs = append(errs, schema.FieldError{
			Field: "roleId", Code: schema.MissingRequired,
			Message: "is required when role is custom or supervisor: the UUID of that role in the account",
		})
	}
	if _, ok := r["manageableDepartmentIds"]; managesDepartments(role) && !ok {
		errs = append(errs, schema.FieldError{
			Field: "manageableDepartmentIds", Code: schema.MissingRequired,
			Message: fmt.Sprintf("is required when role is %s: the UUIDs of the departments the user manages", role),
		})
	}
	return errs
}

func checkRoles(r schema.Record) []schema.FieldError {
	raw, _ := r["roles"].([]string)
	if len(raw) == 0 {
		return nil
	}
	items := make([]roleItem, 0, len(raw))
	for _, s := range raw {
		if it, ok := parseRoleItem(s); ok {
			items = append(items, it)
		}
	}
	conflict := func(msg string) []schema.FieldError {
		return []schema.FieldError{{Field: "roles", Code: schema.ConflictingFields, Message: msg}}
	}
	switch {
	case len(raw) > 2:
		return conflict(fmt.Sprintf("at most two roles, got %d: the user won't be added", len(raw)))
	case len(items) == 2:
		a, b := items[0].Type, items[1].Type
		if a != roleLearner {
			a, b = b, a
		}
		if a != roleLearner || !slices.Contains(adminRoles, b) {
			return conflict(fmt.Sprintf("with two roles one must be learner and the other administrator, department_administrator or custom (got %s and %s): the user won't be added",
				items[0].Type, items[1].Type))
		}
	}
	if _, ok := r["manageableDepartmentIds"]; !ok {
		for _, it := range items {
			if managesDepartments(it.Type) {
				return []schema.FieldError{{
					Field: "manageableDepartmentIds", Code: schema.MissingRequired,
					Message: fmt.Sprintf("is required when roles has a %s entry: the UUIDs of the departments the user manages", it.Type),
				}}
			}
		}
	}
	return nil
}
