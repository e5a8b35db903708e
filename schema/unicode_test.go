package schema

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestTransformsAreUnicodeCorrect(t *testing.T) {
	tests := []struct {
		transform, in, want string
	}{
		{"title", "élodie", "Élodie"},
		{"title", "ÉLODIE DUPRÉ", "Élodie Dupré"},
		{"title", "ñuñez", "Ñuñez"},
		{"title", "özil", "Özil"},
		{"title", "łukasz  wójcik", "Łukasz Wójcik"},
		{"title", "øystein", "Øystein"},
		{"title", "STRAßE", "Straße"},
		{"title", "ΟΔΥΣΣΕΑΣ", "Οδυσσεας"},
		{"title", "ἀλέξανδρος", "Ἀλέξανδρος"},
		{"title", "иван петров", "Иван Петров"},
		{"title", "ǆuro", "ǅuro"},
		{"title", "李 小龍", "李 小龍"},
		{"title", "e\u0301lodie", "E\u0301lodie"},
		{"title", "ann o'neil", "Ann O'neil"},
		{"lower", "ΟΔΥΣΣΕΑΣ", "οδυσσεας"},
		{"lower", "ÉLODIE ŁUKASZ", "élodie łukasz"},
		{"upper", "straße", "STRASSE"},
		{"upper", "élodie", "ÉLODIE"},
		{"upper", "иван", "ИВАН"},
		{"digits", "+44 (0)20 7946-0958", "4402079460958"},
		{"digits", "０１２-３４", "01234"},
		{"digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"digits", "१२३", "123"},
		{"digits", "𝟎𝟗𝟭𝟿", "0919"},
		{"digits", "²³", ""}, // superscripts are not decimal digits
	}
	for _, tt := range tests {
		got := transforms[tt.transform](tt.in)
		assert.Equal(t, tt.want, got, "%s(%q)", tt.transform, tt.in)
		assert.True(t, utf8.ValidString(got), "%s(%q) is valid UTF-8", tt.transform, tt.in)
	}
}

func TestTitleNeverBreaksRunes(t *testing.T) {
	for _, in := range []string{"élodie", "łukasz", "ørsted", "ßa", "日本", "\xff\xfeab", "a\xffb"} {
		got := titleCase(in)
		if utf8.ValidString(in) {
			assert.True(t, utf8.ValidString(got), "%q → %q", in, got)
		}
		assert.NotContains(t, got, "\ufffd", "%q → %q", in, got)
	}
}
