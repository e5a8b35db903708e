package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/schema"
)

// digestsBefore is how digests were computed before they were one
// sha256.Sum256 of one buffer: the stored digests of earlier runs were
// made this way, so every digest must stay byte-identical to it.
func digestsBefore(d *digester, rec schema.Record) map[string]string {
	out := make(map[string]string, len(rec))
	h := sha256.New()
	var sum [sha256.Size]byte
	for name, v := range rec {
		if f := d.s.Field(name); f == nil || f.Secret {
			continue
		}
		b, err := digestJSON(nil, v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		h.Reset()
		h.Write([]byte(d.salt))
		h.Write([]byte{0})
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(b)
		out[name] = hex.EncodeToString(h.Sum(sum[:0])[:12])
	}
	return out
}

func TestDigestsAsBefore(t *testing.T) {
	s := &schema.Schema{}
	for _, n := range []string{"email", "firstName", "lastName", "age", "active", "start", "tags", "metadata", "password", "note"} {
		s.Fields = append(s.Fields, schema.Field{Name: n, Secret: n == "password"})
	}
	for i := range 20 {
		s.Fields = append(s.Fields, schema.Field{Name: "f" + strconv.Itoa(i)})
	}
	wide := schema.Record{}
	for i := range 20 { // more fields than digests keeps on its stack
		wide["f"+strconv.Itoa(i)] = strings.Repeat("v", i*20)
	}
	long := strings.Repeat("é\"\\\n", 200) // past the scratch buffer, escapes
	cases := map[string]schema.Record{
		"empty":   {},
		"plain":   {"email": "ann@x.org", "firstName": "Ann", "lastName": "Lee"},
		"escapes": {"firstName": "Zoë \"Z\"", "note": "a\nb\t<c>&", "lastName": long},
		"typed": {"age": 42, "active": true, "start": time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			"tags": []string{"a", "b"}, "metadata": map[string]any{"b": "2", "a": 1.5, "c": "x\"y"}},
		"secret":        {"email": "ann@x.org", "password": "hunter2"},
		"unknown field": {"email": "ann@x.org", "nobody": "x"},
		"unmarshalable": {"note": make(chan int), "age": func() {}},
		"wide":          wide,
	}
	for _, salt := range []string{"", "salt-0123456789abcdef0123456789abcdef", strings.Repeat("s", 300)} {
		d := newDigester(s, salt)
		for name, rec := range cases {
			t.Run(name, func(t *testing.T) {
				want := digestsBefore(d, rec)
				got := d.digests(rec)
				require.Equal(t, want, got)
				if _, ok := rec["password"]; ok {
					require.NotContains(t, got, "password")
				}
			})
		}
	}
}

// A field's last value and first values are kept per goroutine with their
// digests, so a value repeated is hashed once: the digests stay the ones
// every value hashed afresh gives, whichever values repeat or change, on
// several goroutines at once.
func TestDigestsOfRepeatedValues(t *testing.T) {
	s := &schema.Schema{Fields: []schema.Field{{Name: "email"}, {Name: "company"}, {Name: "role"}, {Name: "password", Secret: true}, {Name: "tags"}}}
	d := newDigester(s, "salt-0123456789abcdef")
	roles := []any{"guest", "admin", "guest", "gues", "guest2", "", "guest", 7, "7"}
	// Past digestsTrial rows the emails stop repeating (the field stops
	// asking), the companies become more than digestsSeen (the field
	// keeps the first ones) and the roles keep repeating.
	const n = 3 * digestsTrial
	recs := make([]schema.Record, 0, n)
	for i := range n {
		email, company := fmt.Sprintf("u%d@x.org", i%7), "Acme"
		if i > digestsTrial {
			email, company = fmt.Sprintf("u%d@x.org", i), fmt.Sprintf("Acme %d", i%(2*digestsSeen))
		}
		rec := schema.Record{"email": email, "company": company, "role": roles[i%len(roles)], "password": "pw"}
		if i%3 == 0 {
			delete(rec, "company")
		}
		if i%5 == 0 {
			rec["tags"] = []string{"a", strconv.Itoa(i % 2)}
		}
		recs = append(recs, rec)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range recs {
				rec := recs[(i+g*17)%len(recs)]
				if want, got := digestsBefore(d, rec), d.digests(rec); !maps.Equal(want, got) {
					errs <- fmt.Sprintf("goroutine %d, record %v: %v, want %v", g, rec, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// BenchmarkDigests digests smartapp-like rows: names beyond ASCII, two
// constants, an enum, an email and a phone number that change every row.
func BenchmarkDigests(b *testing.B) {
	s := &schema.Schema{}
	for _, n := range []string{"firstName", "lastName", "email", "phone", "companyName", "companyLocationName", "licenceType", "password"} {
		s.Fields = append(s.Fields, schema.Field{Name: n, Secret: n == "password"})
	}
	d := newDigester(s, "salt-0123456789abcdef0123456789abcdef")
	first := []string{"Chloé", "Zoë", "Ann", "Bob"}
	recs := make([]schema.Record, 1000)
	for i := range recs {
		recs[i] = schema.Record{"firstName": first[i%4], "lastName": "Okafor", "email": fmt.Sprintf("user%d@example.com", i),
			"phone": fmt.Sprintf("41555%05d", i), "companyName": "smartapp.com", "companyLocationName": "headquarters",
			"licenceType": []string{"LicencedUser", "TransactionBasedUser"}[i%2], "password": "pw"}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.digests(recs[i%len(recs)])
	}
}
