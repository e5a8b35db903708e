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

// The sheet XML of the template, where it matters to a person in Excel:
// the Text ("@", numFmtId 49) column styles, the drop-downs with their
// input prompts, and the cell formats they point to.
func TestTemplateSheetXMLGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "template.xlsx")
	require.NoError(t, WriteTemplate(path, testSchema(), TemplateOptions{Version: "v1.2.3"}))
	parts := zipParts(t, path)
	sheet, styles := parts["xl/worksheets/sheet1.xml"], parts["xl/styles.xml"]
	var b strings.Builder
	for _, re := range []string{`<cols>.*?</cols>`, `<dataValidations.*?</dataValidations>`} {
		b.WriteString(regexp.MustCompile(re).FindString(sheet) + "\n")
	}
	b.WriteString(regexp.MustCompile(`<cellXfs.*?</cellXfs>`).FindString(styles) + "\n")
	got := strings.ReplaceAll(b.String(), "><", ">\n<")
	checkGolden(t, "template-sheet.xml.golden", []byte(got))

	// Every text column (email, exernalId, role, department, password,
	// tags) has the Text style; the boolean sendLoginEmail does not.
	assert.Regexp(t, `<xf numFmtId="49"`, styles)
	assert.Contains(t, sheet, `prompt="One of: admin, member, guest" promptTitle="role"`)
	assert.Contains(t, sheet, `prompt="Pick one of the 22 values from the drop-down."`)
	dump := dumpXLSX(t, path)
	assert.Contains(t, dump, `"Made by onboard v1.2.3 for provider acme`)
	assert.Contains(t, dump, `"email (required)"`)
}

func zipParts(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer func() { _ = zr.Close() }()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		_ = rc.Close()
		out[f.Name] = string(b)
	}
	return out
}
