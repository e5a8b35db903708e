package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/onboard/onboard/batch/submit"
	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/sim"
)

// testServe is a page server on loopback and a browser-like client
// logged in through its one-time token.
type testServe struct {
	t    *testing.T
	srv  *server // nil for a serve child process
	ts   *httptest.Server
	c    *http.Client
	base string // the child process's address; "" for ts
}

func (s *testServe) url() string {
	if s.base != "" {
		return s.base
	}
	return s.ts.URL
}

func serveFlagsForTest(t *testing.T) *serveFlags {
	return &serveFlags{addr: "127.0.0.1:0", dir: filepath.Join(t.TempDir(), "serve"), keep: 30, simulate: true,
		proxyHeader: "X-Forwarded-User", timeout: providers.DefaultTimeout,
		submit: submit.Options{Rate: 0, Burst: 1, Workers: 1, Retries: 3, Breaker: submit.DefaultBreaker}}
}

func startServe(t *testing.T, f *serveFlags) *testServe {
	t.Helper()
	srv, err := newServer(f, io.Discard)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.handler())
	t.Cleanup(func() { ts.Close(); srv.close() })
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &testServe{t: t, srv: srv, ts: ts, c: c}
	if f.auth == "" {
		res := s.get("/?token=" + srv.auth.token)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
	}
	return s
}

func (s *testServe) do(req *http.Request) *http.Response {
	s.t.Helper()
	res, err := s.c.Do(req)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { res.Body.Close() })
	return res
}

func (s *testServe) get(path string) *http.Response {
	req, _ := http.NewRequest(http.MethodGet, s.url()+path, nil)
	return s.do(req)
}

func (s *testServe) post(path string, form url.Values) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, s.url()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// upload sends a roster as the page's form does and returns the job id.
func (s *testServe) upload(vendor, path string) string {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(s.t, mw.WriteField("vendor", vendor))
	fw, err := mw.CreateFormFile("roster", filepath.Base(path))
	require.NoError(s.t, err)
	b, err := os.ReadFile(path)
	require.NoError(s.t, err)
	_, _ = fw.Write(b)
	require.NoError(s.t, mw.Close())
	req, _ := http.NewRequest(http.MethodPost, s.url()+"/jobs", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := s.do(req)
	require.Equal(s.t, http.StatusSeeOther, res.StatusCode, body(s.t, res))
	loc := res.Header.Get("Location")
	require.True(s.t, strings.HasPrefix(loc, "/jobs/") && strings.HasSuffix(loc, "/map"), loc)
	return strings.TrimSuffix(strings.TrimPrefix(loc, "/jobs/"), "/map")
}

var selectRe = regexp.MustCompile(`(?s)<select name="(col\d+)".*?</select>`)
var selectedRe = regexp.MustCompile(`<option value="([^"]*)" selected>`)

// mapAsGuessed submits the Map step with the page's guesses.
func (s *testServe) mapAsGuessed(id string) {
	s.t.Helper()
	page := body(s.t, s.get("/jobs/"+id+"/map"))
	form := url.Values{}
	for _, m := range selectRe.FindAllStringSubmatch(page, -1) {
		if sel := selectedRe.FindStringSubmatch(m[0]); sel != nil {
			form.Set(m[1], sel[1])
		}
	}
	res := s.post("/jobs/"+id+"/map", form)
	require.Equal(s.t, http.StatusSeeOther, res.StatusCode, body(s.t, res))
}

func (s *testServe) job(id string) jobMeta {
	j := s.srv.jobs.get(id)
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.meta
}

// waitRun follows the event stream until the run ends.
func (s *testServe) waitRun(id string) []string {
	s.t.Helper()
	res := s.get("/jobs/" + id + "/events")
	require.Equal(s.t, "text/event-stream", res.Header.Get("Content-Type"))
	var events []string
	last := -1
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, ev)
		}
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var v runView
			require.NoError(s.t, json.Unmarshal([]byte(data), &v))
			done := v.Counts.Created + v.Counts.Skipped + v.Counts.Invalid + v.Counts.Failed
			assert.GreaterOrEqual(s.t, done, last, "the live counts only rise")
			last = done
		}
	}
	require.NotEmpty(s.t, events)
	require.Equal(s.t, "end", events[len(events)-1])
	return events
}

var msgRe = regexp.MustCompile(`(?s)<input [^>]*aria-invalid="true" aria-describedby="m-(\d+)-(\d+)">\s*<div class="msg" id="m-(\d+)-(\d+)">([^<]*)</div>`)

