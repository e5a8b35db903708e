package reports

import (
	"archive/zip"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onboard/onboard/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSchema is small and hand-made: a required enum too long for an
// inline drop-down, a boolean, a pattern, a secret and an extra field.
func testSchema() *schema.Schema {
	// 300 characters joined: too long for an inline list.
	depts := []string{"Accounting", "Business Development", "Customer Success", "Engineering", "Facilities",
		"Finance", "Human Resources", "Information Technology", "Legal", "Marketing", "Operations",
		"Product Management", "Quality Assurance", "Research and Development", "Sales", "Security",
		"Support", "Training", "Procurement", "Public Relations", "Internal Audit", "Logistics"}
	return &schema.Schema{
		Provider: "acme",
		Fields: []schema.Field{
			{Name: "email", Type: schema.String, Required: true, Description: "Login email.", Aliases: []string{"E-mail", "Mail"},
				PatternText: "an email address", MaxLen: 254, Example: "ann@example.org"},
			{Name: "exernalId", Type: schema.String, Pattern: regexp.MustCompile(`^[A-Z]{2}\d{4}$`), Example: "AB1234"},
			{Name: "role", Type: schema.String, Required: true, Enum: []string{"admin", "member", "guest"}, Example: "member"},
			{Name: "department", Type: schema.String, Enum: depts},
			{Name: "sendLoginEmail", Type: schema.Boolean, Description: "Send the invitation."},
			{Name: "password", Type: schema.String, Secret: true, MinLen: 8, MaxLen: 64},
			{Name: "tags", Type: schema.List},
			{Name: "metadata", Type: schema.Object, Description: "Free key/values."},
		},
		Rules: []schema.Rule{{Name: "password required when sendLoginEmail is false", Description: "Without an invitation the user needs a password."}},
		Extra: "metadata",
	}
}

func TestTemplateGolden(t *testing.T) {
	require.Greater(t, len(strings.Join(testSchema().Field("department").Enum, ",")), 255)
	for _, ext := range []string{"csv", "xlsx"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "template."+ext)
			require.NoError(t, WriteTemplate(path, testSchema()))
			checkFileGolden(t, path, "template."+ext+".golden")
		})
	}
}

// The long enum's sheet is very hidden, which excelize's GetSheetVisible
// cannot tell from hidden: read the workbook part.
func TestTemplateListsSheetVeryHidden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "template.xlsx")
	require.NoError(t, WriteTemplate(path, testSchema()))
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer func() { _ = zr.Close() }()
	var wb string
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			rc, err := f.Open()
			require.NoError(t, err)
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			_ = rc.Close()
			wb = string(b)
		}
	}
	require.NotEmpty(t, wb)
	assert.Regexp(t, `<sheet name="_lists"[^>]*state="veryHidden"`, wb)
	assert.Equal(t, 1, strings.Count(wb, "veryHidden"), "only _lists is hidden")
	assert.Regexp(t, `<sheet name="Roster".*<sheet name="Instructions".*<sheet name="_lists"`, wb, "the roster first, the lists last")
}

func TestTemplateWithoutLongLists(t *testing.T) {
	s := testSchema()
	s.Fields = s.Fields[:3]
	path := filepath.Join(t.TempDir(), "t.xlsx")
	require.NoError(t, WriteTemplate(path, s))
	dump := dumpXLSX(t, path)
	assert.NotContains(t, dump, "_lists")
	assert.Contains(t, dump, `validation: C2:C1048576 list "admin,member,guest" error=warning`)
}
