package ispring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
)

// tokenPath is the OAuth client-credentials endpoint.
const tokenPath = "/api/v3/token"

// renewBefore is how long before expiry a token is renewed, so a request
// never leaves with a token that dies on the way.
const renewBefore = 60 * time.Second

// tokenSource turns an API key (client ID and secret) into bearer tokens
// and renews them before their 30 minutes run out. It is safe for
// concurrent use: one exchange at a time, and callers that wait for it reuse
// its token instead of exchanging again.
type tokenSource struct {
	hc     *http.Client
	url    string
	id     string
	secret string
	now    func() time.Time // injectable for tests

	sem chan struct{} // held during an exchange; guards tok and exp
	tok string
	exp time.Time
}

func newTokenSource(hc *http.Client, baseURL, id, secret string) *tokenSource {
	return &tokenSource{
		hc: hc, url: providers.JoinURL(baseURL, tokenPath), id: id, secret: secret,
		now: time.Now, sem: make(chan struct{}, 1),
	}
}

// Token returns a token with more than renewBefore (or half its lifetime,
// for short-lived tokens) left, exchanging the key when needed. refused is
// a token the vendor just answered 401 to ("" for none): it is not handed
// out again, unless another caller already replaced it. fresh reports
// whether this call made the exchange.
func (t *tokenSource) Token(ctx context.Context, refused string) (tok string, fresh bool, err error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", false, providers.AsError(ctx, ctx.Err())
	}
	defer func() { <-t.sem }()
	if t.tok != "" && t.tok != refused && t.now().Before(t.exp) {
		return t.tok, false, nil
	}
	tok, life, err := t.exchange(ctx)
	if err != nil {
		return "", false, err
	}
	t.tok = tok
	t.exp = t.now().Add(life - min(renewBefore, life/2))
	return tok, true, nil
}

// tokenResponse is TokenResponse.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// defaultLifetime is the documented token lifetime, used when the answer
// does not say.
const defaultLifetime = 30 * time.Minute

func (t *tokenSource) exchange(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"client_id": {t.id}, "client_secret": {t.secret}, "grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// Guard: the client secret in this body never follows a redirect off the host.
	resp, err := providers.Guard(t.hc).Do(req)
	if err != nil {
		return "", 0, tokenError(providers.AsError(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, tokenError(providers.AsError(ctx, err))
	}
	r := &providers.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode != http.StatusOK {
		e := classify(r, time.Now())
		// The key itself was refused: every row would fail the same way.
		if e.Code == providers.VendorRejected {
			e.Code = providers.AuthFailed
		}
		return "", 0, tokenError(e)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, tokenError(&providers.Error{Code: providers.VendorError, Status: resp.StatusCode,
			Message: "token answer without access_token"})
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultLifetime
	}
	return tr.AccessToken, life, nil
}

// tokenError says that the failure came from the token exchange, never
// echoing the key.
func tokenError(e *providers.Error) *providers.Error {
	e.Message = "token exchange at " + tokenPath + ": " + e.Message
	e.Sent = false // no user was created by a token call
	return e
}
