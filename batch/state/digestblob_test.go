package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One encoder over a batch whose rows change fields, lose one, carry a
// digest that is not hex, or none at all gives each row the blob a fresh
// encoding of that row alone gives, and no blob shares bytes with another.
func TestDigestEncoderMatchesOneRowEncoding(t *testing.T) {
	s, _ := openTemp(t)
	h := "0123456789abcdef01234567"
	rows := []map[string]string{
		{"email": h, "lastName": h},
		{"email": h, "lastName": "89abcdef0123456789abcdef"},
		{"email": h, "firstName": h},                          // same count, another field
		{"email": h},                                          // one fewer
		{"email": h, "firstName": "NOT-HEX"},                  // JSON text
		{"email": h, "firstName": "0123456789ABCDEF01234567"}, // upper case: JSON text
		nil,
		{"email": h, "firstName": h},
		{"email": h, "firstName": "0123456789abcdef0123456g"}, // 24 digits, one not hex: JSON text
		{"zeta": h, "alpha": h, "email": h},
	}
	enc := digestEncoder{s: s}
	var got [][]byte
	for _, d := range rows {
		b, err := enc.blob(d)
		require.NoError(t, err)
		got = append(got, b)
	}
	for i, d := range rows {
		want, err := s.digestBlob(d)
		require.NoError(t, err)
		assert.Equal(t, want, got[i], "row %d", i)
		back, err := decodeDigestBlob(s, got[i], nil)
		require.NoError(t, err)
		if len(d) == 0 {
			assert.Nil(t, back, "row %d", i)
		} else {
			assert.Equal(t, d, back, "row %d", i)
		}
	}
	assert.Equal(t, byte(blobDigests), got[0][0])
	assert.Equal(t, byte('{'), got[4][0])
	assert.Equal(t, byte('{'), got[5][0])
	assert.Equal(t, byte('{'), got[8][0])
	// Blobs are capped slices of one buffer: appending to one must not
	// write into the next.
	_ = append(got[0], 0xff, 0xff)
	want, _ := s.digestBlob(rows[1])
	assert.Equal(t, want, got[1])
}

// A run's packed digests (Outcome.Packed) give each row the blob its map
// gives, and add the same digest_fields in the same order, whether a
// field is new, absent from a row, or its digest not hex.
func TestDigestEncoderPackedMatchesMap(t *testing.T) {
	h, g := "0123456789abcdef01234567", "89abcdef0123456789abcdef"
	none := string(make([]byte, 24))
	fields := []string{"lastName", "email", "phone", "firstName"}
	rows := []string{
		h + h + none + none, // two fields; phone and firstName absent
		g + h + none + none,
		h + h + g + h, // phone and firstName new
		none + none + none + none,
		h + none + "0123456789ABCDEF01234567" + h, // upper case: JSON text
		h + h + h + h,
	}
	mapStore, _ := openTemp(t)
	packStore, _ := openTemp(t)
	menc, penc := digestEncoder{s: mapStore}, digestEncoder{s: packStore}
	for i, hex := range rows {
		o := Outcome{Packed: DigestRow{Fields: fields, Hex: hex}}
		want, err := menc.blob(o.DigestMap())
		require.NoError(t, err)
		got, err := penc.outcome(&o)
		require.NoError(t, err)
		assert.Equal(t, want, got, "row %d", i)
	}
	names := func(s *Store) []string {
		rs, err := s.db.Query(`SELECT name FROM digest_fields ORDER BY id`)
		require.NoError(t, err)
		defer rs.Close()
		var out []string
		for rs.Next() {
			var n string
			require.NoError(t, rs.Scan(&n))
			out = append(out, n)
		}
		return out
	}
	assert.Equal(t, names(mapStore), names(packStore))
	assert.Len(t, names(packStore), 4)
	// A map, when set, is what is stored.
	o := Outcome{Digests: map[string]string{"email": g}, Packed: DigestRow{Fields: fields, Hex: rows[0]}}
	want, _ := mapStore.digestBlob(o.Digests)
	got, err := penc.outcome(&o)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