// pageProblems reads every marked cell of the errors-only grid, window by
// window, as "row N: message" lines.
func (s *testServe) pageProblems(id string) []string {
	s.t.Helper()
	var out []string
	from := 0
	for range 1000 {
		page := body(s.t, s.get("/jobs/"+id+"/rows?errors=1&from="+itoa(from)))
		for _, m := range msgRe.FindAllStringSubmatch(page, -1) {
			require.Equal(s.t, m[1]+m[2], m[3]+m[4], "aria-describedby names the cell's own message")
			for _, l := range strings.Split(html.UnescapeString(m[5]), "\n") {
				out = append(out, "row "+m[1]+": "+l)
			}
		}
		next := regexp.MustCompile(`rows\?from=(\d+)&amp;errors=1" hx-target="#grid" hx-swap="outerHTML">Next`).FindStringSubmatch(page)
		if next == nil {
			break
		}
		from = atoi(next[1])
	}
	sort.Strings(out)
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// validateLines is `onboard validate`'s problem lines for the file.
func validateLines(t *testing.T, vendor, mapping, path string) []string {
	t.Helper()
	_, out, _ := onboard(t, "validate", "-p", vendor, "-m", mapping, path)
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "row ") {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return lines
}

func TestServeRefusesAnAddressOthersReachWithoutAuth(t *testing.T) {
	for _, tc := range []struct {
		addr, auth, htpasswd, proxy string
		want                        string // "" accepted
	}{
		{addr: "127.0.0.1:8080"},
		{addr: "localhost:8080"},
		{addr: "[::1]:8080"},
		{addr: "0.0.0.0:8080", want: "--addr 0.0.0.0:8080 can be reached from other machines: add --auth htpasswd or --auth proxy"},
		{addr: ":8080", want: "can be reached from other machines"},
		{addr: "192.168.1.5:80", want: "can be reached from other machines"},
		{addr: "0.0.0.0:8080", auth: "htpasswd", want: "--auth htpasswd needs --htpasswd FILE"},
		{addr: "0.0.0.0:8080", auth: "htpasswd", htpasswd: "users"},
		{addr: "0.0.0.0:8080", auth: "proxy", want: "--auth proxy needs --trusted-proxy"},
		{addr: "0.0.0.0:8080", auth: "proxy", proxy: "10.0.0.0/8"},
		{addr: "0.0.0.0:8080", auth: "oidc", want: `--auth "oidc": use htpasswd or proxy`},
	} {
		f := &serveFlags{addr: tc.addr, auth: tc.auth, htpasswd: tc.htpasswd, trustedProxy: tc.proxy, keep: 30}
		err := f.checkListen()
		if tc.want == "" {
			assert.NoError(t, err, tc.addr)
		} else if assert.Error(t, err, tc.addr) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	// From the command line: one line, exit 2, nothing listening.
	code, out, errOut := onboard(t, "serve", "--addr", "0.0.0.0:0", "--dir", t.TempDir())
	assert.Equal(t, exitFatal, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, errOut)
	assert.Contains(t, errOut, "add --auth htpasswd or --auth proxy")
}

func TestServeTokenBecomesCookieOnce(t *testing.T) {
	f := serveFlagsForTest(t)
	srv, err := newServer(f, io.Discard)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.handler())
	defer func() { ts.Close(); srv.close() }()
	token := srv.auth.token
	require.Len(t, token, 48)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Every route needs the login, the assets too.
	for _, p := range []string{"/", "/history", "/static/htmx.min.js", "/jobs/x/map", "/template/alphalearn"} {
		res, err := noFollow.Get(ts.URL + p)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, p)
	}
	res, err := noFollow.Get(ts.URL + "/?token=wrong")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	res, err = noFollow.Get(ts.URL + "/history?token=" + token)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/history", res.Header.Get("Location"), "the token leaves the address bar")
	cookies := res.Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.Equal(t, sessionCookie, c.Name)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	assert.NotContains(t, c.Value, token)

	// The cookie works; the token does not work twice.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	req.AddCookie(c)
	res, err = noFollow.Do(req)
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, string(page), token)
	res, err = noFollow.Get(ts.URL + "/?token=" + token)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}

func TestServeRefusesCrossOriginPosts(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/jobs", strings.NewReader("vendor=alphalearn"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res := s.do(req)
		assert.Equal(t, http.StatusForbidden, res.StatusCode, h)
	}
	// Refused before the login is even asked for.
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/jobs", nil)
	req.Header.Set("Origin", "http://evil.example")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	// The page's own requests pass.
	req, _ = http.NewRequest(http.MethodPost, s.ts.URL+"/jobs/none/stop", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusNotFound, s.do(req).StatusCode)
}

func TestServeHtpasswd(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	require.NoError(t, err)
	f := serveFlagsForTest(t)
	f.auth, f.htpasswd = "htpasswd", write(t, "users", "# HR\nhr.admin:"+string(hash)+"\n")
	s := startServe(t, f)
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"hr.admin", "s3cret-pass", 200}, {"hr.admin", "wrong", 401}, {"nobody", "s3cret-pass", 401}, {"", "", 401}} {
		req, _ := http.NewRequest(http.MethodGet, s.ts.URL+"/", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		res := s.do(req)
		assert.Equal(t, tc.want, res.StatusCode, tc.user+":"+tc.pass)
		if tc.want == 401 {
			assert.Contains(t, res.Header.Get("WWW-Authenticate"), "Basic")
		}
	}
	_, err = readHtpasswd(write(t, "md5", "hr:$apr1$abc$def\n"))
	assert.ErrorContains(t, err, "not bcrypt")
}

func TestServeProxyHeaderOnlyFromTheProxy(t *testing.T) {
	for _, tc := range []struct {
		trusted, user string
		want          int
	}{{"127.0.0.1", "hr.admin", 200}, {"127.0.0.0/8", "hr.admin", 200}, {"127.0.0.1", "", 401}, {"10.1.2.3", "hr.admin", 401}} {
		f := serveFlagsForTest(t)
		f.auth, f.trustedProxy = "proxy", tc.trusted
		s := startServe(t, f)
		req, _ := http.NewRequest(http.MethodGet, s.ts.URL+"/history", nil)
		if tc.user != "" {
			req.Header.Set("X-Forwarded-User", tc.user)
		}
		assert.Equal(t, tc.want, s.do(req).StatusCode, tc)
	}
}

