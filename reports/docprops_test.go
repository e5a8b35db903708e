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
