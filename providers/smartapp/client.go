package smartapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// TokenEnv is the env var holding the bearer token.
const TokenEnv = "ONBOARD_TOKEN"

// Paths, joined to the base URL. Create is documented; list is assumed to
// follow the same style (the doc shows its answer, not its path).
const (
	createPath = "/user/create"
	listPath   = "/user/list"
)

// Client creates smartapp users. It is safe for concurrent use.
type Client struct {
	base   string
	header http.Header
	hc     *http.Client
	now    func() time.Time
}

// Check the interfaces are satisfied.
var (
	_ providers.Client = (*Client)(nil)
	_ providers.Finder = (*Client)(nil)
)

// New returns a client for cfg. The token comes from cfg.Credentials
// under ONBOARD_TOKEN.
func New(cfg providers.Config) (providers.Client, error) {
	token := cfg.Credentials[TokenEnv]
	if token == "" {
		return nil, fmt.Errorf("smartapp: %s is not set: the API token is required", TokenEnv)
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("smartapp: no base URL")
	}
	return &Client{base: cfg.BaseURL, header: providers.Bearer(token), hc: cfg.HTTPClient(), now: time.Now}, nil
}

// Create sends one POST /user/create. Fields absent from rec are left out:
// the vendor defaults licenceType to LicencedUser itself.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	body := make(map[string]any, len(rec))
	for _, f := range Schema.Fields {
		if v, ok := rec[f.Name]; ok {
			body[f.Name] = v
		}
	}
	resp, err := providers.Do(ctx, c.hc, http.MethodPost, providers.JoinURL(c.base, createPath), c.header, body)
	if err != nil {
		return providers.Created{}, providers.AsError(ctx, err)
	}
	if resp.Status/100 != 2 {
		return providers.Created{}, toError(resp, c.now())
	}
	var ans createAnswer
	if !providers.JSONObject(resp.Body) || json.Unmarshal(resp.Body, &ans) != nil {
		// The vendor said yes, but in no shape we can read: the pool
		// looks the person up rather than create them again.
		return providers.Created{}, providers.Unreadable(resp, "a readable answer")
	}
	// A readable yes without a userID is created, its ID unknown: the
	// pool's lookup finds it.
	out := providers.Created{ID: ans.UserID}
	if ans.GlobalUserID != "" {
		out.Extra = map[string]string{"globalUserID": ans.GlobalUserID}
	}
	return out, nil
}

// createAnswer is the documented 200 answer of /user/create.
type createAnswer struct {
	Email        string `json:"email"`
	UserID       string `json:"userID"`
	GlobalUserID string `json:"globalUserID"`
}

// Find looks the person up by email with GET /user/list?email= and returns
// their uniqueID (the same UUID as create's userID).
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	email, _ := rec["email"].(string)
	if email == "" {
		return "", false, fmt.Errorf("smartapp: find: the record has no email")
	}
	u := providers.JoinURL(c.base, listPath) + "?" + url.Values{"email": {email}}.Encode()
	resp, err := providers.Do(ctx, c.hc, http.MethodGet, u, c.header, nil)
	if err != nil {
		return "", false, providers.AsError(ctx, err)
	}
	if resp.Status != http.StatusOK {
		return "", false, toError(resp, c.now())
	}
	users, err := decodeList(resp.Body)
	if err != nil {
		// The vendor answered: an unreadable answer is its error, not the
		// network's.
		return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
			Message: "unreadable user list: " + message(resp.Body), Err: err}
	}
	// Compare ourselves: a vendor that ignores the filter must not make
	// us adopt someone else's ID.
	for _, u := range users {
		if strings.EqualFold(u.Email, email) && u.UniqueID != "" {
			return u.UniqueID, true, nil
		}
	}
	return "", false, nil
}

// listUser is the part of the documented user object Find needs.
type listUser struct {
	UniqueID string `json:"uniqueID"`
	Email    string `json:"email"`
}

// decodeList reads {"totalCount": n, "users": ...}. The doc renders users
// as a single object though it says "an array of user objects", so both
// forms are accepted.
func decodeList(body []byte) ([]listUser, error) {
	var ans struct {
		Users json.RawMessage `json:"users"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(ans.Users)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, nil
	case raw[0] == '{':
		var u listUser
		err := json.Unmarshal(raw, &u)
		return []listUser{u}, err
	default:
		var us []listUser
		err := json.Unmarshal(raw, &us)
		return us, err
	}
}
