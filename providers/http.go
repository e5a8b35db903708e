package providers

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxAnswer caps what is read of a vendor answer: an error page is enough.
const maxAnswer = 1 << 20

// DefaultHTTPClient is used when Config.HTTP is nil.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Timeout: 60 * time.Second, Transport: t}
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
// HTTP statuses are not judged here: that is each vendor's mapping.
func Do(ctx context.Context, hc *http.Client, method, url string, header http.Header, body any) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
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
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, err, wrote.Load())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
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
			}
			e.Message = fmt.Sprintf("HTTP %d, answer cut off: %v", resp.StatusCode, err)
		}
		return nil, e
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

func transportError(ctx context.Context, err error, sent bool) *Error {
	if ctx.Err() != nil {
		return &Error{Code: Interrupted, Message: "run stopped", Sent: sent, Err: err}
	}
	return &Error{Code: NetworkError, Message: err.Error(), Sent: sent, Err: err}
}

// RetryAfter parses a Retry-After header: delta seconds or an HTTP date.
// It returns 0 when absent or unparseable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
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
func BodyText(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxBodyText {
		s = s[:maxBodyText] + "…"
	}
	return s
}

// JoinURL joins a base URL and a path without doubling slashes.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}
