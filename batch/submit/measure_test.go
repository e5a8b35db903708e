package submit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/schema"
)

func TestMeasure(t *testing.T) {
	noLeaks(t)
	v := newVendor(t, map[string][]step{email(3): {answer(400, "")}})
	c := newClient(t, v.srv.URL)
	rec := func(i int) schema.Record { return schema.Record{"email": email(i)} }

	m, err := Measure(t.Context(), c, Options{Workers: 3}, 20, rec)
	require.NoError(t, err)
	assert.Equal(t, 20, m.Jobs)
	assert.Equal(t, 1, m.Failed)
	assert.Equal(t, int64(20), m.Stats.Requests)
	assert.Positive(t, m.PerSecond())
	assert.Len(t, v.seen(), 20)

	_, err = Measure(t.Context(), c, Options{Workers: -1}, 5, rec)
	require.ErrorIs(t, err, errOptions)
}
