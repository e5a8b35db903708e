package scim

import (
	"strings"

	"github.com/onboard/onboard/schema"
)

// userResource is the SCIM User for rec (RFC 7643 §4.1, §4.3): core
// attributes at the top, name's sub-attributes under "name", the email and
// phone as one "work" entry each (the email primary), the enterprise
// attributes under their schema URN, and schemas[] listing exactly the
// schemas used. Absent fields are left out, never sent empty.
func userResource(rec schema.Record) map[string]any {
	u := map[string]any{}
	schemas := []string{urnUser}
	for _, a := range []string{"userName", "displayName", "title", "externalId", "active"} {
		if v, ok := rec[a]; ok {
			u[a] = v
		}
	}
	name := map[string]any{}
	for _, a := range []string{"givenName", "familyName"} {
		if v, ok := rec[a]; ok {
			name[a] = v
		}
	}
	if len(name) > 0 {
		u["name"] = name
	}
	if v, ok := rec["email"]; ok {
		u["emails"] = []any{map[string]any{"value": v, "type": "work", "primary": true}}
	}
	if v, ok := rec["phone"]; ok {
		u["phoneNumbers"] = []any{map[string]any{"value": v, "type": "work"}}
	}
	ent := map[string]any{}
	for _, a := range []string{"employeeNumber", "department"} {
		if v, ok := rec[a]; ok {
			ent[a] = v
		}
	}
	if v, ok := rec["manager"]; ok {
		ent["manager"] = map[string]any{"value": v}
	}
	if len(ent) > 0 {
		u[urnEnterprise] = ent
		schemas = append(schemas, urnEnterprise)
	}
	u["schemas"] = schemas
	return u
}

// patchPaths are the PATCH path of each field (RFC 7644 §3.5.2: attribute
// paths, sub-attributes with ".", extension attributes after their URN and
// ":"). No path holds a value filter (emails[type eq "work"].value): GitHub
// and others refuse filtered paths, so the email and the phone replace
// their whole list with the one entry the create sent.
var patchPaths = map[string]string{
	"userName":       "userName",
	"givenName":      "name.givenName",
	"familyName":     "name.familyName",
	"displayName":    "displayName",
	"email":          "emails",
	"phone":          "phoneNumbers",
	"title":          "title",
	"externalId":     "externalId",
	"active":         "active",
	"employeeNumber": urnEnterprise + ":employeeNumber",
	"department":     urnEnterprise + ":department",
	"manager":        urnEnterprise + ":manager",
}

// replaceOps are the PatchOp operations that set the fields in changed to
// their values in rec: one replace each, in changed's order, each value
// shaped as in the created User. A field changed to empty is absent from
// rec and so not sent: onboard never removes an attribute.
func replaceOps(changed []string, rec schema.Record) []any {
	var ops []any
	for _, f := range changed {
		p, ok := patchPaths[f]
		v, set := rec[f]
		if !ok || !set {
			continue
		}
		switch f {
		case "email":
			v = []any{map[string]any{"value": v, "type": "work", "primary": true}}
		case "phone":
			v = []any{map[string]any{"value": v, "type": "work"}}
		case "manager":
			v = map[string]any{"value": v}
		}
		ops = append(ops, map[string]any{"op": "replace", "path": p, "value": v})
	}
	return ops
}

// fieldIn returns the schema field a SCIM error detail names ("Attribute
// 'name.givenName' is required", "emails: not a valid email"), or "".
// Longer attribute paths are tried first, so name.givenName wins over name.
func fieldIn(detail string) string {
	if detail == "" {
		return ""
	}
	d := strings.ToLower(detail)
	for _, c := range detailNames {
		if i := strings.Index(d, c.attr); i >= 0 && wordAt(d, i, len(c.attr)) {
			return c.field
		}
	}
	return ""
}

// detailNames are the attribute spellings a detail may use, longest first.
var detailNames = []struct{ attr, field string }{
	{"employeenumber", "employeeNumber"},
	{"name.familyname", "familyName"},
	{"name.givenname", "givenName"},
	{"phonenumbers", "phone"},
	{"displayname", "displayName"},
	{"department", "department"},
	{"externalid", "externalId"},
	{"familyname", "familyName"},
	{"givenname", "givenName"},
	{"username", "userName"},
	{"manager", "manager"},
	{"emails", "email"},
	{"active", "active"},
	{"title", "title"},
	{"email", "email"},
}

// wordAt reports whether d[i:i+n] stands alone: no letter or digit right
// before or after it.
func wordAt(d string, i, n int) bool {
	isWord := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }
	return (i == 0 || !isWord(d[i-1])) && (i+n >= len(d) || !isWord(d[i+n]))
}
