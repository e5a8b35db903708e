package alphalearn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Client creates users with POST /user/create. It is safe for concurrent
// use.
type Client struct {
	base  string
	hc    *http.Client
	token string
	now   func() time.Time
}

// Check the interfaces are satisfied.
var (
	_ providers.Client = (*Client)(nil)
	_ providers.Finder = (*Client)(nil)
)

// New builds a client from cfg; ONBOARD_TOKEN is the bearer JWT.
func New(cfg providers.Config) (providers.Client, error) {
	v, err := cfg.Require("alphalearn", providers.Need{Env: EnvToken, What: "the bearer token from POST /authorize/login"})
	if err != nil {
		return nil, err
	}
	return &Client{base: cfg.BaseURLOr(DefaultBaseURL), hc: cfg.HTTPClient(), token: v[0], now: time.Now}, nil
}

// Create sends one POST /user/create. The record's fields go as they are
// named, integers as JSON numbers; absent fields are left out.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	body := make(map[string]any, len(rec))
	for _, f := range fields {
		if v, ok := rec[f.Name]; ok {
			body[f.Name] = v
		}
	}
	resp, err := providers.Do(ctx, c.hc, http.MethodPost, providers.JoinURL(c.base, "/user/create"), providers.Bearer(c.token), body)
	if err != nil {
		return providers.Created{}, err
	}
	env := decode(resp.Body)
	ok2xx := resp.Status >= 200 && resp.Status <= 299
	if ok2xx && !hasSuccess(resp.Body) {
		// A 2xx without the envelope's success flag says nothing usable:
		// the pool looks the user up rather than create again.
		return providers.Created{}, providers.Unreadable(resp, "the success envelope")
	}
	if ok2xx && env.Success && env.Data.Response.Error.Code == "" {
		// A readable success without a userId is created, its ID
		// unknown: the pool's lookup finds it.
		var d createdData
		_ = json.Unmarshal(env.Data.Response.Data, &d)
		return providers.Created{ID: string(d.UserID)}, nil
	}
	// success:false in a 200 is the vendor's refusal, read as any other.
	return providers.Created{}, classify(resp, env, c.now())
}

// pageSize is user-list's maximum count.
const pageSize = 50

// maxPages bounds a lookup: q already narrows the list to matching names
// and emails.
const maxPages = 20

// Find looks the person up by email with GET /user/user-list?q=, matching
// the email case-insensitively (q also matches names and parts of emails).
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	email, _ := rec["email"].(string)
	if email == "" {
		return "", false, errors.New("alphalearn: find needs email")
	}
	for page := range maxPages {
		first := page*pageSize + 1
		q := url.Values{"firstRecord": {strconv.Itoa(first)}, "count": {strconv.Itoa(pageSize)}, "q": {email}}
		resp, err := providers.Do(ctx, c.hc, http.MethodGet, providers.JoinURL(c.base, "/user/user-list?"+q.Encode()), providers.Bearer(c.token), nil)
		if err != nil {
			return "", false, err
		}
		env := decode(resp.Body)
		if resp.Status != http.StatusOK || env == nil || !env.Success {
			return "", false, classify(resp, env, c.now())
		}
		var d listData
		if err := json.Unmarshal(env.Data.Response.Data, &d); err != nil {
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
				Message: "unreadable user list: " + err.Error(), Err: err}
		}
		for _, u := range d.UserList {
			if strings.EqualFold(strings.TrimSpace(u.Email), email) {
				return string(u.UserID), true, nil
			}
		}
		if len(d.UserList) < pageSize || first+pageSize > d.TotalRecords {
			return "", false, nil
		}
	}
	return "", false, nil
}