// TestServeWholeJob walks one roster through every step over HTTP: the
// problems the page marks are validate's, a fixed cell re-validates, the
// plan is plan's, a double start runs once, and the results equal, cell
// for cell, `onboard run` on the corrected file the page exports.
func TestServeWholeJob(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	roster := "../../samples/alphalearn/roster.csv"
	id := s.upload("alphalearn", roster)
	j := s.srv.jobs.get(id)
	st, err := os.Stat(j.rosterPath())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the upload is personal data")
	dst, _ := os.Stat(s.srv.dir)
	assert.Equal(t, os.FileMode(0o700), dst.Mode().Perm())

	mapPage := body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, mapPage, "11 rows read from <strong>roster.csv</strong>: header on row 1, encoding utf-8, delimiter “,”")
	assert.Contains(t, mapPage, `guess: the header matches`)
	s.mapAsGuessed(id)

	// The mapping downloads as the file run -m reads.
	res := s.get("/jobs/" + id + "/files/mapping.yaml")
	require.Equal(t, 200, res.StatusCode)
	mapping := filepath.Join(t.TempDir(), "map.yaml")
	require.NoError(t, os.WriteFile(mapping, []byte(body(t, res)), 0o600))
	assert.Contains(t, res.Header.Get("Content-Disposition"), "roster-mapping.yaml")

	// Review: exactly validate's problems, each on its cell.
	want := validateLines(t, "alphalearn", mapping, roster)
	require.NotEmpty(t, want)
	assert.Equal(t, want, s.pageProblems(id))
	review := body(t, s.get("/jobs/"+id+"/review"))
	assert.Contains(t, review, `<strong id="count-invalid">6</strong>`)
	assert.Contains(t, review, `data-code="MISSING_REQUIRED">4<`)
	assert.NotContains(t, review, "Secret123", "passwords are never on the page")

	// Windows: all rows, errors only, a jump by row number.
	all := body(t, s.get("/jobs/"+id+"/rows?from=0"))
	assert.Equal(t, 11, strings.Count(all, `<tr id="row-`))
	only := body(t, s.get("/jobs/"+id+"/rows?errors=1"))
	assert.Equal(t, 6, strings.Count(only, `<tr id="row-`))
	jump := body(t, s.get("/jobs/"+id+"/rows?line=9"))
	assert.Equal(t, 4, strings.Count(jump, `<tr id="row-`))
	assert.Contains(t, jump, `Rows 8–11 of 11`)

	// Duplicates side by side: row 10 repeats row 2, shown after it.
	assert.Contains(t, review, `id="dups"`)
	dups := body(t, s.get("/jobs/"+id+"/review?dups=1"))
	rowIDs := regexp.MustCompile(`<tr id="(row-\d+)"`).FindAllStringSubmatch(dups, -1)
	require.Len(t, rowIDs, 2)
	assert.Equal(t, []string{"row-2", "row-10"}, []string{rowIDs[0][1], rowIDs[1][1]})

	// Fix the bad title of row 7: the row comes back unmarked, the count drops.
	res = s.post("/jobs/"+id+"/cell?line=7&col=0", url.Values{"value": {"Dr"}})
	require.Equal(t, 200, res.StatusCode)
	edited := body(t, res)
	assert.Contains(t, edited, `<tr id="row-7">`)
	assert.NotContains(t, edited, `aria-invalid`)
	assert.Contains(t, edited, `hx-swap-oob="true"`)
	assert.Contains(t, edited, `<strong id="count-invalid">5</strong>`)
	assert.NotContains(t, edited, "INVALID_ENUM")
	res = s.post("/jobs/"+id+"/cell?line=99&col=0", url.Values{"value": {"x"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)

	// The job's own address leads to its step; the Plan step asks first.
	res = s.get("/jobs/" + id)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/jobs/"+id+"/review", res.Header.Get("Location"))
	planPage := body(t, s.get("/jobs/"+id+"/plan"))
	assert.Contains(t, planPage, `name="existing" value="adopt" >`, "no choice is made for the user")
	assert.NotContains(t, planPage, `id="start"`)

	// Start is refused before the plan's choices are made.
	res = s.post("/jobs/"+id+"/run", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body(t, res), "make the plan first")

	res = s.post("/jobs/"+id+"/plan", url.Values{})
	assert.Contains(t, body(t, res), "choose what to do with people the vendor already has")
	// From onboard's own records only, then asking the vendor.
	offline := body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}}))
	assert.Contains(t, offline, `id="offline"`)
	res = s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}, "ask": {"on"}})
	plan := body(t, res)
	assert.NotContains(t, plan, `id="offline"`)
	assert.Contains(t, plan, `data-plan="create">6<`)
	assert.Contains(t, plan, `data-plan="invalid">5<`)
	assert.Contains(t, plan, "a run would make 6 API calls")
	assert.Contains(t, plan, `id="start"`)
	assert.Contains(t, body(t, s.get("/jobs/"+id+"/plan")), `id="start"`, "a reload keeps the plan")

	// A double click: two POSTs, one run.
	for range 2 {
		res = s.post("/jobs/"+id+"/run", nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
		assert.Equal(t, "/jobs/"+id+"/run", res.Header.Get("Location"))
	}
	s.waitRun(id)
	m := s.job(id)
	assert.Equal(t, 1, m.Runs)
	assert.Equal(t, jobFinished, m.Status)
	res = s.get("/jobs/" + id)
	assert.Equal(t, "/jobs/"+id+"/run", res.Header.Get("Location"))
	assert.Equal(t, 6, m.Counts.Created)
	assert.Equal(t, 5, m.Counts.Invalid)
	runPage := body(t, s.get("/jobs/"+id+"/run"))
	assert.Contains(t, runPage, `data-count="Created">6<`)
	assert.Contains(t, runPage, `id="dl-results"`)
	assert.Contains(t, runPage, `id="dl-fix"`)
	// After the end, a third POST starts nothing.
	res = s.post("/jobs/"+id+"/run", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	// Nor after planning again with nothing corrected.
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	assert.Equal(t, http.StatusConflict, s.post("/jobs/"+id+"/run", nil).StatusCode)
	assert.Equal(t, 1, s.job(id).Runs)

	// The same files run writes, for the corrected roster.
	dir := t.TempDir()
	pageResults := filepath.Join(dir, "page.xlsx")
	res = s.get("/jobs/" + id + "/files/results.xlsx")
	require.Equal(t, 200, res.StatusCode)
	require.NoError(t, os.WriteFile(pageResults, []byte(body(t, res)), 0o600))
	corrected := filepath.Join(dir, "corrected.csv")
	res = s.get("/jobs/" + id + "/files/corrected.csv")
	require.Equal(t, 200, res.StatusCode)
	require.NoError(t, os.WriteFile(corrected, []byte(body(t, res)), 0o600))
	res = s.get("/jobs/" + id + "/files/fix")
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Disposition"), "roster-fix.csv")
	assert.Equal(t, 404, s.get("/jobs/"+id+"/files/job.json").StatusCode)

	cliResults := filepath.Join(dir, "cli.xlsx")
	code, _, errOut := onboard(t, "run", "-p", "alphalearn", "-m", mapping, "--simulate", "--workers", "1", "--rate", "0",
		"--state", filepath.Join(dir, "cli.db"), "-o", cliResults, corrected)
	require.Equal(t, exitSomeFailed, code, errOut)
	sameSheets(t, cliResults, pageResults, "Results", "Missing")

	// A correction after the run: the same simulated vendor, so the run
	// again creates only the corrected person.
	res = s.post("/jobs/"+id+"/cell?line=6&col=1", url.Values{"value": {"Rohan"}})
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})), `data-plan="already_onboarded">6<`)
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	m = s.job(id)
	assert.Equal(t, 1, m.Counts.Created)
	assert.Equal(t, 6, m.Counts.Skipped)

	// History lists it with its downloads; delete removes its files.
	hist := body(t, s.get("/history"))
	assert.Contains(t, hist, "roster.csv")
	assert.Contains(t, hist, "/jobs/"+id+"/files/results.xlsx")
	res = s.post("/jobs/"+id+"/delete", nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	_, err = os.Stat(j.dir)
	assert.True(t, os.IsNotExist(err))
	assert.Equal(t, http.StatusNotFound, s.get("/jobs/"+id+"/run").StatusCode)
}

