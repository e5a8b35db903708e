package providertest

import (
	"maps"

	"github.com/onboard/onboard/schema"
)

// Other returns a copy of good that is a different person: every string Key
// field gets an "other" prefix ("ann@x.org" → "otherann@x.org"), so no unique
// key of good matches it.
func Other(s *schema.Schema, good schema.Record) schema.Record {
	rec := maps.Clone(good)
	for _, k := range s.Key {
		if v, ok := rec[k].(string); ok && v != "" {
			rec[k] = "other" + v
		}
	}
	return rec
}
