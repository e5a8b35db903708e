package reports

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// assertOnboardProps: the workbook names onboard as its author and was
// created now, not by "xuri" in 2006 (excelize's defaults; issue 18).
func assertOnboardProps(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	p, err := f.GetDocProps()
	require.NoError(t, err)
	assert.Equal(t, "onboard", p.Creator)
	assert.Equal(t, "onboard", p.LastModifiedBy)
	created, err := time.Parse(time.RFC3339, p.Created)
	require.NoError(t, err, p.Created)
	assert.WithinDuration(t, time.Now(), created, time.Hour)
	a, err := f.GetAppProps()
	require.NoError(t, err)
	assert.Equal(t, "onboard", a.Application)
}

func TestFixFileAndTemplateDocProps(t *testing.T) {
	fix := filepath.Join(t.TempDir(), "fix.xlsx")
	sink, err := NewFailedOut(fix, rosterHeader, fixOptions())
	require.NoError(t, err)
	writeAll(t, sink, resultOutcomes(), nil)
	assertOnboardProps(t, fix)

	tpl := filepath.Join(t.TempDir(), "template.xlsx")
	require.NoError(t, WriteTemplate(tpl, testSchema()))
	assertOnboardProps(t, tpl)
}

// The fix XLSX writes a cell as a number only when it reads back as the
// same text, and as a date only in the reader's ISO forms.
func TestFixCellTypes(t *testing.T) {
	for s, want := range map[string]bool{"1001": true, "52000.5": true, "-3": true, "0": true, "0.25": true,
		"0042": false, "1.50": false, "+44": false, "1e5": false, "12345678901234567": false, "": false, "1,000": false, ".5": false} {
		_, ok := plainNumber(s)
		assert.Equal(t, want, ok, s)
	}
	for s, want := range map[string]bool{"2024-09-02": true, "2024-09-02 10:30": true, "2024-13-02": false, "02/09/2024": false, "2024-09-02T10:30": false} {
		_, _, ok := isoDate(s)
		assert.Equal(t, want, ok, s)
	}
}
