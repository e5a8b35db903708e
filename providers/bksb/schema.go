package bksb

import (
	"time"

	"github.com/onboard/onboard/schema"
)

// Schema is bksb's AddUserRequest, PascalCase as documented. The help page
// flags nothing as required; Username, Firstname and Lastname are what a
// user cannot exist without, and Password falls back to the organisation's
// default password.
var Schema = &schema.Schema{
	Provider: "bksb",
	Key:      []string{"Username"}, // bksb's unique key (isUsernameExists)
	Fields: []schema.Field{
		{Name: "Username", Type: schema.String, Required: true, Description: "Username.",
			Aliases: []string{"User Name", "Login", "Login Name"}, Example: "alee2024"},
		{Name: "Firstname", Type: schema.String, Required: true, Description: "Firstname.",
			Aliases: []string{"First Name", "Given Name", "Forename", "First"}, Example: "Ann"},
		{Name: "Lastname", Type: schema.String, Required: true, Description: "Lastname.",
			Aliases: []string{"Last Name", "Surname", "Family Name", "Last"}, Example: "Lee"},
		{Name: "Password", Type: schema.String, Secret: true,
			Description: "Password, default is your organisation's default password",
			Aliases:     []string{"Initial Password", "Temporary Password"}, Example: "Welcome-2024"},
		{Name: "Email", Type: schema.String, Description: "Email address.", Check: schema.CheckEmail,
			Aliases: []string{"E-mail", "Email Address", "E-mail Address", "Work Email"}, Example: "ann.lee@example.ac.uk"},
		{Name: "DateOfBirth", Type: schema.Date, Description: "Date of birth (sent as a SimpleDateTime object).",
			Warn: checkBirthDate, Past: true,
			Aliases: []string{"DOB", "Date of Birth", "Birth Date", "Birthdate"}, Example: "2004-09-17"},
		{Name: "AutoEnrolCourses", Type: schema.Boolean, Description: "Auto-enrol courses to the user.",
			Aliases: []string{"Auto Enrol", "Auto Enroll", "Auto Enroll Courses"}, Example: "true"},
	},
}

// minBirthDate is the earliest plausible date of birth.
var minBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// checkBirthDate warns of a date of birth in the future or before 1900:
// such a date is almost always a typo (a swapped century, today's date in
// the wrong column) and bksb would store it as given. The doc sets no
// range, so it is a warning, not a refusal.
func checkBirthDate(s string) string {
	const want = "is a date of birth before 1900 or in the future: check it (bksb stores it as given)"
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return want
	}
	y, m, d := time.Now().UTC().Date()
	if t.Before(minBirthDate) || t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return want
	}
	return ""
}