// sameSheets compares the named sheets of two XLSX files cell by cell.
func sameSheets(t *testing.T, a, b string, sheets ...string) {
	t.Helper()
	fa, err := excelize.OpenFile(a)
	require.NoError(t, err)
	defer fa.Close()
	fb, err := excelize.OpenFile(b)
	require.NoError(t, err)
	defer fb.Close()
	for _, sh := range sheets {
		ra, err := fa.GetRows(sh)
		require.NoError(t, err, sh)
		rb, err := fb.GetRows(sh)
		require.NoError(t, err, sh)
		require.NotEmpty(t, ra, sh)
		assert.Equal(t, ra, rb, "sheet %s", sh)
	}
}

func TestServeUploadErrors(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("vendor", "alphalearn")
	fw, _ := mw.CreateFormFile("roster", "notes.pdf")
	_, _ = fw.Write([]byte("%PDF"))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/jobs", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := s.do(req)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body(t, res), "notes.pdf: upload a .csv or .xlsx file")

	// A CSV with no usable header: one line naming the file, no job kept.
	p := write(t, "empty.csv", "")
	var buf2 bytes.Buffer
	mw = multipart.NewWriter(&buf2)
	_ = mw.WriteField("vendor", "alphalearn")
	fw, _ = mw.CreateFormFile("roster", "empty.csv")
	b, _ := os.ReadFile(p)
	_, _ = fw.Write(b)
	_ = mw.Close()
	req, _ = http.NewRequest(http.MethodPost, s.ts.URL+"/jobs", &buf2)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res = s.do(req)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	page := body(t, res)
	assert.Contains(t, page, "empty.csv")
	assert.NotContains(t, page, s.srv.dir, "the server's folders are not shown")
	ents, _ := os.ReadDir(filepath.Join(s.srv.dir, "jobs"))
	assert.Empty(t, ents)
}

func TestServeMapRefusesMissingRequired(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	page := body(t, s.get("/jobs/"+id+"/map"))
	// Send nothing: every required field is named.
	res := s.post("/jobs/"+id+"/map", url.Values{})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	again := body(t, res)
	assert.Contains(t, again, `id="problem"`)
	assert.Contains(t, again, "required alphalearn fields")
	assert.Contains(t, page, "<option value=\"\">— not sent —</option>")
	assert.Equal(t, jobUploaded, s.job(id).Status)
}

