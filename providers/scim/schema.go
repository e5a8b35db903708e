package scim

import "github.com/onboard/onboard/schema"

// Schema URNs (RFC 7643 §8.7.1, §4.3; RFC 7644 §3.5.2, §3.4.2, §3.12).
const (
	urnUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	urnPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	urnList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	urnSPC        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// Schema is the row contract of a SCIM User. Only userName is required:
// it is the one attribute RFC 7643 requires (§4.1.1). A service provider
// that needs more (most want name.givenName and name.familyName) is told so
// with the mapping file's required: list. Field names are the SCIM
// attribute names, flattened; where each goes in the User resource is
// wirePath's business.
var Schema = &schema.Schema{
	Provider: ID,
	// userName: uniqueness server, caseExact false (RFC 7643 §4.1.1).
	Key: []string{"userName"},
	Fields: []schema.Field{
		{Name: "userName", Type: schema.String, Required: true,
			Description: "the unique identifier at the service provider, often the work email (userName)",
			Aliases:     []string{"Username", "User Name", "Login", "Login Name", "UPN", "User Principal Name"},
			Example:     "ann.lee@example.com"},
		{Name: "givenName", Type: schema.String, Description: "given name (name.givenName)",
			Aliases: []string{"First Name", "Given Name", "Forename", "First", "name.givenName"}, Example: "Ann"},
		{Name: "familyName", Type: schema.String, Description: "family name (name.familyName)",
			Aliases: []string{"Last Name", "Surname", "Family Name", "Last", "name.familyName"}, Example: "Lee"},
		{Name: "displayName", Type: schema.String, Description: "the name shown to people (displayName)",
			Aliases: []string{"Display Name", "Full Name", "Preferred Name"}, Example: "Ann Lee"},
		{Name: "email", Type: schema.String, Check: schema.CheckEmail,
			Description: `work email, sent as the primary emails entry of type "work"`,
			Aliases:     []string{"E-mail", "Work Email", "Email Address", "Work E-mail", "Business Email", "emails"},
			Example:     "ann.lee@example.com"},
		{Name: "phone", Type: schema.String, Description: `work phone, sent as the phoneNumbers entry of type "work"`,
			Aliases: []string{"Phone", "Work Phone", "Phone Number", "Telephone", "Business Phone", "phoneNumbers"},
			Example: "+1 480 555 0100"},
		{Name: "title", Type: schema.String, Description: "job title (title)",
			Aliases: []string{"Job Title", "Position"}, Example: "Analyst"},
		{Name: "externalId", Type: schema.String, Description: "the person's ID in the HR system (externalId)",
			Aliases: []string{"External ID", "HRIS ID", "Worker ID"}, Example: "HR-20931"},
		{Name: "active", Type: schema.Boolean, Description: "whether the account is active (left out: the service provider's default)",
			Aliases: []string{"Enabled", "Is Active"}, Example: "true"},
		{Name: "employeeNumber", Type: schema.String, Description: "enterprise extension employeeNumber",
			Aliases: []string{"Employee Number", "Employee ID", "Employee No", "Emp ID", "Staff Number"}, Example: "20931"},
		{Name: "department", Type: schema.String, Description: "enterprise extension department",
			Aliases: []string{"Dept", "Department Name"}, Example: "Finance"},
		{Name: "manager", Type: schema.String,
			Description: "enterprise extension manager.value: the manager's id at the service provider, not a name",
			Aliases:     []string{"Manager ID", "Manager SCIM ID", "manager.value"}, Example: "2819c223-7f76-453a-919d-413861904646"},
	},
}
