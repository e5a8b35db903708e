package bksb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Client creates users in one bksb Live 2 organisation (the one the access
// key belongs to). It is safe for concurrent use.
type Client struct {
	base string
	auth http.Header
	hc   *http.Client
}

// Check the interfaces are satisfied.
var (
	_ providers.Client = (*Client)(nil)
	_ providers.Finder = (*Client)(nil)
)

// New builds a client from ONBOARD_KEY_ID and ONBOARD_SECRET. Errors name
// the env var, never its value.
func New(cfg providers.Config) (providers.Client, error) {
	v, err := cfg.Require("bksb",
		providers.Need{Env: envKeyID, What: "the API Access Key ID from Admin Options → API Access Keys"},
		providers.Need{Env: envSecret, What: "the Secret Access Key of that API access key"})
	if err != nil {
		return nil, err
	}
	return &Client{base: cfg.BaseURL, auth: providers.Basic(v[0], v[1]), hc: cfg.HTTPClient()}, nil
}

// simpleDateTime is bksb's date object; every part is an integer.
type simpleDateTime struct {
	Year, Month, Day, Hour, Minute, Second, Millisecond int
}

func dateObject(t time.Time) simpleDateTime {
	return simpleDateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}
}

// requestBody returns the AddUserRequest for rec: every schema field
// present in rec under its documented name; absent fields are omitted.
func requestBody(rec schema.Record) map[string]any {
	body := make(map[string]any, len(rec))
	for _, f := range Schema.Fields {
		v, ok := rec[f.Name]
		if !ok {
			continue
		}
		if t, isDate := v.(time.Time); isDate {
			v = dateObject(t)
		}
		body[f.Name] = v
	}
	return body
}

// user is the part of the User resource the client reads.
type user struct {
	UserID json.Number `json:"UserId"`
	OrgID  json.Number `json:"OrgId"`
}

// Create sends one POST api/users/createUser and returns the new UserId as
// a decimal string, with the OrgId in Extra.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	resp, err := providers.Do(ctx, c.hc, http.MethodPost, providers.JoinURL(c.base, "/api/users/createUser"), c.auth, requestBody(rec))
	if err != nil {
		return providers.Created{}, providers.AsError(ctx, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return providers.Created{}, mapError(resp)
	}
	var u user
	if !providers.JSONObject(resp.Body) || json.Unmarshal(resp.Body, &u) != nil {
		// The vendor said yes, but in no shape we can read: the pool
		// looks the username up rather than create twice.
		return providers.Created{}, providers.Unreadable(resp, "a readable answer")
	}
	// A readable yes without a usable UserId is created, its ID unknown:
	// the pool's lookup finds it.
	out := providers.Created{}
	if id, err := strconv.ParseInt(u.UserID.String(), 10, 64); err == nil && id > 0 {
		out.ID = strconv.FormatInt(id, 10)
	}
	if u.OrgID != "" {
		out.Extra = map[string]string{"OrgId": u.OrgID.String()}
	}
	return out, nil
}

// Find looks the username up with GET api/users/user/getUserId?username=,
// which answers the bare UserId; 0, null or 404 mean nobody has it.
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	username, _ := rec["Username"].(string)
	if username == "" {
		return "", false, fmt.Errorf("bksb: find: the record has no Username")
	}
	u := providers.JoinURL(c.base, "/api/users/user/getUserId") + "?" + url.Values{"username": {username}}.Encode()
	resp, err := providers.Do(ctx, c.hc, http.MethodGet, u, c.auth, nil)
	if err != nil {
		return "", false, providers.AsError(ctx, err)
	}
	if resp.Status == http.StatusNotFound {
		return "", false, nil
	}
	if resp.Status < 200 || resp.Status > 299 {
		return "", false, mapError(resp)
	}
	id, ok := parseUserID(resp.Body)
	if !ok {
		return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
			Message: "unreadable getUserId answer: " + providers.BodyText(resp.Body)}
	}
	return id, id != "", nil
}

// parseUserID reads getUserId's answer: a number, a quoted number, null,
// or a User object. "" means not found.
func parseUserID(b []byte) (string, bool) {
	var v any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", len(strings.TrimSpace(string(b))) == 0 // an empty 200 is "nobody"
	}
	if obj, ok := v.(map[string]any); ok {
		v = obj["UserId"]
	}
	var s string
	switch x := v.(type) {
	case nil:
		return "", true
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return "", false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", false
	}
	if n <= 0 {
		return "", true
	}
	return strconv.FormatInt(n, 10), true
}