func TestServeSmartappExtraColumnsOffByDefault(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	p := write(t, "smart.csv", "First Name,Last Name,E-mail,Company,Location,Shoe Size\nCaleb,Carr,ccarr@smartapp.com,smartapp.com,hq,44\n")
	id := s.upload("smartapp", p)
	page := body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, page, `name="extra5"`)
	assert.NotContains(t, page, `name="extra5" checked`)
	s.mapAsGuessed(id)
	y, err := os.ReadFile(s.srv.jobs.get(id).path("mapping.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(y), "- Shoe Size", "an unticked column is ignored, not sent in metadata")
}

// TestServeInterruptedJobResumesThroughTheLedger: a job left running by a
// killed server shows as interrupted; Resume creates only who is left.
func TestServeInterruptedJobResumesThroughTheLedger(t *testing.T) {
	// The vendor outlives the server, as a real one does: a simulator
	// started here, its credentials in the environment.
	_, vendorURL := simulator(t, "alphalearn", sim.Options{})
	f := serveFlagsForTest(t)
	f.simulate, f.baseURL = false, vendorURL
	s := startServe(t, f)
	p := write(t, "people.csv", genAlphalearn(40))
	id := s.upload("alphalearn", p)
	s.mapAsGuessed(id)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	// Slow the run so that it is stopped part way.
	s.srv.f.submit.Rate = 20
	res := s.post("/jobs/"+id+"/run", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Eventually(t, func() bool {
		j := s.srv.jobs.get(id)
		j.mu.Lock()
		defer j.mu.Unlock()
		return j.live.Created >= 5
	}, 20*time.Second, 20*time.Millisecond)
	s.post("/jobs/"+id+"/stop", nil)
	s.waitRun(id)
	first := s.job(id).Counts.Created
	require.Less(t, first, 40)
	s.ts.Close()
	s.srv.close()
	// As a kill leaves it: job.json says running.
	j := s.srv.jobs.get(id)
	j.meta.Status = jobRunning
	require.NoError(t, j.save())

	f.submit.Rate = 0
	s2 := startServe(t, f)
	m := s2.job(id)
	assert.Equal(t, jobInterrupted, m.Status)
	page := body(t, s2.get("/jobs/"+id+"/run"))
	assert.Contains(t, page, "Interrupted.")
	assert.Contains(t, page, `id="resume"`)
	res = s2.post("/jobs/"+id+"/run", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	s2.waitRun(id)
	m = s2.job(id)
	assert.Equal(t, 2, m.Runs)
	assert.Equal(t, first, m.Counts.Skipped, "who was created is skipped")
	assert.Equal(t, 40-first, m.Counts.Created, "nobody is created twice")
}

func genAlphalearn(n int) string {
	var b strings.Builder
	b.WriteString("Title,First Name,Last Name,E-mail,Country Code,Mobile,Role ID,User Can Choose Password\n")
	for i := range n {
		b.WriteString("Mr,Person,Number" + itoa(i) + ",p" + itoa(i) + "@example.com,+91,98" + strings.Repeat("0", 6) + pad2(i) + ",3,no\n")
	}
	return b.String()
}

func pad2(i int) string {
	s := itoa(i)
	for len(s) < 2 {
		s = "0" + s
	}
	return s
}

func TestServePurgesOldJobs(t *testing.T) {
	f := serveFlagsForTest(t)
	s := startServe(t, f)
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	j := s.srv.jobs.get(id)
	// An idle job gives its rows back and reads them again when opened.
	before := s.pageProblems(id)
	s.srv.jobs.unloadIdle(time.Hour, time.Now().Add(2*time.Hour))
	j.mu.Lock()
	assert.Nil(t, j.rows)
	j.mu.Unlock()
	assert.Equal(t, before, s.pageProblems(id))
	s.srv.jobs.purge(30*24*time.Hour, time.Now())
	require.NotNil(t, s.srv.jobs.get(id), "a new job is kept")
	s.srv.jobs.purge(30*24*time.Hour, time.Now().Add(31*24*time.Hour))
	assert.Nil(t, s.srv.jobs.get(id))
	_, err := os.Stat(j.rosterPath())
	assert.True(t, os.IsNotExist(err), "the uploaded roster goes with its job")
}

func TestServeHomeTemplateAndAssets(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	home := body(t, s.get("/"))
	for _, id := range providers.Names() {
		assert.Contains(t, home, `<option value="`+id+`">`, "every registered vendor is offered")
	}
	// Offline page: every script and style sheet is this server's own.
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(home, -1) {
		assert.True(t, strings.HasPrefix(m[1], "/"), m[1])
	}
	res := s.get("/static/htmx.min.js")
	assert.Equal(t, 200, res.StatusCode)
	js := body(t, res)
	assert.Contains(t, js, "htmx 2.0.11")
	res = s.get("/template/alphalearn")
	assert.Equal(t, 200, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Disposition"), "alphalearn-roster.xlsx")
	assert.Contains(t, s.get("/").Header.Get("Content-Security-Policy"), "default-src 'self'")
}

func TestServeVendorsReadyNeverShowsCredentials(t *testing.T) {
	t.Setenv("ONBOARD_TOKEN", "tok-very-secret-123")
	f := serveFlagsForTest(t)
	f.simulate = false
	s := startServe(t, f)
	home := body(t, s.get("/"))
	assert.NotContains(t, home, "tok-very-secret-123")
	assert.Contains(t, home, "ready")
	assert.True(t, slices.ContainsFunc(strings.Split(home, "\n"), func(l string) bool { return strings.Contains(l, "not set up") }),
		"a vendor whose credentials are missing says so")
}

// TestServeSystemdSample checks the page's unit: flags serve has, the
// login proxy on, no secret on the command line.
func TestServeSystemdSample(t *testing.T) {
	b, err := os.ReadFile("../../samples/systemd/onboard-serve.service")
	require.NoError(t, err)
	var exec string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			exec = v
		}
	}
	require.NotEmpty(t, exec)
	checkOnboardArgs(t, exec)
	assert.Contains(t, exec, "--auth proxy")
	assert.Contains(t, string(b), "EnvironmentFile=/etc/onboard/onboard.env")
	f := &serveFlags{addr: "127.0.0.1:8080", auth: "proxy", trustedProxy: "127.0.0.1", keep: 30}
	assert.NoError(t, f.checkListen())
}

// TestServeCorrectionsAfterARun: cells fixed after a run belong to the same
// job; running it again sends only them (the ledger skips who was created)
// and nobody is listed as missing, as a fix file run alone would do.
func TestServeCorrectionsAfterARun(t *testing.T) {
	vendor, vendorURL := simulator(t, "alphalearn", sim.Options{})
	f := serveFlagsForTest(t)
	f.simulate, f.baseURL = false, vendorURL
	s := startServe(t, f)
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	require.Equal(t, 5, s.job(id).Counts.Created)
	res := s.post("/jobs/"+id+"/run", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body(t, res), "correct cells on the Review step")

	// Find and replace in the Title column: "Miss" is not one of alphalearn's titles.
	res = s.post("/jobs/"+id+"/replace", url.Values{"col": {"0"}, "find": {"Miss"}, "replace": {"Ms"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	review := body(t, s.get(res.Header.Get("Location")))
	assert.Contains(t, review, `<p id="replaced" role="status">1 cells replaced.</p>`)
	assert.Contains(t, review, `<strong id="count-invalid">5</strong>`)
	assert.Contains(t, review, `id="rerun"`)
	// And one cell typed in the grid.
	res = s.post("/jobs/"+id+"/cell?line=6&col=1", url.Values{"value": {"Rohan"}})
	require.Equal(t, 200, res.StatusCode)

	plan := body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}}))
	assert.Contains(t, plan, `data-plan="create">2<`)
	assert.Contains(t, plan, `data-plan="already_onboarded">5<`)
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	m := s.job(id)
	assert.Equal(t, 2, m.Runs)
	assert.Equal(t, 2, m.Counts.Created)
	assert.Equal(t, 5, m.Counts.Skipped)
	assert.Equal(t, 0, m.Counts.Missing)
	assert.Equal(t, 7, vendor.Store.Len(), "nobody was created twice")
}

// TestServeRunBlockersShowAsABanner: licences used up or a refused
// credential stop the run and name the cause and the next step.
func TestServeRunBlockersShowAsABanner(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opt      sim.Options
		badCreds bool
		want     string
	}{
		{"licences", sim.Options{Licences: 2}, false, "no licences left"},
		{"credentials", sim.Options{}, true, "refused the credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vendor, vendorURL := simulator(t, "smartapp", tc.opt)
			if tc.badCreds {
				for k := range vendor.Credentials {
					t.Setenv(k, "wrong-"+k)
				}
			}
			f := serveFlagsForTest(t)
			f.simulate, f.baseURL = false, vendorURL
			s := startServe(t, f)
			id := s.upload("smartapp", write(t, "r.csv", smartappGood+"Noah,Kim,nkim@smartapp.com,smartapp.com,headquarters,\n"))
			s.mapAsGuessed(id)
			s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
			require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
			s.waitRun(id)
			page := body(t, s.get("/jobs/"+id+"/run"))
			assert.Contains(t, page, `id="banner"`)
			assert.Contains(t, page, tc.want)
			assert.Contains(t, page, `id="resume"`)
			assert.NotContains(t, page, "Run the same command", "the page's words, not the command line's")
			for k := range vendor.Credentials {
				assert.NotContains(t, page, os.Getenv(k), "no credential on the page")
			}
		})
	}
}

// TestServeFixFileTakenBack: the fix file run writes, corrected and
// uploaded back, corrects this job's rows; the next run sends only the
// corrections and lists nobody as missing.
func TestServeFixFileTakenBack(t *testing.T) {
	vendor, vendorURL := simulator(t, "alphalearn", sim.Options{})
	f := serveFlagsForTest(t)
	f.simulate, f.baseURL = false, vendorURL
	s := startServe(t, f)
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	res := s.get("/jobs/" + id + "/files/fix")
	require.Equal(t, 200, res.StatusCode)
	fix := body(t, res)
	require.Contains(t, fix, "Miss,Sneha")
	// HR corrects two rows in a spreadsheet: the title of onboard_row 7,
	// the first name of onboard_row 6.
	fix = strings.Replace(fix, "Miss,Sneha", "Ms,Sneha", 1)
	fix = strings.Replace(fix, "Mr,,Kapoor", "Mr,Rohan,Kapoor", 1)

	upload := func(name, content string) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("fix", name)
		_, _ = fw.Write([]byte(content))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/jobs/"+id+"/fixfile", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return s.do(req)
	}
	// A roster of its own is refused: it has no onboard_row.
	res = upload("new.csv", "Title,First Name\nMs,Ann\n")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body(t, res), "has no onboard_row column")

	res = upload("roster-fix.csv", fix)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	review := body(t, s.get(res.Header.Get("Location")))
	assert.Contains(t, review, `Fix file taken back: 2 cells changed in 6 rows.`)
	assert.Contains(t, review, `<strong id="count-invalid">4</strong>`)
	// Row 8's password stays what the roster had (the fix file leaves it empty).
	j := s.srv.jobs.get(id)
	_, touched := j.meta.Edits["8:9"]
	assert.False(t, touched)

	plan := body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}}))
	assert.Contains(t, plan, `data-plan="create">2<`)
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	m := s.job(id)
	assert.Equal(t, 2, m.Counts.Created)
	assert.Equal(t, 5, m.Counts.Skipped)
	assert.Equal(t, 0, m.Counts.Missing, "a fix file taken back is not a roster: nobody is missing")
	assert.Equal(t, 7, vendor.Store.Len())
}

