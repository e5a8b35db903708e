package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
	"github.com/onboard/onboard/schema"
)

// Wire is a vendor's behaviour as a golden file records it: its schema,
// how every sample row maps, the create request of every valid row, how
// its hand-written simulator answers each of them, and how every scripted
// answer is read. A vendor moved from Go to a vendor file proves it kept
// its behaviour by producing the same Wire as the Go code it replaces.
type Wire struct {
	Schema   []string            `json:"schema"`
	Rows     map[string][]string `json:"rows"`     // sample:line → problems, or the request sent
	Simulate map[string][]string `json:"simulate"` // sample:line → create, duplicate, find
	Answers  []string            `json:"answers"`  // scripted answer → the error read
}

// EquivalenceCase is one scripted vendor answer.
type EquivalenceCase struct {
	Name   string
	Answer Answer
}

// SampleFile is a roster of samples/<id>/ and its mapping ("" for none).
type SampleFile struct{ CSV, Mapping string }

// WireSetup is what RecordWire drives a vendor through.
type WireSetup struct {
	Samples []SampleFile
	OK      Answer // the Recorder's answer to every sample create (a success)
	Cases   []EquivalenceCase
	// Creds are the credentials for the Recorder; nil makes one up per name.
	Creds map[string]string
	// UpdateID is the vendor ID sample updates go to; "" means "id/1 ?x".
	UpdateID string
	// LookupCases are answers to the lookup and the update: each is sent
	// to Find and to Update (with UpdateID) when the client has them.
	LookupCases []EquivalenceCase
}

// RecordWire drives reg through its samples and cases and returns the Wire.
func RecordWire(t *testing.T, reg *providers.Registration, ws WireSetup) Wire {
	t.Helper()
	samples, ok, cases := ws.Samples, ws.OK, ws.Cases
	creds := ws.Creds
	if creds == nil {
		creds = fakeCreds(reg)
	}
	updateID := ws.UpdateID
	if updateID == "" {
		updateID = "id/1 ?x"
	}
	w := Wire{Rows: map[string][]string{}, Simulate: map[string][]string{}}
	w.Schema = describeSchema(reg.Schema)
	for _, sf := range samples {
		s := &Sample{Reg: reg, Rows: SampleRows(t, reg.ID, sf.CSV)}
		if sf.Mapping != "" {
			var err error
			s.Mapping, err = schema.LoadMapping(SamplePath(reg.ID, sf.Mapping))
			require.NoError(t, err)
		}
		mp := s.Mapper(t)
		srv := reg.Simulator(sim.Options{Seed: 1})
		ts := httptest.NewServer(srv.Handler)
		simClient, err := reg.New(Config(ts.URL, srv.Credentials))
		require.NoError(t, err)
		for line := 2; line <= len(s.Rows); line++ {
			key := fmt.Sprintf("%s:%d", sf.CSV, line)
			rec, errs := mp.Map(s.Rows[line-1])
			if len(errs) > 0 {
				for _, fe := range errs {
					w.Rows[key] = append(w.Rows[key], fmt.Sprintf("%s %s %s", fe.Field, fe.Code, fe.Message))
				}
				continue
			}
			rr := NewRecorder(t, ok)
			c, err := reg.New(Config(rr.URL, creds))
			require.NoError(t, err)
			_, err = c.Create(Context(t), rec)
			w.Rows[key] = append(w.Rows[key], "create: "+outcome(providers.Created{}, err, true))
			if f, ok := c.(providers.Finder); ok {
				// The lookup's request too; the create's answer is no list.
				_, found, err := f.Find(Context(t), rec)
				w.Rows[key] = append(w.Rows[key], fmt.Sprintf("find: found=%v %v", found, err != nil))
			}
			if u, ok := c.(providers.Updater); ok {
				var changed []string
				for i := range reg.Schema.Fields {
					if f := reg.Schema.Fields[i].Name; u.Updatable(f) {
						changed = append(changed, f)
					}
				}
				err := u.Update(Context(t), updateID, changed, rec)
				w.Rows[key] = append(w.Rows[key], fmt.Sprintf("update %v: %s", changed, outcome(providers.Created{}, err, true)))
			}
			for _, rq := range rr.Requests() {
				w.Rows[key] = append(w.Rows[key], requestText(rq))
			}
			// Simulators may make random IDs: the Wire keeps whether the
			// lookup finds the created one, not the ID itself.
			got, err := simClient.Create(Context(t), rec)
			first := outcome(got, err, true)
			for k := range got.Extra {
				first += " +" + k
			}
			_, err = simClient.Create(Context(t), rec)
			dup := outcome(providers.Created{}, err, false)
			found := "no finder"
			if f, ok := simClient.(providers.Finder); ok {
				id, ok, err := f.Find(Context(t), rec)
				found = fmt.Sprintf("found=%v same-id=%v err=%v", ok, id == got.ID, err)
			}
			w.Simulate[key] = []string{first, dup, found}
		}
		ts.Close()
	}
	for _, tc := range cases {
		rr := NewRecorder(t, tc.Answer)
		c, err := reg.New(Config(rr.URL, creds))
		require.NoError(t, err)
		got, err := c.Create(Context(t), exampleRecord(reg))
		w.Answers = append(w.Answers, tc.Name+": "+outcome(got, err, false))
	}
	for _, tc := range ws.LookupCases {
		rr := NewRecorder(t, tc.Answer)
		c, err := reg.New(Config(rr.URL, creds))
		require.NoError(t, err)
		good := exampleRecord(reg)
		if f, ok := c.(providers.Finder); ok {
			id, found, err := f.Find(Context(t), good)
			w.Answers = append(w.Answers, fmt.Sprintf("find %s: found=%v id=%s %s", tc.Name, found, id, outcome(providers.Created{}, err, true)))
		}
		if u, ok := c.(providers.Updater); ok {
			err := u.Update(Context(t), updateID, []string{reg.Schema.Fields[0].Name}, good)
			w.Answers = append(w.Answers, fmt.Sprintf("update %s: %s", tc.Name, outcome(providers.Created{}, err, true)))
		}
		for _, rq := range rr.Requests() {
			w.Answers = append(w.Answers, "  "+requestText(rq))
		}
	}
	return w
}

