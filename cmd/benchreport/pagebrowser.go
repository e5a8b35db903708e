package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
)

// pageJSHeapMiB is the target for the tab's JS heap at 100,000 rows.
const pageJSHeapMiB = 100

// pageBrowserFigure opens the 100,000-row job's Review step in headless
// chromium (with the benchmark client's session), jumps to row 99,990 as
// a user would (Go to row) and reads the tab's JS heap. Without a
// chromium on PATH the figure says so.
func pageBrowserFigure(ctx context.Context, b *bench, c *http.Client, base, id string) error {
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		b.add(info("20e", "page: the tab's JS heap", "not measured: install chromium (apt-get install -y chromium)"))
		return nil
	}
	profile, err := os.MkdirTemp(b.dir, "chromium-")
	if err != nil {
		return err
	}
	actx, cancelA := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile), chromedp.WindowSize(1366, 900))
	defer cancelA()
	tab, cancelT := chromedp.NewContext(actx)
	defer cancelT()
	if err := chromedp.Do(tab); err != nil { // the tab lives as long as this first call's context
		return fmt.Errorf("chromium: %w", err)
	}
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if _, err := chromedp.Call(tab, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: base}); err != nil {
			return err
		}
	}
	if _, err := chromedp.Call(tab, performance.Enable, performance.EnableParams{}); err != nil {
		return err
	}
	step, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	start := time.Now()
	err = chromedp.Do(step,
		chromedp.Navigate(base+"/jobs/"+id+"/review"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=line]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=line]`), strconv.Itoa(pageJumpLine)),
		chromedp.Click(chromedp.CSS(`.gridnav form button`)),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("row-%d", pageJumpLine))),
	)
	if err != nil {
		return fmt.Errorf("chromium: review and jump: %w", err)
	}
	took := time.Since(start)
	m, err := chromedp.Call(tab, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return err
	}
	var heap float64
	for _, mt := range m.Metrics {
		if mt.Name == "JSHeapUsedSize" {
			heap = mt.Value
		}
	}
	mibs := heap / (1 << 20)
	b.add(check("20e", "page: the tab's JS heap after the Review step and a jump to row 99,990 (headless chromium)",
		fmt.Sprintf("%.1f MiB (%s)", mibs, secs(took)), "< "+strconv.Itoa(pageJSHeapMiB)+" MiB", heap > 0 && mibs < pageJSHeapMiB))
	return nil
}
