package smartapp

import "github.com/onboard/onboard/schema"

// Licence types, as the create call spells them. The user object that get
// and list return spells them with a space ("Licenced User").
const (
	LicencedUser         = "LicencedUser"
	TransactionBasedUser = "TransactionBasedUser"
)

// Schema is the POST /user/create body. The doc marks no field required;
// email, firstName, lastName, companyName and companyLocationName are
// required here by assumption, backed by the documented 400 "Invalid
// emailId, Company, CompanyLocation, or Email": without them the create
// cannot succeed.
var Schema = &schema.Schema{
	Provider: "smartapp",
	Key:      []string{"email"},
	// Every roster column not mapped to a field goes into metadata.
	Extra: "metadata",
	Fields: []schema.Field{
		{
			Name: "firstName", Type: schema.String, Required: true,
			Description: "The user's first name.",
			Aliases:     []string{"First Name", "First", "Given Name", "Forename"},
			Example:     "Caleb",
		},
		{
			Name: "lastName", Type: schema.String, Required: true,
			Description: "The user's last name.",
			Aliases:     []string{"Last Name", "Last", "Surname", "Family Name"},
			Example:     "Carr",
		},
		{
			Name: "email", Type: schema.String, Required: true,
			Description: "The user's email address; must be valid and unique (400 / 402).",
			Check:       schema.CheckEmail,
			Aliases:     []string{"E-mail", "Email Address", "Work Email", "Mail"},
			Example:     "ccarr@smartapp.com",
		},
		{
			Name: "phone", Type: schema.String,
			Description: "The user's phone number.",
			Aliases:     []string{"Phone Number", "Telephone", "Work Phone"},
			Example:     "555-123-4567",
		},
		{
			Name: "fax", Type: schema.String,
			Description: "The user's fax number.",
			Aliases:     []string{"Fax Number"},
			Example:     "1-555-9876543",
		},
		{
			Name: "companyName", Type: schema.String, Required: true,
			Description: "The name of an existing company (an unknown one gives 400).",
			Aliases:     []string{"Company", "Company Name", "Organisation", "Organization"},
			Example:     "smartapp.com",
		},
		{
			Name: "companyLocationName", Type: schema.String, Required: true,
			Description: `The name of an existing location of that company ("headquarters" is the default location).`,
			Aliases:     []string{"Location", "Company Location", "Office", "Site"},
			Example:     "headquarters",
		},
		{
			Name: "licenceType", Type: schema.String,
			Description: "LicencedUser or TransactionBasedUser; the vendor defaults it to LicencedUser. The user is active only if the appzone has enough licences of that category.",
			Enum:        []string{LicencedUser, TransactionBasedUser},
			Synonyms: map[string]string{
				"licenced user":          LicencedUser,
				"licensed user":          LicencedUser,
				"licenseduser":           LicencedUser,
				"transaction based user": TransactionBasedUser,
				"transaction-based user": TransactionBasedUser,
			},
			Aliases: []string{"Licence", "License", "Licence Type", "License Type"},
			Example: LicencedUser,
		},
		{
			Name: "metadata", Type: schema.Object,
			Description: `Free-form extra information, e.g. {"Favorite employee": true}. Roster columns not mapped to a field are added as strings.`,
			Example:     `{"Employee ID": "E1001"}`,
		},
		{
			Name: "applicationRoles", Type: schema.List,
			Description: "Application role names, separated by ;.",
			Aliases:     []string{"Roles", "Application Roles", "Role"},
			Example:     "software developer;intern",
		},
		{
			Name: "groups", Type: schema.List,
			Description: "Group names, separated by ;.",
			Aliases:     []string{"Group"},
			Example:     "software developers;interns",
		},
		{
			Name: "dashboardGroups", Type: schema.List,
			Description: "Dashboard group names, separated by ;.",
			Aliases:     []string{"Dashboard Groups", "Dashboard Group", "Dashboards"},
			Example:     "engineering",
		},
	},
}
