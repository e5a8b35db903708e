package ispring

import "github.com/onboard/onboard/schema"

// Schema is the addUser contract of doc 001, field names as the doc spells
// them. Profile fields (login, email, first_name, last_name, phone) travel
// inside the REST body's "fields" object; groups travels as "groupIds".
//
// email is optional, as the doc (the contract) says, although the
// third-party REST spec lists it as required in UserProfileFields: iSpring
// accounts may hold login-only users (SMS invitations), and an account that
// insists on email can say so with the mapping file's required: [email].
var Schema = &schema.Schema{
	Provider: ID,
	Fields:   fields,
	Rules:    rules,
	// login is the account-wide unique key; email is unique too, so a
	// clash on either is a duplicate.
	Key: []string{"login", "email"},
}

var fields = []schema.Field{
	{
		Name: "login", Type: schema.String, Required: true,
		Description: "Login of the new user; unique in the account.",
		Aliases:     []string{"Login", "User Name", "Username", "User Login", "Login Name"},
		MaxLen:      255,
		Example:     "ann.lee",
	},
	{
		Name: "email", Type: schema.String,
		Description: "Email of the new user; unique in the account. Optional per the doc; a mapping file's required: list can make it mandatory.",
		Aliases:     []string{"E-mail", "Email Address", "E-mail Address", "Work Email", "Mail"},
		Check:       schema.CheckEmail,
		Example:     "ann.lee@example.com",
	},
	{
		Name: "password", Type: schema.String, Secret: true,
		Description: "The password of the new user. Without it the user sets one through the invitation.",
		Aliases:     []string{"Initial Password", "Temporary Password"},
		Example:     "Welcome2024",
	},
	{
		Name: "departmentId", Type: schema.String, Required: true,
		Description: "ID of the department the user will be added to.",
		Aliases:     []string{"Department ID", "Dept ID"},
		Pattern:     uuidRE, PatternText: uuidText,
		Example: "8a4f1c2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b",
	},
	{
		Name: "sendLoginEmail", Type: schema.Boolean,
		Description: "Whether an email is sent to the added user (default false). When true, invitationMessage is required.",
		Aliases:     []string{"Send Login Email", "Send Email", "Email Invite"},
		Example:     "true",
	},
	{
		Name: "invitationMessage", Type: schema.String,
		Description: "Text of the email invitation; required when sendLoginEmail is true.",
		Aliases:     []string{"Invitation Message", "Invite Message", "Email Message"},
		Example:     "Welcome to our training portal!",
	},
	{
		Name: "sendLoginSMS", Type: schema.Boolean,
		Description: "Whether an SMS is sent to the added user (default false). When true, invitationSMSMessage is required.",
		Aliases:     []string{"Send Login SMS", "Send SMS", "SMS Invite"},
		Example:     "false",
	},
	{
		Name: "invitationSMSMessage", Type: schema.String,
		Description: "Text of the SMS sent to the added user; required when sendLoginSMS is true.",
		Aliases:     []string{"Invitation SMS Message", "SMS Message", "Invite SMS"},
		Example:     "Your training account is ready.",
	},
	{
		Name: "role", Type: schema.String,
		Description: "Standard role (REST spelling on the wire). The doc's names are accepted: " +
			"learners → learner, account_administrators → administrator, department_administrators → department_administrator, " +
			"course_authors → publisher, and supervisor → custom: Supervisor has no REST role name, so it is sent as a custom role " +
			"and needs roleId (the account's Supervisor role ID). Without role or roles the user is a Learner. " +
			"Ignored by the vendor (and not sent) when roles is given.",
		Aliases:  []string{"Role", "User Role", "LMS Role"},
		Enum:     restRoles,
		Synonyms: docRoleSynonyms,
		Example:  roleLearner,
	},
	{
		Name: "roleId", Type: schema.String,
		Description: "ID of a custom role; required when role is custom (or supervisor). Ignored when roles is given.",
		Aliases:     []string{"Role ID", "Custom Role ID"},
		Pattern:     uuidRE, PatternText: uuidText,
		Example: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
	},
	{
		Name: "manageableDepartmentIds", Type: schema.List,
		Description: "IDs of the departments the user will manage; required when the role (or an entry of roles) is department_administrator or custom. Also attached to those entries of roles.",
		Aliases:     []string{"Manageable Department IDs", "Managed Departments", "Manages Departments"},
		Pattern:     uuidRE, PatternText: uuidText,
		Example: "8a4f1c2e-5b6d-4e7f-9a0b-1c2d3e4f5a6b",
	},
	{
		Name: "groups", Type: schema.List,
		Description: "IDs of the groups the user will be added to (REST: groupIds).",
		Aliases:     []string{"Groups", "Group IDs", "Group"},
		Pattern:     uuidRE, PatternText: uuidText,
		Example: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
	},
	{
		Name: "roles", Type: schema.List,
		Description: "One or two roles as roleType:roleId items separated by \";\". With two, one must be learner and the other " +
			"administrator, department_administrator or custom; two administrative roles and the user won't be added. " +
			"When given, roles wins and role/roleId are ignored (they are not sent).",
		Aliases: []string{"Roles", "User Roles"},
		Check:   checkRoleItem,
		Example: "learner:0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f;department_administrator:1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
	},
	// Common profile fields (names from GET /user/profile/fields). Accounts
	// decide which are required: a mapping file's required: list says so.
	{
		Name: "first_name", Type: schema.String,
		Description: "Profile field First Name (sent inside fields).",
		Aliases:     []string{"First Name", "Given Name", "First", "Forename"},
		Example:     "Ann",
	},
	{
		Name: "last_name", Type: schema.String,
		Description: "Profile field Last Name (sent inside fields).",
		Aliases:     []string{"Last Name", "Surname", "Family Name", "Last"},
		Example:     "Lee",
	},
	{
		Name: "phone", Type: schema.String,
		Description: "Profile field Phone (sent inside fields); the number an SMS invitation goes to.",
		Aliases:     []string{"Phone", "Mobile", "Phone Number", "Mobile Phone", "Cell"},
		Example:     "+1 555 010 0100",
	},
}

// profileFields are the Schema fields that go inside the REST "fields"
// object.
var profileFields = []string{"login", "email", "first_name", "last_name", "phone"}