// TestServeValueMapping: a column's values the vendor's enum does not
// take get a drop-down; the choice goes into the mapping file's values:,
// which validate and run read the same way.
func TestServeValueMapping(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	roster := "../../samples/alphalearn/roster.csv"
	id := s.upload("alphalearn", roster)
	page := body(t, s.get("/jobs/"+id+"/map"))
	require.Contains(t, page, `id="values"`)
	m := regexp.MustCompile(`name="vsrc-0-(\d+)" value="Miss"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the title Miss is offered for mapping")
	assert.NotContains(t, page, `value="Ms"><`, "values the vendor takes are not listed")
	form := url.Values{}
	for _, sm := range selectRe.FindAllStringSubmatch(page, -1) {
		if sel := selectedRe.FindStringSubmatch(sm[0]); sel != nil {
			form.Set(sm[1], sel[1])
		}
	}
	form.Set("vsrc-0-"+m[1], "Miss")
	form.Set("vmap-0-"+m[1], "Ms")
	form.Set("identity", "Roll No")
	res := s.post("/jobs/"+id+"/map", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	review := body(t, s.get("/jobs/"+id+"/review"))
	assert.Contains(t, review, `<strong id="count-invalid">5</strong>`)
	assert.NotContains(t, review, "INVALID_ENUM")

	y := body(t, s.get("/jobs/"+id+"/files/mapping.yaml"))
	assert.Contains(t, y, "values:\n    title:\n        Miss: Ms\n")
	assert.Contains(t, y, "identity: Roll No\n", "the identity column is chosen on the Map step")
	mapping := write(t, "map.yaml", y)
	assert.Equal(t, validateLines(t, "alphalearn", mapping, roster), s.pageProblems(id))
	// The saved choice shows when the Map step is opened again.
	again := body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, again, `<option value="Ms" selected>Ms</option>`)

	form.Set("vmap-0-"+m[1], "Queen")
	res = s.post("/jobs/"+id+"/map", form)
	assert.Contains(t, body(t, res), `&#34;Queen&#34; is not one of alphalearn&#39;s values for title`)
}

// TestServeLoadsAMappingFile: the YAML run -m reads, loaded on the Map
// step, maps the job with its constants; a bad one is one line.
func TestServeLoadsAMappingFile(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	// No Company or Location column: smartapp's required fields come from constants.
	roster := write(t, "r.csv", "First Name,Last Name,E-mail\nCaleb,Carr,ccarr@smartapp.com\nMaria,Gonzalez,not-an-email\n")
	id := s.upload("smartapp", roster)
	send := func(name, content string) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("mapping", name)
		_, _ = fw.Write([]byte(content))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/jobs/"+id+"/mappingfile", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return s.do(req)
	}
	res := send("bad.yaml", "colums:\n  E-mail: email\n")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	page := body(t, res)
	assert.Contains(t, page, `id="problem"`)
	assert.Contains(t, page, "bad.yaml")
	assert.NotContains(t, page, s.srv.dir)

	good := "constants:\n  companyName: smartapp.com\n  companyLocationName: headquarters\n"
	res = send("company.yaml", good)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	review := body(t, s.get("/jobs/"+id+"/review"))
	assert.Contains(t, review, `<strong id="count-invalid">1</strong>`)
	assert.Equal(t, validateLines(t, "smartapp", write(t, "m.yaml", good), roster), s.pageProblems(id))
	assert.Equal(t, good, body(t, s.get("/jobs/"+id+"/files/mapping.yaml")), "the file as it came")
	mapPage := body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, mapPage, `id="mapping-file"`)
	assert.Contains(t, mapPage, "from company.yaml")
}

