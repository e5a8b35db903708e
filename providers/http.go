package providers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// maxAnswer caps what is read of a vendor answer: an error page is enough.
const maxAnswer = 1 << 20

// DefaultTimeout is the overall deadline of one call (connect, send, wait
// for the answer, read it) unless HTTPOptions say otherwise.
const DefaultTimeout = 30 * time.Second

// MaxRetryAfter caps a vendor's Retry-After: a longer wait is not waited,
// the row ends RATE_LIMITED.
const MaxRetryAfter = 5 * time.Minute

// HTTPOptions tune NewHTTPClient.
type HTTPOptions struct {
	// Timeout is the overall deadline of one call; it also bounds the
	// connect (at most 10 s) and the wait for the answer's header. 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Conns is how many calls run at once (the pool's workers): the idle
	// connections kept per host. 0 means 16.
	Conns int
}

// NewHTTPClient returns the one client a run shares between every vendor
// call: one pooled Transport (connections are reused, so a run holds about
// Conns of them), a connect timeout, a response-header timeout and an
// overall deadline, TLS always verified, and no redirect followed to
// another scheme, host or port, so that no credential and no personal data
// ever reaches a host it was not meant for.
func NewHTTPClient(o HTTPOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Conns <= 0 {
		o.Conns = 16
	}
	connect := min(o.Timeout, 10*time.Second)
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          o.Conns * 2,
		MaxIdleConnsPerHost:   o.Conns,
		// TLSClientConfig stays nil: certificates are always verified.
	}
	return &http.Client{Timeout: o.Timeout, Transport: t, CheckRedirect: sameOrigin}
}

// Guard returns hc (DefaultHTTPClient when nil) made to follow no redirect
// that leaves the original scheme, host and port: a client someone passed
// in without a CheckRedirect gets sameOrigin, on a shallow copy that
// shares its Transport and so its connections.
func Guard(hc *http.Client) *http.Client {
	if hc == nil {
		return DefaultHTTPClient()
	}
	if hc.CheckRedirect != nil {
		return hc
	}
	c := *hc
	c.CheckRedirect = sameOrigin
	return &c
}

// CheckBaseURL refuses a base URL that would send credentials where they
// should not go: it must be absolute with a host, https://, or http:// for
// a loopback host (localhost, 127.0.0.0/8, ::1) unless insecureHTTP, and
// carry no user:password (credentials come from the environment), no
// query and no fragment: a token there would be sent on every request
// (glued before the path), written into the results and fix file, and
// shown in ps. No message repeats what follows a ? or #.
func CheckBaseURL(raw string, insecureHTTP bool) error {
	shown := raw
	if i := strings.IndexAny(shown, "?#"); i >= 0 {
		shown = shown[:i] + "…"
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// Go's own words ("first path segment in URL cannot contain
		// colon") say what the parser saw, not what to type.
		if !strings.Contains(shown, "://") {
			return fmt.Errorf("--base-url %q: no scheme; write https://%s", shown, strings.TrimPrefix(strings.TrimSpace(shown), "//"))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the cause, without Go's "parse URL" and the secret
		}
		return fmt.Errorf("--base-url %q is not a URL: write it as https://HOST, https://HOST:PORT or https://HOST/PATH (%v)", shown, err)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		c := *u
		c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
		return fmt.Errorf("--base-url %s?…: holds a query or fragment (? or #); give the host and path only, and put a token in the environment or the --config file", c.String())
	}
	raw = shown
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !insecureHTTP && u.Hostname() != "" && !IsLoopback(u.Hostname()) {
			return fmt.Errorf("--base-url %s: plain http:// would send the credentials and personal data unencrypted to a host that is not this machine; use https:// (or --insecure-http if you really mean it)", redactURL(u))
		}
	case "":
		return fmt.Errorf("--base-url %q: no scheme; write https://%s", raw, strings.TrimPrefix(raw, "//"))
	default:
		return fmt.Errorf("--base-url %s: scheme %q is not supported; use https://", redactURL(u), u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("--base-url %q: no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("--base-url %s: holds a user name or password; credentials come from the environment or --config", redactURL(u))
	}
	return nil
}

// IsLoopback reports whether host (no port, no brackets) is this machine:
// localhost, 127.0.0.0/8 or ::1, also IPv4-mapped, or the unspecified
// address 0.0.0.0 or ::, which as a destination means this host (Linux and
// macOS connect it to the loopback interface; Windows refuses it).
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

var (
	defaultOnce sync.Once
	defaultHC   *http.Client
)

// DefaultHTTPClient is the shared client used when Config.HTTP is nil:
// one for the whole process, never one per request.
func DefaultHTTPClient() *http.Client {
	defaultOnce.Do(func() { defaultHC = NewHTTPClient(HTTPOptions{}) })
	return defaultHC
}

// RedirectError is a redirect that was not followed because it leads to
// another scheme, host or port than the configured one.
type RedirectError struct {
	Status   int
	Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("HTTP %d redirect to %s not followed: it leaves the configured host (check --base-url)", e.Status, e.Location)
}

// sameOrigin is the CheckRedirect of every vendor call: a redirect is
// followed only to the same scheme, host and port (at most 5 times).
func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if !SameOrigin(first, req.URL) {
		st := 0
		if req.Response != nil {
			st = req.Response.StatusCode
		}
		return &RedirectError{Status: st, Location: redactURL(req.URL)}
	}
	if len(via) >= 5 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	return nil
}

// SameOrigin reports whether a and b have the same scheme, host and port
// (default ports spelled or not).
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// redactURL is u without user info and query (tokens travel there).
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

