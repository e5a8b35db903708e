package schema

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readingSchema has what the rules below need: an ID, a date of birth with
// a plausibility warning, a start date, and names to split.
func readingSchema() *Schema {
	return &Schema{
		Provider: "test",
		Key:      []string{"id"},
		Fields: []Field{
			{Name: "id", Type: String, Required: true},
			{Name: "first", Type: String},
			{Name: "last", Type: String},
			{Name: "birth", Type: Date, Past: true, Warn: func(s string) string {
				if s < "1900-01-01" {
					return "is before 1900"
				}
				return ""
			}},
			{Name: "start", Type: Date},
		},
	}
}

func mapOne(t *testing.T, s *Schema, m *Mapping, header, cells []string) (Record, []FieldError) {
	t.Helper()
	mp, err := NewMapper(s, header, m)
	require.NoError(t, err)
	rec, errs := mp.Map(cells)
	// Check (the dry run) agrees with Map on the problems.
	keys := make([]string, len(s.Key))
	assert.Equal(t, errs, mp.CheckOnly().Check(Record{}, cells, keys), "Check and Map agree")
	return rec, errs
}

func TestTwoDigitYears(t *testing.T) {
	header := []string{"id", "birth", "start"}
	tests := []struct {
		format       string
		birth, start string
		wantBirth    time.Time
		wantStart    time.Time
	}{
		{"01/02/06", "04/17/66", "09/02/24", time.Date(1966, 4, 17, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC)},
		{"MM/DD/YY", "07/10/83", "01/05/30", time.Date(1983, 7, 10, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 5, 0, 0, 0, 0, time.UTC)},
		{"DD.MM.YYYY", "20.03.1964", "01.09.2024", time.Date(1964, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)},
		{"01/02/06", "01/01/30", "01/01/30", time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.format+" "+tt.birth, func(t *testing.T) {
			rec, errs := mapOne(t, readingSchema(), &Mapping{DateFormat: tt.format}, header, []string{"e1", tt.birth, tt.start})
			require.Empty(t, errs)
			assert.Equal(t, tt.wantBirth, rec["birth"], "a date of birth is in the past")
			assert.Equal(t, tt.wantStart, rec["start"], "other dates keep Go's pivot")
		})
	}
}

func TestDateMessageInWords(t *testing.T) {
	_, errs := mapOne(t, readingSchema(), &Mapping{DateFormat: "01/02/06"}, []string{"id", "start"}, []string{"e1", "13/45/99"})
	require.Len(t, errs, 1)
	assert.Equal(t, `must be a date as MM/DD/YY or YYYY-MM-DD (read "13/45/99")`, errs[0].Message)
	assert.NotContains(t, errs[0].Message, "01/02/06")
	_, errs = mapOne(t, readingSchema(), nil, []string{"id", "start"}, []string{"e1", "next week"})
	require.Len(t, errs, 1)
	assert.Equal(t, `must be a date as YYYY-MM-DD (read "next week")`, errs[0].Message)
	for layout, words := range map[string]string{"02/01/2006": "DD/MM/YYYY", "2 Jan 2006": "D MMM YYYY", "2006-01-02 15:04": "YYYY-MM-DD hh:mm"} {
		assert.Equal(t, words, DateWords(layout))
	}
}

func TestWarningsKeepTheRowValid(t *testing.T) {
	header := []string{"id", "birth"}
	tests := []struct {
		name  string
		cells []string
		code  Code
		field string
	}{
		{"plausibility rule", []string{"e1", "1850-01-01"}, UnlikelyValue, "birth"},
		{"scientific notation held as text", []string{"1.23456789012346E+18", "1990-01-01"}, RoundedNumber, "id"},
		{"16 digits with 15 significant", []string{"4111111111111110", "1990-01-01"}, RoundedNumber, "id"},
		{"16 digits kept", []string{"4111111111111111", "1990-01-01"}, "", ""},
		{"15 digits", []string{"411111111111110", "1990-01-01"}, "", ""},
		{"leading zeros", []string{"0012300000000000", "1990-01-01"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := mapOne(t, readingSchema(), nil, header, tt.cells)
			assert.False(t, Failed(errs), "%v", errs)
			assert.Equal(t, tt.cells[0], rec["id"], "the value is kept and sent")
			if tt.code == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1)
			assert.True(t, errs[0].Warning)
			assert.Equal(t, tt.code, errs[0].Code)
			assert.Equal(t, tt.field, errs[0].Field)
		})
	}
}

func TestSplitCollapsesWhitespace(t *testing.T) {
	m := &Mapping{Split: map[string][]string{"Name": {"first", "last"}}}
	for cell, want := range map[string][2]string{
		"Adinolfi, Wilson  K":  {"Wilson K", "Adinolfi"},
		"Ann   Lee":            {"Ann", "Lee"},
		"Ann\tMarie \u00a0Lee": {"Ann Marie", "Lee"},
		" Lee ,\tAnn ":         {"Ann", "Lee"},
	} {
		rec, errs := mapOne(t, readingSchema(), m, []string{"id", "Name"}, []string{"e1", cell})
		require.Empty(t, errs)
		assert.Equal(t, want[0], rec["first"], "%q", cell)
		assert.Equal(t, want[1], rec["last"], "%q", cell)
	}
}

func TestHeaderMatcher(t *testing.T) {
	s := testSchema()
	match := HeaderMatcher(s, &Mapping{Columns: map[string]string{"Staff Mail": "email"}, Split: map[string][]string{"Full Name": {"firstName", "lastName"}}})
	for h, want := range map[string]bool{"First Name": true, "given name": true, "E-mail": true, "Staff Mail": true, "full_name": true, "Notes": false, "": false} {
		assert.Equal(t, want, match(h), h)
	}
}
