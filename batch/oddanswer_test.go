package batch_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onboard/onboard/batch"
	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// oddPeople is how many people each odd-answer run sends.
const oddPeople = 4

// isCreate tells a create request from a token call or a lookup.
func isCreate(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	return p == "/user" || strings.HasSuffix(p, "/user/create") || strings.HasSuffix(p, "/createUser") ||
		strings.HasSuffix(p, "/users") || strings.HasSuffix(p, "/Users") // SCIM
}

// oddCreates answers every create 200 with body. When forward is set the
// vendor handles the request first (the person is created and only the
// answer is odd); otherwise nothing reaches it (a proxy answered). It
// counts the creates it saw by request body.
type oddCreates struct {
	body    string
	forward bool
	mu      sync.Mutex
	posts   map[string]int // by request body
}

func (o *oddCreates) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isCreate(r) {
			next.ServeHTTP(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		o.mu.Lock()
		o.posts[string(b)]++
		o.mu.Unlock()
		if o.forward {
			r.Body = io.NopCloser(bytes.NewReader(b))
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if rec.Code/100 != 2 {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, o.body)
	})
}

// readableNoID is, per vendor, a 2xx answer in the vendor's own shape that
// holds no ID; "" where the vendor's answer is the bare ID (ispring).
var readableNoID = map[string]string{
	"alphalearn":        `{"success":true,"data":{"response":{"acknowledgement":"Success","data":{},"error":{"code":""}}}}`,
	"bksb":              `{"Username":"someone"}`,
	"smartapp":          `{"email":"someone@example.com"}`,
	"smarterproctoring": `{"firstName":"Ann"}`,
	"scim":              `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"someone"}`,
}

// TestOneCreatePerPersonWhateverTheVendorAnswers: a 2xx is the vendor's
// "done", whatever its body. An empty, HTML, cut-short or ID-less answer
// is followed by a lookup, never by another create: one POST per person
// (it was 4: 16 POSTs for 4 people). The vendor did create them, so the
// lookup finds each one: created with the vendor's ID. When the 200 came
// from something that never reached the vendor, an unreadable answer ends
// unknown (the next run's lookup settles it) and a readable one created
// with the ID unknown; still one POST each.
func TestOneCreatePerPersonWhateverTheVendorAnswers(t *testing.T) {
	bodies := map[string]string{"empty": "", "html": "<html><body>Saved.</body></html>", "cut short": `{"us`}
	for _, id := range providers.Names() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			cases := map[string]string{}
			for k, v := range bodies {
				cases[k] = v
			}
			if b := readableNoID[id]; b != "" {
				cases["readable, no ID"] = b
			}
			for name, body := range cases {
				readable := name == "readable, no ID"
				for _, forward := range []bool{true, false} {
					t.Run(name+map[bool]string{true: ", created", false: ", not forwarded"}[forward], func(t *testing.T) {
						odd := &oddCreates{body: body, forward: forward, posts: map[string]int{}}
						v := newVendorRun(t, id, sim.Options{}, odd.wrap)
						path, keys := manyRoster(t, v.reg, oddPeople)
						st := openState(t)
						sub := submit.Options{Workers: 2, Retries: 3, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
						out, _, err := v.run(t, path, sub, st)
						require.NoError(t, err)
						require.Len(t, out, oddPeople)

						odd.mu.Lock()
						total := 0
						for b, n := range odd.posts {
							assert.Equal(t, 1, n, "one create per person: %s", b)
							total += n
						}
						odd.mu.Unlock()
						assert.Equal(t, oddPeople, total, "4 POSTs for 4 people")
						for _, o := range out {
							u, there := v.sim.Store.Find(keys[o.Line])
							switch {
							case forward:
								require.True(t, there)
								assert.Equal(t, batch.Created, o.Status, "row %d: %v %s", o.Line, o.Problems, o.Note)
								assert.Equal(t, u.ID, o.ID, "row %d: the lookup found the ID", o.Line)
							case readable:
								assert.Equal(t, batch.Created, o.Status, "row %d: the vendor said done", o.Line)
								assert.Empty(t, o.ID)
								assert.Contains(t, o.Note, "vendor ID unknown")
							default:
								assert.Equal(t, batch.Unknown, o.Status, "row %d: %v", o.Line, o.Problems)
								require.NotEmpty(t, o.Problems)
								assert.Equal(t, batch.OutcomeUnknown, o.Problems[0].Code)
								assert.Contains(t, o.Note, "(HTTP 200): HTTP 200 without", "the results say what the vendor answered")
							}
						}
						if forward || readable {
							return
						}
						// The next run looks each unknown person up, finds
						// nobody, and creates them: once.
						odd.mu.Lock()
						odd.forward, odd.body = true, `{"id":"x","userId":"u","sid":"s","UserId":1}`
						odd.posts = map[string]int{}
						odd.mu.Unlock()
						_, _, err = v.run(t, path, sub, st)
						require.NoError(t, err)
						assertOnce(t, v.sim)
						assert.Equal(t, oddPeople, v.sim.Store.Len())
					})
				}
			}
		})
	}
}
