package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGuardFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+2", "'=1+2"},
		{"+33 6 12", "'+33 6 12"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, guardFormula(tt.in), "%q", tt.in)
	}
}

func TestMasker(t *testing.T) {
	header := []string{"email", "Pass-Word", "client_secret", "Secret Answer", "user.password", "passport"}
	m := newMasker(header)
	assert.Equal(t, []bool{false, true, true, true, true, false}, m.secret)

	in := []string{"a@x.org", "hunter2", "", "blue", "pw"}
	got := m.cells(in)
	assert.Equal(t, []string{"a@x.org", Masked, "", Masked, Masked, ""}, got, "padded to the header, empty secrets stay empty")
	assert.Equal(t, "hunter2", in[1], "the caller's cells are not changed")

	assert.Len(t, m.cells([]string{"1", "2", "3", "4", "5", "6", "7"}), len(header), "extra cells are dropped")
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		path  string
		extra []string
		want  format
		err   bool
	}{
		{"r.xlsx", nil, xlsxFormat, false},
		{"R.XLSX", nil, xlsxFormat, false},
		{"dir.v2/r.csv", nil, csvFormat, false},
		{"r.xls", nil, 0, true},
		{"r", nil, 0, true},
		{"r.tsv", nil, 0, true},
		{"r.tsv", []string{".tsv"}, csvFormat, false},
	}
	for _, tt := range tests {
		got, err := formatOf(tt.path, tt.extra...)
		if tt.err {
			assert.ErrorIs(t, err, ErrFormat, tt.path)
			continue
		}
		assert.NoError(t, err, tt.path)
		assert.Equal(t, tt.want, got, tt.path)
	}
}

// Only columns that hold a secret are masked: a 0/1 flag about passwords
// is not one.
func TestMaskerSkipsColumnsAboutPasswords(t *testing.T) {
	m := newMasker([]string{"User Can Choose Password", "Password Expires", "Initial password [passwordProfile] Required"})
	assert.Equal(t, []string{"1", "2026-01-01", Masked}, m.cells([]string{"1", "2026-01-01", "hunter2"}))
}
