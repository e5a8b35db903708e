package ispring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Client adds users with REST POST /user. It is safe for concurrent use.
type Client struct {
	base   string
	hc     *http.Client
	token  string       // a ready bearer token (ONBOARD_TOKEN), or
	tokens *tokenSource // an API key exchanged for tokens
	now    func() time.Time
}

// Check the interfaces are satisfied.
var (
	_ providers.Client = (*Client)(nil)
	_ providers.Finder = (*Client)(nil)
)

// New builds a client from cfg. ONBOARD_TOKEN is used when set; otherwise
// ONBOARD_CLIENT_ID and ONBOARD_CLIENT_SECRET are exchanged for tokens.
func New(cfg providers.Config) (providers.Client, error) {
	base, hc := cfg.BaseURLOr(DefaultBaseURL), cfg.HTTPClient()
	c := &Client{base: base, hc: hc, now: time.Now}
	if tok := cfg.Credentials[EnvToken]; tok != "" {
		c.token = tok
		return c, nil
	}
	id, secret := cfg.Credentials[EnvClientID], cfg.Credentials[EnvClientSecret]
	switch {
	case id == "" && secret == "":
		return nil, fmt.Errorf("ispring: set %s, or %s and %s", EnvToken, EnvClientID, EnvClientSecret)
	case id == "":
		return nil, fmt.Errorf("ispring: %s is set but %s is missing", EnvClientSecret, EnvClientID)
	case secret == "":
		return nil, fmt.Errorf("ispring: %s is set but %s is missing", EnvClientID, EnvClientSecret)
	}
	c.tokens = newTokenSource(hc, base, id, secret)
	return c, nil
}

// Create sends one POST /user. With an API key, a 401 (a token revoked or
// expired early) is answered by one fresh exchange and one resend: the
// refused request created nothing, so the resend cannot double-create.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	resp, err := c.call(ctx, http.MethodPost, "/user", buildNewUser(rec))
	if err != nil {
		return providers.Created{}, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return providers.Created{}, classify(resp, c.now())
	}
	id := parseCreatedID(resp.Body)
	if id == "" {
		// The answer is the bare ID or nothing we can read: the pool
		// looks the user up instead of creating again.
		return providers.Created{}, providers.Unreadable(resp, "a user ID")
	}
	return providers.Created{ID: id}, nil
}

// Find looks the person up by login (or email when the record has no
// login) with GET /user?logins[]=.
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	q := url.Values{}
	login, _ := rec["login"].(string)
	email, _ := rec["email"].(string)
	switch {
	case login != "":
		q.Set("logins[]", login)
	case email != "":
		q.Set("emails[]", email)
	default:
		return "", false, errors.New("ispring: find needs login or email")
	}
	resp, err := c.call(ctx, http.MethodGet, "/user?"+q.Encode(), nil)
	if err != nil {
		return "", false, err
	}
	if resp.Status != http.StatusOK {
		return "", false, classify(resp, c.now())
	}
	users, err := decodeUsers(resp.Body)
	if err != nil {
		return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
			Message: "unreadable user list: " + err.Error(), Err: err}
	}
	for _, u := range users {
		if login != "" && strings.EqualFold(u.Fields["login"], login) ||
			login == "" && strings.EqualFold(u.Fields["email"], email) {
			return u.UserID, true, nil
		}
	}
	return "", false, nil
}

// listedUser is the part of User that Find reads.
type listedUser struct {
	UserID string            `json:"userId"`
	Fields map[string]string `json:"fields"`
}

// decodeUsers reads GET /user: a JSON array of User, or the same array
// wrapped in {"response": [...]} as the XML form is.
func decodeUsers(b []byte) ([]listedUser, error) {
	var users []listedUser
	if err := json.Unmarshal(b, &users); err == nil {
		return users, nil
	}
	var wrapped struct {
		Response []listedUser `json:"response"`
	}
	if err := json.Unmarshal(b, &wrapped); err != nil {
		return nil, err
	}
	return wrapped.Response, nil
}

// call sends one request with the bearer token, renewing an API-key token
// once on 401.
func (c *Client) call(ctx context.Context, method, path string, body any) (*providers.Response, error) {
	u := providers.JoinURL(c.base, path)
	if c.tokens == nil {
		return providers.Do(ctx, c.hc, method, u, providers.Bearer(c.token), body)
	}
	tok, fresh, err := c.tokens.Token(ctx, "")
	if err != nil {
		return nil, err
	}
	resp, err := providers.Do(ctx, c.hc, method, u, providers.Bearer(tok), body)
	if err != nil || resp.Status != http.StatusUnauthorized || fresh {
		return resp, err
	}
	if tok, _, err = c.tokens.Token(ctx, tok); err != nil {
		return nil, err
	}
	return providers.Do(ctx, c.hc, method, u, providers.Bearer(tok), body)
}
