package all_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// FuzzVendorRowMapping maps any row through every vendor's schema with
// its sample header: field errors or a record, never a panic.
func FuzzVendorRowMapping(f *testing.F) {
	f.Add(uint8(0), "Ann\x00Lee\x00a@x.org\x00x\x00y\x00z")
	f.Add(uint8(1), "\x00\x00=1+1\x00********\x001e400\x002099-13-45")
	f.Add(uint8(2), strings.Repeat("é\x00", 20))
	names := providers.Names()
	f.Fuzz(func(t *testing.T, which uint8, row string) {
		reg, err := providers.Lookup(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		var header []string
		for _, fld := range reg.Schema.Fields {
			header = append(header, fld.Name)
		}
		mp, err := schema.NewMapper(reg.Schema, header, nil)
		if err != nil {
			t.Fatalf("%s: its own field names do not map: %v", reg.ID, err)
		}
		_, _ = mp.Map(strings.Split(row, "\x00"))
	})
}

// answer is what the fuzzed vendor says next.
type answer struct {
	mu     sync.Mutex
	status int
	body   []byte
	ctype  string
}

func (a *answer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	st, b, ct := a.status, a.body, a.ctype
	a.mu.Unlock()
	if r.URL.Path == "/oauth/token" || strings.Contains(r.URL.Path, "token") && r.Method == http.MethodPost && st < 300 {
		// ispring's token exchange: let it through so the create is parsed.
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t","expires_in":3600}`))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(st)
	_, _ = w.Write(b)
}

// FuzzVendorAnswers gives every vendor client any answer (status, body) to
// a create and a lookup: a created ID, or a *providers.Error with a code
// that is never NETWORK_ERROR (the vendor answered) and a message that is
// safe to print.
func FuzzVendorAnswers(f *testing.F) {
	f.Add(uint8(0), uint16(201), []byte(`{"id":"1","userId":"u1","sid":"s1","UserId":7}`), true)
	f.Add(uint8(1), uint16(409), []byte(`{"message":"exists","code":"1023"}`), false)
	f.Add(uint8(2), uint16(500), []byte("<html>\xff\xfe down</html>"), false)
	f.Add(uint8(3), uint16(200), []byte(`[]`), true)
	f.Add(uint8(4), uint16(429), []byte(`{"data":{"response":{"data":null}}}`), false)
	f.Add(uint8(0), uint16(200), []byte(`{"users":[{"email":1}]}`), true)
	names := providers.Names()
	ans := &answer{}
	srv := httptest.NewServer(ans)
	f.Cleanup(srv.Close)
	clients := map[string]providers.Client{}
	recs := map[string]schema.Record{}
	for _, id := range names {
		reg, _ := providers.Lookup(id)
		s := reg.Simulator(sim.Options{})
		c, err := reg.New(providers.Config{BaseURL: srv.URL, Credentials: s.Credentials})
		if err != nil {
			f.Fatal(err)
		}
		clients[id] = c
		recs[id] = validRecord(f, id)
	}
	f.Fuzz(func(t *testing.T, which uint8, status uint16, body []byte, json bool) {
		id := names[int(which)%len(names)]
		st := 200 + int(status)%400 // 200..599, no 1xx
		if st >= 300 && st < 400 {
			st = 200 + st%100
		}
		ans.mu.Lock()
		ans.status, ans.body, ans.ctype = st, body, map[bool]string{true: "application/json", false: "text/html"}[json]
		ans.mu.Unlock()
		ctx := t.Context()
		_, err := clients[id].Create(ctx, recs[id])
		check(t, id, "create", err)
		if err == nil && st >= 300 {
			t.Fatalf("%s: created from HTTP %d", id, st)
		}
		if fd, ok := clients[id].(providers.Finder); ok {
			_, _, err := fd.Find(ctx, recs[id])
			check(t, id, "find", err)
		}
	})
}

func check(t *testing.T, id, what string, err error) {
	if err == nil {
		return
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		return // a client-side refusal (a record without its key): not an answer
	}
	if pe.Code == "" {
		t.Fatalf("%s %s: an error without a code: %v", id, what, err)
	}
	if pe.Code == providers.NetworkError {
		t.Fatalf("%s %s: the vendor answered, yet NETWORK_ERROR: %v", id, what, err)
	}
}