// exampleRecord is the schema's required and key fields, from their examples.
func exampleRecord(reg *providers.Registration) schema.Record {
	var good schema.Record
	for i := range reg.Schema.Fields {
		f := &reg.Schema.Fields[i]
		if f.Required || slices.Contains(reg.Schema.Key, f.Name) {
			good = setExample(good, f)
		}
	}
	return good
}

func setExample(r schema.Record, f *schema.Field) schema.Record {
	if r == nil {
		r = schema.Record{}
	}
	switch f.Type {
	case schema.Integer:
		var n int64
		_, _ = fmt.Sscan(f.Example, &n)
		r[f.Name] = n
	default:
		r[f.Name] = f.Example
	}
	return r
}

// fakeCreds sets every credential the vendor reads.
func fakeCreds(reg *providers.Registration) map[string]string {
	out := map[string]string{}
	for _, spec := range reg.Credentials {
		for _, alt := range bytes.FieldsFunc([]byte(spec), func(r rune) bool { return r == '|' || r == '+' }) {
			out[string(alt)] = "test-" + string(alt)
		}
	}
	return out
}

func outcome(c providers.Created, err error, hideID bool) string {
	if err != nil {
		e := providers.AsError(context.Background(), err)
		return fmt.Sprintf("error code=%s status=%d vendor=%q field=%q msg=%q retry=%s sent=%v", e.Code, e.Status, e.VendorCode, e.Field, e.Message, e.RetryAfter, e.Sent)
	}
	if hideID {
		return "created"
	}
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := "created id=" + c.ID
	for _, k := range keys {
		s += " " + k + "=" + c.Extra[k]
	}
	return s
}

// requestText is a request without its credentials: method, path and
// query, headers other than Authorization, and the body as canonical JSON.
func requestText(rq Request) string {
	h := rq.Header.Clone()
	for _, k := range []string{"Authorization", "Token", "User-Agent", "Accept-Encoding", "Content-Length"} {
		h.Del(k)
	}
	var hs []string
	for k, v := range h {
		hs = append(hs, k+"="+fmt.Sprint(v))
	}
	sort.Strings(hs)
	body := rq.Raw
	var v any
	d := json.NewDecoder(bytes.NewReader([]byte(rq.Raw)))
	d.UseNumber()
	if d.Decode(&v) == nil {
		b, _ := json.Marshal(v)
		body = string(b)
	}
	return fmt.Sprintf("%s %s %v %s", rq.Method, rq.URI, hs, body)
}

func describeSchema(s *schema.Schema) []string {
	out := []string{fmt.Sprintf("provider=%s key=%v extra=%s", s.Provider, s.Key, s.Extra)}
	for _, f := range s.Fields {
		pat := ""
		if f.Pattern != nil {
			pat = f.Pattern.String()
		}
		syn, _ := json.Marshal(f.Synonyms)
		out = append(out, fmt.Sprintf("field %s type=%s required=%v enum=%v synonyms=%s pattern=%q text=%q check=%v checkNumber=%v warn=%v past=%v len=%d..%d aliases=%q secret=%v sep=%q example=%q description=%q",
			f.Name, f.Type, f.Required, f.Enum, syn, pat, f.PatternText, f.Check != nil, f.CheckNumber != nil, f.Warn != nil, f.Past,
			f.MinLen, f.MaxLen, f.Aliases, f.Secret, f.Separator, f.Example, f.Description))
	}
	for _, r := range s.Rules {
		out = append(out, "rule "+r.Name+" / "+r.Description)
	}
	return out
}

var updateWire = flag.Bool("update-wire", false, "rewrite testdata/wire.golden.json from the registered vendor (before its Go code is deleted)")

// Equivalence is a vendor package's TestEquivalence: the vendor registered
// as id, driven through ws (by default both sample rosters), must produce
// the Wire in testdata/wire.golden.json, which was recorded from the Go
// vendor with -update-wire before its Go code was deleted.
func Equivalence(t *testing.T, id string, ws WireSetup) {
	t.Helper()
	reg, err := providers.Lookup(id)
	require.NoError(t, err)
	if ws.Samples == nil {
		ws.Samples = []SampleFile{{CSV: "roster.csv"}, {CSV: "roster-mapped.csv", Mapping: "map.yaml"}}
	}
	CheckWire(t, "testdata/wire.golden.json", RecordWire(t, reg, ws), *updateWire)
}

// CheckWire compares got with the golden file at path; with update it
// writes got there first.
func CheckWire(t *testing.T, path string, got Wire, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	if update {
		require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file (make it with -update-wire from the Go vendor)")
	var w Wire
	require.NoError(t, json.Unmarshal(want, &w))
	require.Equal(t, w.Schema, got.Schema, "schema")
	require.Equal(t, w.Rows, got.Rows, "sample rows: problems and requests")
	require.Equal(t, w.Simulate, got.Simulate, "against the reference simulator")
	require.Equal(t, w.Answers, got.Answers, "error table")
}
