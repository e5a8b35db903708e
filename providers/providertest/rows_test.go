package providertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRowHelpers(t *testing.T) {
	good := map[string]string{"Login": "ann", "E-mail": "ann@x.org"}
	got := With(good, "Login", "", "Phone", "555", "E-mail", " ")
	assert.Equal(t, map[string]string{"Phone": "555", "E-mail": " "}, got, `"" deletes, anything else sets`)
	assert.Equal(t, map[string]string{"Login": "ann", "E-mail": "ann@x.org"}, good, "the good row is not changed")

	cells := []string{"a", "b"}
	assert.Equal(t, []string{"a", "x"}, WithCell(cells, 1, "x"))
	assert.Equal(t, []string{"a", "b"}, cells, "the good cells are not changed")
}