// Response is a vendor answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request with a JSON body (nil for none) and reads the answer.
// Transport failures come back as *Error with Code NetworkError (Sent set
// when the request had been written) or Interrupted when ctx ended first.
// HTTP statuses are not judged here: that is each vendor's mapping. The
// Content-Type and Accept are application/json unless header sets them.
func Do(ctx context.Context, hc *http.Client, method, url string, header http.Header, body any) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := encodeBody(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// JSON unless the caller says which JSON (SCIM's application/scim+json).
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := Guard(hc).Do(req)
	if err != nil {
		if errors.As(err, new(*RedirectError)) {
			// The vendor answered with a redirect: nothing was created.
			return nil, AsError(ctx, err)
		}
		return nil, transportError(ctx, err, wrote.Load())
	}
	defer resp.Body.Close()
	b, err := readAnswer(resp)
	if err != nil {
		// The vendor answered but the body was lost: the status is known,
		// so the error is coded from it, never as a network error. A 2xx
		// without its body may have created the person (Sent).
		e := transportError(ctx, err, true)
		e.Status = resp.StatusCode
		if e.Code == NetworkError {
			e.Code = ByStatus(resp.StatusCode)
			if resp.StatusCode < 300 {
				e.Code = VendorError
				e.Err = fmt.Errorf("%w: %w", ErrUnreadable, err)
			}
			e.Message = fmt.Sprintf("HTTP %d, answer cut off: %v", resp.StatusCode, err)
		}
		return nil, e
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// readAnswer is io.ReadAll of at most maxAnswer bytes of an answer, its
// first buffer of the answer's announced size when it has one (most
// answers are far smaller than io.ReadAll's 512 bytes).
func readAnswer(resp *http.Response) ([]byte, error) {
	size := int64(512)
	if n := resp.ContentLength; n >= 0 && n < maxAnswer {
		size = n + 1 // the read that sees EOF needs no growth
	}
	r := io.LimitReader(resp.Body, maxAnswer)
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func transportError(ctx context.Context, err error, sent bool) *Error {
	if ctx.Err() != nil {
		return &Error{Code: Interrupted, Message: "run stopped", Sent: sent, Err: err}
	}
	return &Error{Code: NetworkError, Message: err.Error(), Sent: sent, Err: err}
}

// maxRetryAfterParsed bounds a parsed Retry-After, so a huge value never
// overflows a Duration; anything past MaxRetryAfter is refused anyway.
const maxRetryAfterParsed = 24 * time.Hour

// RetryAfter parses a Retry-After header: delta seconds or an HTTP date.
// A date is read against the answer's own Date header when it has one
// (Retry-After − Date, on the vendor's clock: a vendor whose clock runs
// ahead of ours still means the wait it wrote), against now otherwise.
// It returns 0 when absent, unparseable or in the past, and at most 24
// hours (huge values never overflow into a negative wait). Callers refuse
// to wait past MaxRetryAfter.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(v, 10, 64); err == nil {
		if s > uint64(maxRetryAfterParsed/time.Second) {
			return maxRetryAfterParsed
		}
		return time.Duration(s) * time.Second
	} else if errors.Is(err, strconv.ErrRange) {
		return maxRetryAfterParsed
	}
	if t, err := http.ParseTime(v); err == nil {
		if sent, err := http.ParseTime(strings.TrimSpace(h.Get("Date"))); err == nil {
			now = sent
		}
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfterParsed)
		}
	}
	return 0
}

// JSONObject reports whether b is one whole JSON object: a 2xx answer a
// vendor client can read. Anything else (empty, an HTML page, an answer
// cut short, null, an array) says nothing usable about what happened.
func JSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// ErrUnreadable marks a 2xx answer to a create that nobody can read (empty,
// an HTML page, cut short, not the vendor's shape). The vendor said done,
// so the pool never creates the person again: a lookup settles the row,
// or it ends unknown. A vendor's readable refusal in a 2xx (AlphaLearn's
// success:false) is not this: it is read as the failure it says.
var ErrUnreadable = errors.New("unreadable success answer")

// Unreadable is the error of a 2xx create answer a client cannot read
// (ErrUnreadable). Sent keeps the doubt for the next run.
func Unreadable(resp *Response, what string) *Error {
	return &Error{Code: VendorError, Status: resp.Status, Sent: true, Err: ErrUnreadable,
		Message: fmt.Sprintf("HTTP %d without %s: %q", resp.Status, what, BodyText(resp.Body))}
}

// ByStatus is the fallback mapping of an HTTP status to a Code, for answers a
// vendor's own mapping does not recognise.
func ByStatus(status int) Code {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return AuthFailed
	case status == http.StatusConflict:
		return AlreadyExists
	case status >= 500:
		return VendorError
	default:
		return VendorRejected
	}
}

// Bearer returns an Authorization header with a bearer token.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Basic returns an Authorization header with HTTP Basic credentials.
func Basic(id, secret string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))}}
}

// maxBodyText caps BodyText: an excerpt identifies an error page, the
// whole page is not a message.
const maxBodyText = 200

// BodyText is a short, one-line excerpt of an answer whose body is not the
// vendor's error shape (an HTML page from a proxy, say), for the results
// sheet: runs of white space become one space, and more than 200 bytes are
// cut with "…".
//
// Invalid UTF-8 (a vendor page in another encoding, or garbage) becomes
// U+FFFD, and the cut never splits a character: the text is safe in every
// output.
func BodyText(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if len(s) > maxBodyText {
		cut := maxBodyText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// CleanText is vendor text made safe for outputs: valid UTF-8 (U+FFFD for
// anything else) and no control characters but tab.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func isControl(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) }

// JoinURL joins a base URL and a path without doubling slashes.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}
