package providertest_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	_ "github.com/onboard/onboard/providers/all"
	"github.com/onboard/onboard/providers/providertest"
	"github.com/onboard/onboard/schema"
)

// TestCheckAgreesWithMap runs every vendor's sample rosters, and each row
// again with every cell replaced by awkward values, through the dry run's
// Check and through Map: the problems and the key values must be the same,
// so the lean check never judges a row differently from a real run.
func TestCheckAgreesWithMap(t *testing.T) {
	odd := []string{"", " ", "x", "USD", "usd", "12", "12.0", "-3.5", "95.5", "abc@", "a@b.co", "true", "maybe",
		"2024-02-30", "2024-01-15", "a;b", "Admin", "learner", "{\"k\":1}", "{bad", "TZ0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", "Exam#2024ok", "********", "'=1+1", "'Ann"}
	for _, id := range providers.Names() {
		reg, err := providers.Lookup(id)
		require.NoError(t, err)
		for _, pair := range [][2]string{{"roster.csv", ""}, {"roster-mapped.csv", "map.yaml"}} {
			if _, err := os.Stat(filepath.Join(providertest.SamplePath(id, ""), pair[0])); err != nil {
				continue
			}
			s := providertest.LoadSample(t, id, pair[0], pair[1])
			plainMp, err := schema.NewMapper(reg.Schema, s.Rows[0], s.Mapping)
			require.NoError(t, err)
			for _, mp := range []*schema.Mapper{plainMp, plainMp.FormulaGuarded()} {
				check := mp.CheckOnly()
				compare := func(cells []string, where string) {
					rec, want := mp.Map(cells)
					var wantKeys []string
					if len(want) == 0 {
						wantKeys = reg.Schema.KeyValues(rec, nil)
					}
					keys := make([]string, len(reg.Schema.Key))
					got := check.Check(schema.Record{}, append([]string(nil), cells...), keys)
					assert.Equal(t, want, got, "%s %s", id, where)
					if len(want) == 0 {
						assert.Equal(t, wantKeys, keys, "%s %s: keys", id, where)
					}
				}
				for i, row := range s.Rows[1:] {
					compare(row, pair[0]+" row "+itoa(i+2))
					for c := range row {
						for _, v := range odd {
							cells := append([]string(nil), row...)
							cells[c] = v
							compare(cells, pair[0]+" row "+itoa(i+2)+" col "+itoa(c)+"="+v)
						}
					}
				}
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