// TestServeReadsAnotherWay: the delimiter and header row found are shown
// and can be changed; the rows are read again as run would with the flags.
func TestServeReadsAnotherWay(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	p := write(t, "semi.csv", "Staff list\nFirst Name;Last Name;E-mail;Company;Location\nCaleb;Carr;ccarr@smartapp.com;smartapp.com;hq\n")
	id := s.upload("smartapp", p)
	page := body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, page, "1 rows read from <strong>semi.csv</strong>: header on row 2, encoding utf-8, delimiter “;”")
	res := s.post("/jobs/"+id+"/read", url.Values{"delimiter": {","}, "header_row": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	page = body(t, s.get("/jobs/"+id+"/map"))
	assert.Contains(t, page, "header on row 1, encoding utf-8, delimiter “,”")
	assert.Contains(t, page, `<th scope="row">Staff list</th>`)
	m := s.job(id)
	assert.Equal(t, ",", m.Delimiter)
	assert.Equal(t, 1, m.HeaderRow)
	// A choice the file cannot be read with keeps the last good reading.
	res = s.post("/jobs/"+id+"/read", url.Values{"header_row": {"40"}})
	assert.Contains(t, body(t, res), `id="problem"`)
	assert.Equal(t, 1, s.job(id).HeaderRow)
}

// TestServeMappingPresets: a mapping saved under a name maps the vendor's
// next roster of the same shape.
func TestServeMappingPresets(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	roster := "../../samples/alphalearn/roster.csv"
	id := s.upload("alphalearn", roster)
	page := body(t, s.get("/jobs/"+id+"/map"))
	assert.NotContains(t, page, `id="presets"`)
	form := url.Values{}
	for _, sm := range selectRe.FindAllStringSubmatch(page, -1) {
		if sel := selectedRe.FindStringSubmatch(sm[0]); sel != nil {
			form.Set(sm[1], sel[1])
		}
	}
	form.Set("preset", "../escape")
	assert.Contains(t, body(t, s.post("/jobs/"+id+"/map", form)), "preset name &#34;../escape&#34;")
	form.Set("preset", "HRIS export")
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/map", form).StatusCode)
	st, err := os.Stat(filepath.Join(s.srv.dir, "presets", "alphalearn", "HRIS export.yaml"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	id2 := s.upload("alphalearn", roster)
	page = body(t, s.get("/jobs/"+id2+"/map"))
	assert.Contains(t, page, `<option>HRIS export</option>`)
	res := s.post("/jobs/"+id2+"/preset", url.Values{"preset": {"HRIS export"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	assert.Equal(t, s.pageProblems(id), s.pageProblems(id2))
	assert.Equal(t, body(t, s.get("/jobs/"+id+"/files/mapping.yaml")), body(t, s.get("/jobs/"+id2+"/files/mapping.yaml")))
	assert.Contains(t, body(t, s.post("/jobs/"+id2+"/preset", url.Values{"preset": {"nope"}})), `no preset &#34;nope&#34;`)
}

// TestServeUploadStaysUnderDir: a roster never passes through $TMPDIR
// (multipart's spill files would hold personal data outside --dir).
func TestServeUploadStaysUnderDir(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	p := write(t, "big.csv", genAlphalearn(120_000)) // about 10 MB: past multipart's in-memory part
	// A $TMPDIR that cannot be written: a spill file there fails the upload.
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "absent"))
	id := s.upload("alphalearn", p)
	st, err := os.Stat(s.srv.jobs.get(id).rosterPath())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// serveChild starts the onboard binary's serve on dir and logs a client in
// with the token it prints.
func serveChild(t *testing.T, dir string, args ...string) (*testServe, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--dir", dir}, args...)...)
	cmd.Env = os.Environ()
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	m := regexp.MustCompile(`(http://\S+)/\?token=(\w+)`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	jar, _ := cookiejar.New(nil)
	s := &testServe{t: t, base: m[1], c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	require.Equal(t, http.StatusSeeOther, s.get("/?token="+m[2]).StatusCode)
	return s, cmd
}

// TestServeKilledMidRunResumes kills a real `onboard serve` with SIGKILL in
// the middle of a run; started again on the same folder it shows the job
// as interrupted, and Resume creates everyone left, nobody twice.
func TestServeKilledMidRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	const n = 200
	vendor, vendorURL := simulator(t, "alphalearn", sim.Options{Latency: 10 * time.Millisecond})
	dir := filepath.Join(t.TempDir(), "serve")
	args := []string{"--base-url", vendorURL, "--rate", "0", "--workers", "2"}
	s, cmd := serveChild(t, dir, args...)
	id := s.upload("alphalearn", write(t, "people.csv", genAlphalearn(n)))
	s.mapAsGuessed(id)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	deadline := time.Now().Add(30 * time.Second)
	for vendor.Store.Len() < 40 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	killedAt := vendor.Store.Len()
	require.Less(t, killedAt, n, "killed mid-run")

	s2, _ := serveChild(t, dir, args...)
	page := body(t, s2.get("/jobs/"+id+"/run"))
	assert.Contains(t, page, "Interrupted.")
	assert.Contains(t, page, `id="resume"`)
	require.Equal(t, http.StatusSeeOther, s2.post("/jobs/"+id+"/run", nil).StatusCode)
	s2.waitRun(id)
	assert.Equal(t, n, vendor.Store.Len(), "everyone created")
	for key, c := range vendor.Store.Creates() {
		assert.Equal(t, 1, c, "%s created %d times", key, c)
	}
	page = body(t, s2.get("/jobs/"+id+"/run"))
	assert.Contains(t, page, "Finished: every row was handled.")
	created := regexp.MustCompile(`data-count="Created">(\d+)<`).FindStringSubmatch(page)
	skipped := regexp.MustCompile(`data-count="Skipped">(\d+)<`).FindStringSubmatch(page)
	require.NotNil(t, created)
	require.NotNil(t, skipped)
	assert.Equal(t, n, atoi(created[1])+atoi(skipped[1]), "the second run accounts for every row")
}

// TestServeVendorNotSetUp: without credentials the plan asks only the
// state store and Start says what IT must do; the simulator still works.
func TestServeVendorNotSetUp(t *testing.T) {
	t.Setenv("ONBOARD_TOKEN", "")
	f := serveFlagsForTest(t)
	f.simulate = false
	s := startServe(t, f)
	home := body(t, s.get("/"))
	assert.Contains(t, home, "<strong>alphalearn</strong>: not set up: IT must set ONBOARD_TOKEN")
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	plan := body(t, s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}}))
	assert.Contains(t, plan, `data-plan="create">5<`, "planned from the state store alone")
	res := s.post("/jobs/"+id+"/run", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body(t, res), "alphalearn is not set up on this server: ask IT to set its credentials (or try the simulator)")
	assert.Equal(t, 0, s.job(id).Runs)

	// "Try it against the vendor's simulator" on the upload form.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("vendor", "alphalearn")
	_ = mw.WriteField("simulate", "on")
	fw, _ := mw.CreateFormFile("roster", "roster.csv")
	b, _ := os.ReadFile("../../samples/alphalearn/roster.csv")
	_, _ = fw.Write(b)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url()+"/jobs", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res = s.do(req)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	id2 := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/jobs/"), "/map")
	require.True(t, s.job(id2).Simulate)
	s.mapAsGuessed(id2)
	s.post("/jobs/"+id2+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id2+"/run", nil).StatusCode)
	s.waitRun(id2)
	assert.Equal(t, 5, s.job(id2).Counts.Created)
}

// TestServeErrorsGridGolden keeps the errors-only grid of the Alphalearn
// sample as a golden page fragment: every marked cell, its message, its
// aria attributes (go test -update rewrites it).
func TestServeErrorsGridGolden(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	got := strings.ReplaceAll(body(t, s.get("/jobs/"+id+"/rows?errors=1")), id, "JOB")
	golden := filepath.Join("testdata", "serve-errors-grid.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "differs from %s (go test -update rewrites it)", golden)
}

// TestServeJobThatCannotBeReadAgain: a job whose roster is gone when the
// server starts says so and can still be deleted.
func TestServeJobThatCannotBeReadAgain(t *testing.T) {
	f := serveFlagsForTest(t)
	s := startServe(t, f)
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	j := s.srv.jobs.get(id)
	s.ts.Close()
	s.srv.close()
	require.NoError(t, os.Remove(j.rosterPath()))

	s2 := startServe(t, f)
	res := s2.get("/jobs/" + id + "/review")
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body(t, res), "could not be read again when the server started")
	assert.Contains(t, body(t, s2.get("/history")), "roster.csv")
	assert.Equal(t, http.StatusSeeOther, s2.post("/jobs/"+id+"/delete", nil).StatusCode)
	_, err := os.Stat(j.dir)
	assert.True(t, os.IsNotExist(err))
}

// TestServeCorrectedRosterKeepsRowNumbers: with the header on row 3 and a
// blank row in the data, the corrected CSV keeps every row on its own row
// number, so the results name the rows of the file HR uploaded.
func TestServeCorrectedRosterKeepsRowNumbers(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	p := write(t, "titled.csv", "Staff list 2026,,,,\n,,,,\nFirst Name,Last Name,E-mail,Company,Location\n"+
		"Caleb,Carr,ccarr@smartapp.com,smartapp.com,headquarters\n,,,,\nMaria,Gonzalez,bad-email,smartapp.com,headquarters\n")
	id := s.upload("smartapp", p)
	s.mapAsGuessed(id)
	assert.Contains(t, body(t, s.get("/jobs/"+id+"/map")), "header on row 3")
	res := s.post("/jobs/"+id+"/cell?line=6&col=2", url.Values{"value": {"mgonzalez@smartapp.com"}})
	require.Equal(t, 200, res.StatusCode)
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	results := filepath.Join(t.TempDir(), "r.xlsx")
	require.NoError(t, os.WriteFile(results, []byte(body(t, s.get("/jobs/"+id+"/files/results.xlsx"))), 0o600))
	x, err := excelize.OpenFile(results)
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows("Results")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"4", "created"}, rows[1][:2])
	assert.Equal(t, []string{"6", "created"}, rows[2][:2])
}

