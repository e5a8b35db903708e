package alphalearn

import (
	"regexp"

	"github.com/onboard/onboard/schema"
)

// Schema is the user-create contract of doc 002, field names and JSON types
// exactly as documented (zipcode in lower case, although the error text
// says zipCode).
//
// Fields with a "Missing X" code but no "required" mark in the doc
// (countryCode, mobile, uniqueId, reportingTo, companyName, zipcode,
// timezone, language, sendEmailNotification) are optional here: an account
// makes them mandatory through its own settings, and a mapping file's
// required: list says so for that account.
var Schema = &schema.Schema{
	Provider: ID,
	Fields:   fields,
	Rules: []schema.Rule{
		schema.RequiredIf("password", "when userCanChoosePassword is 1", schema.Equals("userCanChoosePassword", int64(1))),
		schema.AllOrNone("city", "state", "country"),
	},
	Key: []string{"email"}, // unique per the doc (code 1023)
}

// yesNo lets a 0/1 integer field take the usual spellings.
var yesNo = map[string]string{"yes": "1", "no": "0", "y": "1", "n": "0", "true": "1", "false": "0"}

var fields = []schema.Field{
	{
		Name: "title", Type: schema.String, Required: true,
		Description: "Title. It should be Mr, Mrs, Ms, Dr, Prof (code 1024).",
		Enum:        []string{"Mr", "Mrs", "Ms", "Dr", "Prof"},
		Synonyms:    map[string]string{"mr.": "Mr", "mrs.": "Mrs", "ms.": "Ms", "dr.": "Dr", "prof.": "Prof", "doctor": "Dr", "professor": "Prof"},
		Aliases:     []string{"Salutation", "Prefix", "Honorific"},
		Example:     "Ms",
	},
	{
		Name: "firstName", Type: schema.String, Required: true,
		Description: "First Name (codes 1007/1008).",
		Aliases:     []string{"First Name", "Given Name", "First", "Forename"},
		Example:     "Ananya",
	},
	{
		Name: "lastName", Type: schema.String, Required: true,
		Description: "Last Name (codes 1009/1010).",
		Aliases:     []string{"Last Name", "Surname", "Family Name", "Last"},
		Example:     "Rao",
	},
	{
		Name: "email", Type: schema.String, Required: true,
		Description: "Email Address; unique (codes 1020/1021, 1023 when it exists).",
		Aliases:     []string{"E-mail", "Email Address", "E-mail Address", "Work Email", "Official Email"},
		Check:       schema.CheckEmail,
		Example:     "ananya.rao@example.com",
	},
	{
		Name: "countryCode", Type: schema.String,
		Description: "Country code: the dial code, e.g. +91 (codes 1036/1037).",
		Aliases:     []string{"Country Code", "Dial Code", "ISD Code", "Phone Country Code"},
		Pattern:     regexp.MustCompile(`^\+[0-9]{1,4}$`), PatternText: "a dial code: + and 1 to 4 digits, e.g. +91",
		Example: "+91",
	},
	{
		Name: "mobile", Type: schema.String,
		Description: "Contact Number, without the country code (codes 1015/1022).",
		Aliases:     []string{"Mobile", "Phone", "Mobile Number", "Contact Number", "Phone Number", "Cell"},
		Pattern:     regexp.MustCompile(`^[0-9]{6,15}$`), PatternText: "6 to 15 digits without spaces or signs (the dial code goes in countryCode)",
		Example: "9876543210",
	},
	{
		Name: "userCanChoosePassword", Type: schema.Integer, Required: true,
		Description: "0-no, 1-Yes: when 1, password is required (codes 1044/1045). Yes/no, true/false and y/n are accepted.",
		Enum:        []string{"0", "1"}, Synonyms: yesNo,
		Aliases: []string{"User Can Choose Password", "Choose Password", "Set Password"},
		Example: "0",
	},
	{
		Name: "password", Type: schema.String, Secret: true,
		Description: "Set when userCanChoosePassword = 1 (code 1018). It must be alphanumeric and at least 8 characters long (code 1019).",
		Aliases:     []string{"Initial Password", "Temporary Password"},
		Pattern:     regexp.MustCompile(`^[A-Za-z0-9]{8,}$`), PatternText: "at least 8 characters, letters and digits only",
		Example: "Welcome2024",
	},
	{
		Name: "uniqueId", Type: schema.String,
		Description: "Roll no: the person's ID in the organisation (codes 1046/1047).",
		Aliases:     []string{"Roll No", "Roll Number", "Employee ID", "Employee Code", "Emp ID", "Unique ID"},
		Example:     "EMP-0042",
	},
	{
		Name: "roleId", Type: schema.Integer, Required: true,
		Description: "Role ID, e.g. Trainee = 3 (codes 1048/1049). Map role names with the mapping file's values: section.",
		Aliases:     []string{"Role ID", "Role"},
		Example:     "3",
	},
	{
		Name: "reportingTo", Type: schema.Integer,
		Description: "Id of the reporting person (codes 1052/1053).",
		Aliases:     []string{"Reporting To", "Reports To", "Manager ID", "Reporting Manager ID"},
		Example:     "17",
	},
	{
		Name: "companyName", Type: schema.String,
		Description: "Company Name (codes 1054/1055).",
		Aliases:     []string{"Company", "Organisation", "Organization", "Employer"},
		Example:     "Acme Learning Pvt Ltd",
	},
	{
		Name: "department", Type: schema.Integer,
		Description: "Department ID.",
		Aliases:     []string{"Department ID", "Dept ID"},
		Example:     "12",
	},
	{
		Name: "designation", Type: schema.Integer,
		Description: "Designation ID.",
		Aliases:     []string{"Designation ID"},
		Example:     "4",
	},
	{
		Name: "zipcode", Type: schema.String,
		Description: "Pincode; the vendor's messages call it zipCode (1055 Missing zipCode, 1056 Invalid zipCode).",
		Aliases:     []string{"Pincode", "Pin Code", "PIN", "Zip", "Postal Code", "Postcode"},
		Pattern:     regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$`), PatternText: "2 to 10 letters, digits, spaces or dashes, e.g. 560001",
		Example: "560001",
	},
	{
		Name: "city", Type: schema.Integer,
		Description: "City ID; city, state and country go together (codes 1016/1017).",
		Aliases:     []string{"City ID"},
		Example:     "1001",
	},
	{
		Name: "state", Type: schema.Integer,
		Description: "State ID; city, state and country go together (codes 1016/1017).",
		Aliases:     []string{"State ID"},
		Example:     "29",
	},
	{
		Name: "country", Type: schema.Integer,
		Description: "Country ID; city, state and country go together (codes 1016/1017).",
		Aliases:     []string{"Country ID"},
		Example:     "101",
	},
	{
		Name: "timezone", Type: schema.String,
		Description: "Timezone, an IANA name such as Asia/Kolkata (codes 1038/1039; the form is an assumption).",
		Aliases:     []string{"Time Zone", "TZ"},
		Pattern:     regexp.MustCompile(`^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2})$`), PatternText: "an IANA time zone such as Asia/Kolkata",
		Example: "Asia/Kolkata",
	},
	{
		Name: "language", Type: schema.String,
		Description: "Language e.g en-US (codes 1040/1041).",
		Aliases:     []string{"Locale", "Preferred Language"},
		Pattern:     regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z]{2})?$`), PatternText: "a language tag such as en-US",
		Example: "en-US",
	},
	{
		Name: "sendEmailNotification", Type: schema.Integer,
		Description: "1 – Yes, 0 – No (codes 1028/1029). Yes/no, true/false and y/n are accepted.",
		Enum:        []string{"0", "1"}, Synonyms: yesNo,
		Aliases: []string{"Send Email Notification", "Send Email", "Notify", "Email Notification"},
		Example: "1",
	},
}
