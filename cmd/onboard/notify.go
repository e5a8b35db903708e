package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/reports"
)

// notifyEnv names the webhook URL in the environment or the config file.
const notifyEnv = "ONBOARD_NOTIFY_URL"

// notifyURL picks the webhook: the flag, then the environment, then the
// config file. It must be https, or http on loopback (tests, a local
// relay), since the URL itself is the credential.
func notifyURL(flag, config string) (string, error) {
	u := flag
	if u == "" {
		u = os.Getenv(notifyEnv)
	}
	if u == "" && config != "" {
		vals, _, err := readConfig(config) // its warnings: loadCredentials prints them
		if err != nil {
			return "", err
		}
		u = vals[notifyEnv]
	}
	if u == "" {
		return "", nil
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "", errors.New("notify URL: not a URL") // never the value: it is a secret
	}
	host := p.Hostname()
	if p.Scheme != "https" && !(p.Scheme == "http" && providers.IsLoopback(host)) {
		return "", fmt.Errorf("notify URL: use https (http only for loopback), not %s on %s", p.Scheme, host)
	}
	return u, nil
}

// notifyTimeout bounds one webhook call.
const notifyTimeout = 15 * time.Second

// notifyBackoff is the wait before each retry of a failed notification.
var notifyBackoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// notifier posts reports to a webhook from one goroutine, in order, so a
// slow or failing webhook never holds up the next file. Failures are
// logged without the URL and retried; none is fatal.
type notifier struct {
	url    string
	client *http.Client
	stderr io.Writer
	queue  chan *reports.Report
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
}

func newNotifier(u string, stderr io.Writer) *notifier {
	// The vendor clients' own HTTP client: no redirect off the webhook's
	// scheme, host and port (so never to plain http), TLS verified,
	// connect and header timeouts. The URL is a secret and the body
	// holds file names and counts: neither goes anywhere else.
	return startNotifier(u, providers.NewHTTPClient(providers.HTTPOptions{Timeout: notifyTimeout, Conns: 1}), stderr)
}

// startNotifier starts a notifier posting through hc.
func startNotifier(u string, hc *http.Client, stderr io.Writer) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{url: u, client: hc, stderr: stderr,
		queue: make(chan *reports.Report, 256), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go n.loop()
	return n
}

func (n *notifier) send(r *reports.Report) {
	select {
	case n.queue <- r:
	default:
		fmt.Fprintf(n.stderr, "onboard watch: notification for %s dropped: too many waiting\n", r.File)
	}
}

// close waits up to wait for the queue to drain, then gives up on the rest.
func (n *notifier) close(wait time.Duration) {
	close(n.queue)
	select {
	case <-n.done:
	case <-time.After(wait):
		n.cancel()
		<-n.done
	}
}

func (n *notifier) loop() {
	defer close(n.done)
	for r := range n.queue {
		body, err := notifyBody(r)
		if err != nil {
			fmt.Fprintln(n.stderr, "onboard watch: notification:", err)
			continue
		}
		for attempt := 0; ; attempt++ {
			err := n.post(body)
			if err == nil {
				break
			}
			// A refused redirect answers the same every time.
			if attempt >= len(notifyBackoff) || n.ctx.Err() != nil || errors.As(err, new(*providers.RedirectError)) {
				fmt.Fprintf(n.stderr, "onboard watch: notification for %s not delivered: %v\n", r.File, err)
				break
			}
			wait := notifyBackoff[attempt]
			fmt.Fprintf(n.stderr, "onboard watch: notification for %s failed (%v); retrying in %s\n", r.File, err, wait)
			select {
			case <-time.After(wait):
			case <-n.ctx.Done():
			}
		}
	}
}

// post sends one notification. Its errors never hold the URL: url.Error
// spells it out, so only the cause is kept.
func (n *notifier) post(body []byte) error {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return errors.New("bad request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// notifyBody is the report's fields with a "text" beside them: Slack and
// Teams incoming webhooks show "text" and ignore the rest; anything else
// reads the fields. Lines end in two spaces so Teams' markdown breaks them.
func notifyBody(r *reports.Report) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["text"] = strings.ReplaceAll(r.Text(), "\n", "  \n")
	return json.Marshal(m)
}
