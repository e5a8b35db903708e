package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser starts Debian's chromium headless for one test, with a new
// empty profile and nothing fetched from the network but the page. The
// test skips, saying how to install it, when there is no browser.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped in -short mode")
	}
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("install chromium: apt-get install -y chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// Start the browser without a deadline (a deadline on the first run
	// would stop the browser with it); each test bounds its steps.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// newTab opens a tab in the browser. Its first action runs without a
// deadline: the tab lives as long as the context of that first call.
func newTab(t *testing.T, root context.Context) (context.Context, context.CancelFunc) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root)
	require.NoError(t, chromedp.Do(ctx))
	return ctx, cancel
}

// bounded runs steps with a deadline, so a stuck page fails the test
// instead of hanging it.
func bounded(t *testing.T, ctx context.Context, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	require.NoError(t, chromedp.Do(c, steps...))
}

func evalIn[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js, opts...))
	require.NoError(t, err, js)
	return v
}

// tabTo presses Tab until the focused element satisfies the JavaScript
// condition, as a keyboard user moves through the page.
func tabTo(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	for i := 0; ; i++ {
		require.Less(t, i, 400, "Tab never reached %s", cond)
		if evalIn[bool](t, ctx, cond) {
			return
		}
		bounded(t, ctx, 5*time.Second, chromedp.KeyEvent(kb.Tab))
	}
}

