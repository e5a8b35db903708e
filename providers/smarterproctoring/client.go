package smarterproctoring

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/schema"
)

// Client creates users in one SmarterProctoring install. It is safe for
// concurrent use.
type Client struct {
	usersURL string // base + /v1/installs/{installSid}/users
	token    string
	hc       *http.Client
}

// Check the interfaces are satisfied.
var (
	_ providers.Client = (*Client)(nil)
	_ providers.Finder = (*Client)(nil)
)

// New builds a client from ONBOARD_TOKEN and ONBOARD_INSTALL_SID. Errors name
// the env var, never its value.
func New(cfg providers.Config) (providers.Client, error) {
	v, err := cfg.Require("smarterproctoring",
		providers.Need{Env: envToken, What: "the API token from your SmarterProctoring account manager"},
		providers.Need{Env: envInstallSID, What: "the install SID, AI followed by 32 hex digits"})
	if err != nil {
		return nil, err
	}
	token, sid := v[0], v[1]
	if !installSIDRE.MatchString(sid) {
		return nil, fmt.Errorf("smarterproctoring: %s is not an install SID: want AI followed by 32 lowercase hex digits (got %d characters)", envInstallSID, len(sid))
	}
	return &Client{
		usersURL: providers.JoinURL(cfg.BaseURL, "/v1/installs/"+sid+"/users"),
		token:    token,
		hc:       cfg.HTTPClient(),
	}, nil
}

func (c *Client) header() http.Header {
	return http.Header{"Token": {c.token}}
}

// requestBody returns the JSON body for rec: every schema field present in rec
// under its documented name, with its JSON type; absent fields are omitted.
func requestBody(rec schema.Record) map[string]any {
	body := make(map[string]any, len(rec))
	for _, f := range Schema.Fields {
		if v, ok := rec[f.Name]; ok {
			body[f.Name] = v
		}
	}
	return body
}

// user is the part of the documented user object the client reads.
type user struct {
	Sid   string `json:"sid"`
	Email string `json:"email"`
}

// Create sends one POST /v1/installs/{installSid}/users and returns the new
// user's sid.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	resp, err := providers.Do(ctx, c.hc, http.MethodPost, c.usersURL, c.header(), requestBody(rec))
	if err != nil {
		return providers.Created{}, providers.AsError(ctx, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return providers.Created{}, mapError(resp)
	}
	var u user
	if !providers.JSONObject(resp.Body) || json.Unmarshal(resp.Body, &u) != nil {
		// The vendor said yes, but in no shape we can read: the pool
		// looks the person up rather than create them twice.
		return providers.Created{}, providers.Unreadable(resp, "a readable answer")
	}
	// A readable yes without a sid is created, its ID unknown: the pool's
	// lookup finds it.
	return providers.Created{ID: u.Sid}, nil
}

// lookupError maps a failed list answer. mapError reads a 404 as an
// install SID no later row can fix (AUTH_FAILED, fatal), which holds for
// the create path, but the list endpoint ("List admin user" in the Swagger)
// may answer 404 for a filter that matches nobody, or not be open to every
// token: a 404 here only says the lookup did not work, and the pool then
// lets the vendor's duplicate check decide.
func lookupError(resp *providers.Response) *providers.Error {
	e := mapError(resp)
	if resp.Status == http.StatusNotFound {
		e.Code = providers.VendorRejected
		e.Message = "lookup: " + e.Message
	}
	return e
}

// list is the list endpoint's answer: {"results": [...]} as the vendor's
// pagination docs show. A bare array is accepted too.
type list struct {
	Results []user `json:"results"`
}

// Find looks the person up with GET /v1/installs/{installSid}/users?email=.
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	email, _ := rec["email"].(string)
	if email == "" {
		return "", false, fmt.Errorf("smarterproctoring: find: the record has no email")
	}
	q := url.Values{"email": {email}}
	resp, err := providers.Do(ctx, c.hc, http.MethodGet, c.usersURL+"?"+q.Encode(), c.header(), nil)
	if err != nil {
		return "", false, providers.AsError(ctx, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return "", false, lookupError(resp)
	}
	var l list
	if err := json.Unmarshal(resp.Body, &l); err != nil {
		if err2 := json.Unmarshal(resp.Body, &l.Results); err2 != nil {
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
				Message: "unreadable user list: " + providers.BodyText(resp.Body), Err: err}
		}
	}
	// The filter's matching rules are not documented: insist on the same
	// address, ignoring case.
	for _, u := range l.Results {
		if u.Sid != "" && strings.EqualFold(u.Email, email) {
			return u.Sid, true, nil
		}
	}
	return "", false, nil
}

// updateFields are the body of PUT /v1/installs/{installSid}/users/{userSid}
// ("Update admin user", Swagger Model137): the create fields without
// latitude, longitude, lmsId, sisId and exernalId.
var updateFields = []string{"firstName", "lastName", "email", "preferredEmail", "homePhone", "mobilePhone",
	"currencyCode", "timeZoneSid", "username", "password", "enabled"}

var _ providers.Updater = (*Client)(nil)

// Updatable reports whether the update call takes field.
func (c *Client) Updatable(field string) bool { return slices.Contains(updateFields, field) }

// Update sends one PUT /v1/installs/{installSid}/users/{userSid} with the
// changed fields; nothing is required, and what is left out stays.
func (c *Client) Update(ctx context.Context, id string, changed []string, rec schema.Record) error {
	if !userSIDRE.MatchString(id) {
		return &providers.Error{Code: providers.VendorRejected,
			Message: fmt.Sprintf("update: %q is not a user sid (US followed by 32 hex digits)", id)}
	}
	body := map[string]any{}
	for _, f := range changed {
		if v, ok := rec[f]; ok && c.Updatable(f) {
			body[f] = v
		}
	}
	resp, err := providers.Do(ctx, c.hc, http.MethodPut, c.usersURL+"/"+id, c.header(), body)
	if err != nil {
		return providers.AsError(ctx, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return updateError(resp)
	}
	return nil
}

// updateError maps a failed update: a 404 there is the user, not the
// install (mapError's fatal reading).
func updateError(resp *providers.Response) *providers.Error {
	e := mapError(resp)
	if resp.Status == http.StatusNotFound && strings.Contains(providers.BodyText(resp.Body), "User") {
		e.Code = providers.VendorRejected
		e.Message = "update: " + e.Message
	}
	return e
}
