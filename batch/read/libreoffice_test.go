package read

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibreOfficeFiles reads files LibreOffice wrote (testdata/README.md):
// the roster sheet after a cover sheet, times as shown (0:00, not 00:00),
// the cell a merged range covers, and a Shift_JIS CSV.
func TestLibreOfficeFiles(t *testing.T) {
	expect := func(name string) bool {
		switch name {
		case "First Name", "Last Name", "E-mail", "Company", "Location":
			return true
		}
		return false
	}
	r, err := Open(filepath.Join("testdata", "libreoffice-two-sheets.xlsx"), Options{Expect: expect})
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, "People", r.(interface{ Sheet() string }).Sheet())
	assert.Equal(t, []string{"First Name", "Last Name", "E-mail", "Company", "Location", "Status", "Shift start"}, r.Header())
	row, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, []string{"Caleb", "Carr", "ccarr@smartapp.com", "smartapp.com", "headquarters", "active", "0:00"}, row.Cells)
	row, err = r.Read()
	require.NoError(t, err)
	assert.Equal(t, []string{"Maria", "Gonzalez", "mgonzalez@smartapp.com", "smartapp.com", "", "on leave", "9:05"}, row.Cells)
	assert.Equal(t, []Merged{{Col: 4, Cell: "E3", Range: "E2:E3", First: "E2"}}, row.Merged)

	c, err := Open(filepath.Join("testdata", "encodings", "roster-libreoffice-shift_jis.csv"), Options{})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "shift_jis", c.(interface{ Encoding() string }).Encoding())
	row, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, []string{"花子", "山田"}, row.Cells[:2])
	row, err = c.Read()
	require.NoError(t, err)
	assert.Equal(t, []string{"さくら", "佐藤"}, row.Cells[:2])
}