// fetchBytes downloads a file as the logged-in page would (its cookie).
func fetchBytes(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q).then(r => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer() }).then(b => {
		let s = ""; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s) })`, path)
	b64 := evalIn[string](t, ctx, js, chromedp.EvalAwaitPromise)
	b, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	return b
}

// screenshot keeps a full-page PNG: in ONBOARD_SCREENSHOTS when set (the
// README's pictures), else in the test's temporary folder. Pictures the
// README does not show are taken only with ONBOARD_SCREENSHOTS_ALL set.
func screenshot(t *testing.T, ctx context.Context, name string, readme bool) {
	t.Helper()
	if !readme && os.Getenv("ONBOARD_SCREENSHOTS_ALL") == "" {
		return
	}
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := os.Getenv("ONBOARD_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

// seededRoster is 120 alphalearn rows with five seeded problems; it
// returns the file and the cells that must be marked ("Row N, Header").
func seededRoster(t *testing.T) (string, []string) {
	var b strings.Builder
	b.WriteString("Title,First Name,Last Name,E-mail,Country Code,Mobile,Role ID,User Can Choose Password\n")
	for i := range 120 {
		line := i + 2
		title, first, email, mobile := "Ms", fmt.Sprintf("Person%d", i), fmt.Sprintf("person%03d@example.com", i), fmt.Sprintf("98765%05d", i)
		switch line {
		case 5:
			email = "person-at-example.com"
		case 17:
			title = "Queen"
		case 33:
			first = ""
		case 60:
			mobile = "12ab"
		case 90:
			email = "person010@example.com" // row 12's
		}
		fmt.Fprintf(&b, "%s,%s,Tester,%s,+91,%s,3,no\n", title, first, email, mobile)
	}
	p := filepath.Join(t.TempDir(), "starters.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	want := []string{"Row 5, E-mail", "Row 17, Title", "Row 33, First Name", "Row 60, Mobile", "Row 90, E-mail"}
	sort.Strings(want)
	return p, want
}

// TestBrowserUploadFixPlanRun is the HR admin's whole path in a real
// browser: upload a roster with seeded problems, see exactly those cells
// marked with validate's messages, fix one with the keyboard alone, plan,
// start with a double click, close the tab mid-run, reopen it, download
// the results and compare them, cell for cell, with `onboard run` on the
// corrected file the page exports.
func TestBrowserUploadFixPlanRun(t *testing.T) {
	root := browser(t)
	// A tab of its own, so that closing it leaves the browser running.
	ctx, cancelTab := newTab(t, root)
	defer cancelTab()
	f := serveFlagsForTest(t)
	f.submit.Rate = 40 // long enough to close the tab mid-run
	srv, err := newServer(f, os.Stderr)
	require.NoError(t, err)
	// The plan (116 lookups at 40/s) answers at once and shows its
	// progress: the page looks again until the totals show.
	srv.planWait = 0
	ts := httptest.NewServer(srv.handler())
	t.Cleanup(func() { ts.Close(); srv.close() })

	// The token logs in once and becomes an HttpOnly, SameSite=Strict cookie.
	token := srv.auth.token
	bounded(t, ctx, 20*time.Second, chromedp.Navigate(ts.URL+"/?token="+token), chromedp.WaitVisible(chromedp.ID("roster")))
	loc := evalIn[string](t, ctx, `location.href`)
	assert.NotContains(t, loc, token, "the token leaves the address bar")
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{ts.URL}})
	require.NoError(t, err)
	require.Len(t, cookies.Cookies, 1)
	assert.Equal(t, sessionCookie, cookies.Cookies[0].Name)
	assert.True(t, cookies.Cookies[0].HTTPOnly)
	assert.Equal(t, network.CookieSameSiteStrict, cookies.Cookies[0].SameSite)
	assert.Empty(t, evalIn[string](t, ctx, `document.cookie`), "scripts cannot read the session")
	screenshot(t, ctx, "extra-home.png", false)

	// Upload and map (the guesses).
	roster, want := seededRoster(t)
	bounded(t, ctx, 30*time.Second,
		chromedp.SetUploadFiles(chromedp.ID("roster"), []string{roster}),
		chromedp.Click(chromedp.CSS(`form.upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`select[name=col3]`)),
	)
	assert.Contains(t, evalIn[string](t, ctx, `document.querySelector("section.read").innerText`), "120 rows read from starters.csv: header on row 1, encoding utf-8, delimiter “,”")
	assert.Contains(t, evalIn[string](t, ctx, `document.querySelector("main").innerText`), "guess: the header is the field's name, spelled another way")
	screenshot(t, ctx, "page-map.png", true)
	bounded(t, ctx, 30*time.Second,
		chromedp.Click(chromedp.CSS(`main form[action$="/map"] button:not([name])`)),
		chromedp.WaitVisible(chromedp.ID("summary")),
	)
	id := strings.Split(strings.TrimPrefix(evalIn[string](t, ctx, `location.pathname`), "/jobs/"), "/")[0]
	j := srv.jobs.get(id)
	require.NotNil(t, j)

	// Errors only: exactly the seeded cells, each aria-invalid, each with
	// validate's own message.
	bounded(t, ctx, 20*time.Second, chromedp.Click(chromedp.ID("errors-only")), chromedp.WaitVisible(chromedp.CSS(`input[aria-invalid="true"]`)))
	marked := evalIn[[]string](t, ctx, `[...document.querySelectorAll('input[aria-invalid="true"]')].map(e => e.getAttribute("aria-label")).sort()`)
	assert.Equal(t, want, marked)
	msgs := evalIn[[]string](t, ctx, `[...document.querySelectorAll('input[aria-invalid="true"]')].map(e => {
		const line = e.getAttribute("aria-label").match(/Row (\d+)/)[1];
		return document.getElementById(e.getAttribute("aria-describedby")).innerText.split("\n").map(m => "row " + line + ": " + m) }).flat().sort()`)
	assert.Equal(t, validateLines(t, "alphalearn", j.path("mapping.yaml"), roster), msgs)
	assert.Equal(t, "5", evalIn[string](t, ctx, `document.getElementById("count-invalid").innerText`))
	screenshot(t, ctx, "page-review.png", true)

	// Fix the first marked cell with the keyboard alone: Tab to it, type,
	// Tab away (the change re-validates the row on the server).
	tabTo(t, ctx, `document.activeElement.getAttribute("aria-invalid") === "true"`)
	label := evalIn[string](t, ctx, `document.activeElement.getAttribute("aria-label")`)
	require.Equal(t, "Row 5, E-mail", label)
	bounded(t, ctx, 20*time.Second,
		chromedp.KeyEvent("person003@example.com"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Poll[chromedp.Void](`document.getElementById("count-invalid").innerText === "4"`),
	)
	assert.Equal(t, "false", evalIn[string](t, ctx, `String(document.querySelector('#row-5 input[aria-invalid="true"]') !== null)`))
	assert.Equal(t, "person003@example.com", evalIn[string](t, ctx, `document.querySelector('#row-5 input[aria-label="Row 5, E-mail"]').value`))

	// On to the plan with the keyboard too: Next, the choice, Make the plan.
	tabTo(t, ctx, `document.activeElement.id === "to-plan"`)
	bounded(t, ctx, 30*time.Second, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`input[value=adopt]`)))
	tabTo(t, ctx, `document.activeElement.value === "adopt"`)
	bounded(t, ctx, 5*time.Second, chromedp.KeyEvent(" "))
	tabTo(t, ctx, `document.activeElement.id === "make-plan"`)
	bounded(t, ctx, 30*time.Second, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("plan-progress")))
	assert.Regexp(t, `Making the plan: \d+ of 120 rows so far`, evalIn[string](t, ctx, `document.getElementById("plan-progress").innerText`))
	bounded(t, ctx, 60*time.Second, chromedp.WaitVisible(chromedp.ID("start")))
	assert.Equal(t, "116", evalIn[string](t, ctx, `document.querySelector('[data-plan="create"]').innerText`))
	assert.Equal(t, "4", evalIn[string](t, ctx, `document.querySelector('[data-plan="invalid"]').innerText`))
	screenshot(t, ctx, "extra-plan.png", false)

	// A double click starts one run.
	bounded(t, ctx, 30*time.Second,
		chromedp.DoubleClick(chromedp.ID("start")),
		chromedp.WaitVisible(chromedp.ID("stop")),
	)
	// Close the tab mid-run: the run goes on in the server.
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = chromedp.Cancel(c)
	cancel()
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond)
	j.mu.Lock()
	running, created := j.cancel != nil, j.live.Created
	j.mu.Unlock()
	assert.True(t, running, "closing the tab does not stop the run")

	// Reopen: the page shows where it is, then the end and the downloads.
	ctx2, cancel2 := newTab(t, root)
	defer cancel2()
	bounded(t, ctx2, 60*time.Second,
		chromedp.Navigate(ts.URL+"/jobs/"+id+"/run"),
		chromedp.WaitVisible(chromedp.ID("dl-results")),
	)
	m := jobMetaOf(j)
	assert.Equal(t, 1, m.Runs, "one run for a double click")
	assert.Equal(t, 116, m.Counts.Created)
	assert.GreaterOrEqual(t, m.Counts.Created, created)
	assert.Equal(t, "116", evalIn[string](t, ctx2, `document.querySelector('[data-count="Created"]').innerText`))
	screenshot(t, ctx2, "page-run.png", true)

	bounded(t, ctx2, 20*time.Second, chromedp.Navigate(ts.URL+"/history"), chromedp.WaitVisible(chromedp.CSS("table.list")))
	screenshot(t, ctx2, "extra-history.png", false)

	// The results equal `onboard run` on the corrected file, cell for cell.
	dir := t.TempDir()
	pageResults := filepath.Join(dir, "page.xlsx")
	require.NoError(t, os.WriteFile(pageResults, fetchBytes(t, ctx2, "/jobs/"+id+"/files/results.xlsx"), 0o600))
	corrected := filepath.Join(dir, "corrected.csv")
	require.NoError(t, os.WriteFile(corrected, fetchBytes(t, ctx2, "/jobs/"+id+"/files/corrected.csv"), 0o600))
	mapping := filepath.Join(dir, "map.yaml")
	require.NoError(t, os.WriteFile(mapping, fetchBytes(t, ctx2, "/jobs/"+id+"/files/mapping.yaml"), 0o600))
	cli := filepath.Join(dir, "cli.xlsx")
	code, _, errOut := onboard(t, "run", "-p", "alphalearn", "-m", mapping, "--simulate", "--workers", "1", "--rate", "0",
		"--state", filepath.Join(dir, "cli.db"), "-o", cli, corrected)
	require.Equal(t, exitSomeFailed, code, errOut)
	sameSheets(t, cli, pageResults, "Results", "Missing")

	// A cross-origin form POST is refused (403), cookie or not.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><body><form id="f" method="post" action="%s/jobs/%s/delete"><button id="go">go</button></form></body></html>`, ts.URL, id)
	}))
	defer evil.Close()
	ctx3, cancel3 := newTab(t, root)
	defer cancel3()
	bounded(t, ctx3, 20*time.Second, chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.ID("go")))
	c, cancel = context.WithTimeout(ctx3, 20*time.Second)
	res, err := chromedp.RunResponse(c, chromedp.Click(chromedp.ID("go")))
	cancel()
	require.NoError(t, err)
	assert.Equal(t, int64(http.StatusForbidden), res.Status)
	assert.NotNil(t, srv.jobs.get(id), "the job is still there")
}

func jobMetaOf(j *job) jobMeta {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.meta
}
