package reports

import (
	"fmt"

	"github.com/onboard/onboard/schema"
)

// ownColumns names onboard's columns (cols) for a report that carries the
// roster's columns (header) after them: each as cols names it, or, when
// the roster has a column of that name (case, spaces and _ aside),
// "onboard_NAME" (then "onboard_NAME_2" ...), so no report repeats a
// column name. The roster's columns keep their names: a fix file and a
// re-run match them.
func ownColumns(cols, header []string) []string {
	taken := make(map[string]bool, len(header)+len(cols))
	for _, h := range header {
		taken[normalizeHeader(h)] = true
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		name := c
		for n := 1; taken[normalizeHeader(name)]; n++ {
			name = schema.OwnPrefix + c
			if n > 1 {
				name = fmt.Sprintf("%s%s_%d", schema.OwnPrefix, c, n)
			}
		}
		taken[normalizeHeader(name)] = true
		out[i] = name
	}
	return out
}