// TestServeXLSXRoster: an XLSX upload shows its sheet, and the page marks
// exactly validate's problems for it; its fix file is an XLSX.
func TestServeXLSXRoster(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	roster := "../../samples/alphalearn/roster.xlsx"
	id := s.upload("alphalearn", roster)
	page := body(t, s.get("/jobs/"+id+"/map"))
	assert.Regexp(t, `rows read from <strong>roster.xlsx</strong>: header on row \d+, sheet “[^”]+”`, page)
	s.mapAsGuessed(id)
	mapping := write(t, "map.yaml", body(t, s.get("/jobs/"+id+"/files/mapping.yaml")))
	want := validateLines(t, "alphalearn", mapping, roster)
	require.NotEmpty(t, want)
	assert.Equal(t, want, s.pageProblems(id))
	s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}})
	require.Equal(t, http.StatusSeeOther, s.post("/jobs/"+id+"/run", nil).StatusCode)
	s.waitRun(id)
	res := s.get("/jobs/" + id + "/files/fix")
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Disposition"), "roster-fix.xlsx")
}

// TestServeRowsByProblemCode: each code in the summary opens the rows
// that have it, window by window.
func TestServeRowsByProblemCode(t *testing.T) {
	s := startServe(t, serveFlagsForTest(t))
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)
	review := body(t, s.get("/jobs/"+id+"/review"))
	assert.Contains(t, review, `<a href="/jobs/`+id+`/review?code=MISSING_REQUIRED">MISSING_REQUIRED</a>`)
	page := body(t, s.get("/jobs/"+id+"/review?code=MISSING_REQUIRED"))
	rows := regexp.MustCompile(`<tr id="(row-\d+)"`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1])
	}
	assert.Equal(t, []string{"row-6", "row-9", "row-11"}, got, "the rows validate reports MISSING_REQUIRED for")
	assert.Contains(t, page, "with MISSING_REQUIRED")
	jump := body(t, s.get("/jobs/"+id+"/rows?code=MISSING_REQUIRED&line=7"))
	assert.Contains(t, jump, `Rows 2–3 of 3 with MISSING_REQUIRED`)
	assert.Contains(t, jump, `<input type="hidden" name="code" value="MISSING_REQUIRED">`)
}

// A plan that asks the vendor belongs to the server like a run: the POST
// starts it and answers at once, the page shows its progress, a second
// plan of the job is refused while it is made, and the plan shows when
// done to whoever opens the page (the tab that started it is gone).
func TestServePlanBelongsToTheServer(t *testing.T) {
	f := serveFlagsForTest(t)
	f.submit.Rate, f.submit.Burst = 2, 1 // five lookups: two seconds
	s := startServe(t, f)
	s.srv.planWait = 0 // answer before the plan ends, whatever its length
	id := s.upload("alphalearn", "../../samples/alphalearn/roster.csv")
	s.mapAsGuessed(id)

	res := s.post("/jobs/"+id+"/plan", url.Values{"existing": {"adopt"}, "ask": {"on"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
	assert.Equal(t, "/jobs/"+id+"/plan", res.Header.Get("Location"))
	res.Body.Close()

	page := body(t, s.get("/jobs/"+id+"/plan"))
	assert.Contains(t, page, `id="plan-progress"`)
	assert.Contains(t, page, `data-reload=`)
	assert.Regexp(t, `Making the plan: \d+ of 11 rows so far`, page)
	assert.NotContains(t, page, `id="start"`, "no Start before the plan shows")

	again := s.post("/jobs/"+id+"/plan", url.Values{"existing": {"skip"}, "ask": {"on"}})
	assert.Equal(t, http.StatusConflict, again.StatusCode)
	assert.Contains(t, body(t, again), "a plan or a run of this job is under way")
	res = s.post("/jobs/"+id+"/run", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "Start waits for the plan")
	res.Body.Close()
	res = s.post("/jobs/"+id+"/delete", nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "the plan's job is not deleted under it")
	res.Body.Close()

	deadline := time.Now().Add(30 * time.Second)
	for {
		page = body(t, s.get("/jobs/"+id+"/plan"))
		if !strings.Contains(page, `id="plan-progress"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	assert.NotContains(t, page, `id="plan-progress"`, "the plan ended")
	assert.NotContains(t, page, `id="offline"`, "the vendor was asked")
	assert.Contains(t, page, `data-plan="create">5<`)
	assert.Contains(t, page, `data-plan="invalid">6<`)
	assert.Contains(t, page, `id="start"`)
	assert.Contains(t, page, `value="adopt" checked`, "the refused second plan changed no choice")
}
