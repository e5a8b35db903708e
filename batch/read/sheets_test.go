package read

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func expectPeople(name string) bool {
	switch strings.ToLower(name) {
	case "email", "first_name", "last_name":
		return true
	}
	return false
}

var (
	instructions = [][]string{{"How to fill in this workbook"}, {"Put one person a row on the People sheet."}}
	people       = [][]string{{"email", "first_name"}, {"a@example.com", "Ann"}}
	staff        = [][]string{{"email", "last_name"}, {"b@example.com", "Bee"}}
)

// TestXLSXSheetChoice: the sheet read is the first visible one, unless it
// names no column the caller knows and exactly one other sheet does (a
// cover sheet before the roster); the choice and the other sheets with
// values are said, never silent.
func TestXLSXSheetChoice(t *testing.T) {
	t.Run("cover sheet, one roster", func(t *testing.T) {
		path := writeXLSXSheets(t, map[string][][]string{"Instructions": instructions, "People": people}, []string{"Instructions", "People"})
		r, err := Open(path, Options{Expect: expectPeople})
		require.NoError(t, err)
		defer r.Close()
		assert.Equal(t, "People", r.(interface{ Sheet() string }).Sheet())
		assert.Equal(t, []string{`read sheet "People": the first sheet, "Instructions", has no column onboard knows and "People" has (--sheet NAME reads another)`}, r.Warnings())
		assert.Equal(t, []string{`sheet "People" is read; the workbook's other sheets with values are not: "Instructions" (--sheet NAME reads one)`}, r.(interface{ Notes() []string }).Notes())
		row, err := r.Read()
		require.NoError(t, err)
		assert.Equal(t, []string{"a@example.com", "Ann"}, row.Cells)
	})
	t.Run("cover sheet, two rosters: not guessed", func(t *testing.T) {
		path := writeXLSXSheets(t, map[string][][]string{"Instructions": instructions, "People": people, "Staff": staff}, []string{"Instructions", "People", "Staff"})
		r, err := Open(path, Options{Expect: expectPeople})
		require.NoError(t, err)
		defer r.Close()
		assert.Equal(t, "Instructions", r.(interface{ Sheet() string }).Sheet())
		assert.Empty(t, r.Warnings())
		assert.Equal(t, `sheet "Instructions", read by default, has no column onboard knows; sheets "People", "Staff" have some: --sheet NAME reads one`, r.(interface{ SheetNote() string }).SheetNote())
	})
	t.Run("roster first, another sheet mentioned", func(t *testing.T) {
		path := writeXLSXSheets(t, map[string][][]string{"People": people, "Staff": staff, "Empty": nil}, []string{"People", "Staff", "Empty"})
		r, err := Open(path, Options{Expect: expectPeople})
		require.NoError(t, err)
		defer r.Close()
		assert.Equal(t, "People", r.(interface{ Sheet() string }).Sheet())
		assert.Empty(t, r.Warnings())
		assert.Equal(t, []string{`sheet "People" is read; the workbook's other sheets with values are not: "Staff" (--sheet NAME reads one)`}, r.(interface{ Notes() []string }).Notes())
	})
	t.Run("--sheet given: as asked, nothing said", func(t *testing.T) {
		path := writeXLSXSheets(t, map[string][][]string{"Instructions": instructions, "People": people}, []string{"Instructions", "People"})
		r, err := Open(path, Options{Expect: expectPeople, Sheet: "Instructions"})
		require.NoError(t, err)
		defer r.Close()
		assert.Equal(t, "Instructions", r.(interface{ Sheet() string }).Sheet())
		assert.Empty(t, r.Warnings())
		assert.Empty(t, r.(interface{ Notes() []string }).Notes())
	})
}

// TestXLSXErrorsNameTheSheet: every read error of a workbook names the
// sheet read.
func TestXLSXErrorsNameTheSheet(t *testing.T) {
	path := writeXLSXSheets(t, map[string][][]string{"Instructions": instructions, "People": {{"email", "first_name"}, {"a@example.com", "Annnnnnnnnnnnnnnn"}}}, []string{"Instructions", "People"})
	_, err := Open(path, Options{Expect: expectPeople, MaxCellBytes: 14})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+` (sheet "People"): row 2: cell in column "first_name"`)
	var fe *Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "People", fe.Sheet)
}

// TestXLSXMergedCells: the cells a merged range covers (empty in the file)
// are named on their rows with the range.
func TestXLSXMergedCells(t *testing.T) {
	f := excelize.NewFile()
	const s = "Sheet1"
	for i, row := range [][]any{{"email", "company"}, {"a@example.com", "Acme"}, {"b@example.com"}, {"c@example.com"}, {"d@example.com", "Other"}} {
		require.NoError(t, f.SetSheetRow(s, fmt.Sprintf("A%d", i+1), &row))
	}
	require.NoError(t, f.MergeCell(s, "B2", "B4"))
	path := filepath.Join(t.TempDir(), "merged.xlsx")
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())
	_, rows, err := readAll(t, path, Options{})
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Empty(t, rows[0].Merged, "the range's first cell holds its value")
	assert.Equal(t, []Merged{{Col: 1, Cell: "B3", Range: "B2:B4", First: "B2"}}, rows[1].Merged)
	assert.Equal(t, []Merged{{Col: 1, Cell: "B4", Range: "B2:B4", First: "B2"}}, rows[2].Merged)
	assert.Equal(t, "", rows[2].Cells[1], "read as the file holds it: empty")
	assert.Empty(t, rows[3].Merged)
}
