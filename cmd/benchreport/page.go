package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Sizes and targets of the page's figures (issue 20).
const (
	pageRows      = 100_000
	pageFirstGrid = 5 * time.Second // upload to the first grid page
	pageEdit      = 200 * time.Millisecond
	pageRSSMiB    = 300
	pageJumpLine  = 99_990
)

// pageFigures starts `onboard serve --simulate` as a child process and
// drives it over HTTP as the page does: a 100,000-row upload, the Map
// step, the first grid page, a jump to row 99,990, one corrected cell;
// then the server's peak RSS.
func pageFigures(ctx context.Context, b *bench) error {
	bin, err := b.onboard(ctx)
	if err != nil {
		return err
	}
	roster := filepath.Join(b.dir, "page-roster.csv")
	if err := writePageRoster(roster, pageRows); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--simulate", "--addr", "127.0.0.1:0", "--dir", filepath.Join(b.dir, "serve"))
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("onboard serve printed no address: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	m := regexp.MustCompile(`(http://\S+/)\?token=(\w+)`).FindStringSubmatch(line)
	if m == nil {
		return fmt.Errorf("onboard serve: no token URL in %q", line)
	}
	base := strings.TrimSuffix(m[1], "/")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	if _, err := pageGet(ctx, c, base+"/?token="+m[2]); err != nil {
		return err
	}

	b.logf("page: upload %s rows, map, first grid page", count(pageRows))
	start := time.Now()
	review, err := pageUploadAndMap(ctx, c, base, roster)
	if err != nil {
		return err
	}
	first := time.Since(start)
	if n := strings.Count(review, `<tr id="row-`); n != 50 {
		return fmt.Errorf("first grid page: %d rows, want 50", n)
	}
	id := regexp.MustCompile(`/jobs/([\w-]+)/rows`).FindStringSubmatch(review)
	if id == nil {
		return fmt.Errorf("first grid page: no job id")
	}
	what := fmt.Sprintf("%s rows, alphalearn, 8 columns", count(pageRows))
	b.add(check("20a", "page: upload to the first grid page, "+what, secs(first), "< "+secs(pageFirstGrid), first < pageFirstGrid))

	start = time.Now()
	jump, err := pageGet(ctx, c, fmt.Sprintf("%s/jobs/%s/rows?line=%d", base, id[1], pageJumpLine))
	if err != nil {
		return err
	}
	took := time.Since(start)
	rows := strings.Count(jump, `<tr id="row-`)
	one := rows <= 50 && strings.Contains(jump, fmt.Sprintf(`<tr id="row-%d"`, pageJumpLine))
	b.add(check("20b", fmt.Sprintf("page: jump to row %s", count(pageJumpLine)),
		fmt.Sprintf("%d rows, %s KiB in %s", rows, strconv.Itoa(len(jump)/1024), secs(took)), "one window (≤ 50 rows)", one))

	start = time.Now()
	if _, err := pagePost(ctx, c, fmt.Sprintf("%s/jobs/%s/cell?line=%d&col=3", base, id[1], pageJumpLine), url.Values{"value": {"not-an-email"}}); err != nil {
		return err
	}
	edit := time.Since(start)
	b.add(check("20c", "page: a corrected cell re-checked (its row and the rows sharing its keys) in "+count(pageRows)+" rows, over HTTP",
		fmt.Sprintf("%.1f ms", float64(edit.Microseconds())/1000), "< "+secs(pageEdit), edit < pageEdit))

	if err := pageBrowserFigure(ctx, b, c, base, id[1]); err != nil {
		return err
	}
	rss, err := peakRSSKiB(cmd.Process.Pid)
	if err != nil {
		return err
	}
	b.add(check("20d", "page: server peak RSS after the above", mib(rss), "< "+strconv.Itoa(pageRSSMiB)+" MiB", rss < pageRSSMiB*1024))
	return nil
}

func writePageRoster(path string, n int) error {
	var buf bytes.Buffer
	buf.WriteString("Title,First Name,Last Name,E-mail,Country Code,Mobile,Role ID,User Can Choose Password\n")
	for i := range n {
		fmt.Fprintf(&buf, "Ms,Person%d,Tester,person%07d@example.com,+91,98%08d,3,no\n", i, i, i)
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// pageUploadAndMap uploads the roster, maps its columns as the page
// guesses them and returns the Review page.
func pageUploadAndMap(ctx context.Context, c *http.Client, base, roster string) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("vendor", "alphalearn")
	fw, err := mw.CreateFormFile("roster", filepath.Base(roster))
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(roster)
	if err != nil {
		return "", err
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		return "", err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/jobs", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	mapPage, err := pageDo(c, req)
	if err != nil {
		return "", err
	}
	form := url.Values{}
	sel := regexp.MustCompile(`(?s)<select name="(col\d+)".*?</select>`)
	chosen := regexp.MustCompile(`<option value="([^"]*)" selected>`)
	for _, m := range sel.FindAllStringSubmatch(mapPage, -1) {
		if s := chosen.FindStringSubmatch(m[0]); s != nil {
			form.Set(m[1], s[1])
		}
	}
	action := regexp.MustCompile(`<form method="post" action="(/jobs/[\w-]+/map)">`).FindStringSubmatch(mapPage)
	if action == nil {
		return "", fmt.Errorf("upload: no Map step in the answer")
	}
	return pagePost(ctx, c, base+action[1], form)
}

func pageGet(ctx context.Context, c *http.Client, u string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	return pageDo(c, req)
}

func pagePost(ctx context.Context, c *http.Client, u string, form url.Values) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return pageDo(c, req)
}

func pageDo(c *http.Client, req *http.Request) (string, error) {
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s %s: %s: %.200s", req.Method, req.URL.Path, res.Status, b)
	}
	return string(b), nil
}

// peakRSSKiB is a running process's peak resident set size (VmHWM).
func peakRSSKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("server RSS: %w (Linux only)", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("server RSS: no VmHWM in /proc/%d/status", pid)
}
