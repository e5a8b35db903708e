package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onboard/onboard/providers"
	"github.com/onboard/onboard/providers/vendorfile"
	"github.com/onboard/onboard/schema"
)

// mediaType is SCIM's JSON (RFC 7644 §3.1, §8.1).
const mediaType = "application/scim+json"

// maxPages bounds the lookup's paging: an eq filter finds one person, so
// more than one page means the server ignored the filter and lists
// everyone; onboard does not read a whole directory to find one person.
const maxPages = 5

// Client talks to one SCIM service provider. It is safe for concurrent
// use.
type Client struct {
	id        string // the vendor file's id, for messages
	baseWhere string // where the base URL is set, for messages
	base      string // the SCIM root, ending before /Users
	header    http.Header
	hc        *http.Client
	now       func() time.Time

	mu  sync.Mutex
	spc *serviceConfig // nil until /ServiceProviderConfig answered
}

// Check the interfaces are satisfied.
var (
	_ providers.Client        = (*Client)(nil)
	_ providers.Finder        = (*Client)(nil)
	_ providers.Updater       = (*Client)(nil)
	_ providers.UpdateChecker = (*Client)(nil)
)

// New builds a client of the built-in "scim" from ONBOARD_SCIM_TOKEN and
// the base URL: cfg.BaseURL (--base-url), or else ONBOARD_SCIM_URL.
// Errors name the env var, never its value.
func New(cfg providers.Config) (providers.Client, error) { return clientOf(vendor, cfg) }

// clientOf is newClient as a providers.Client: no typed nil on an error.
func clientOf(v *vendorfile.Vendor, cfg providers.Config) (providers.Client, error) {
	c, err := newClient(v, cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newClient builds a client of the vendor file v (protocol scim2): the
// bearer token from the credential its auth names, the base URL from
// cfg.BaseURL (--base-url, or the file's fixed base_url), or else the
// credential its base_url names.
func newClient(v *vendorfile.Vendor, cfg providers.Config) (*Client, error) {
	id, baseEnv := v.ID, v.BaseURLEnv()
	tok, err := cfg.Require(id, providers.Need{Env: v.BearerEnv(), What: v.Credential(v.BearerEnv())})
	if err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" && baseEnv == "" {
		base = v.BaseURL
	}
	if base == "" {
		base = cfg.Credentials[baseEnv]
		if base == "" {
			return nil, fmt.Errorf("%s: no base URL: set %s (or --base-url) to the SCIM root, ending before /Users, e.g. https://api.example.com/scim/v2", id, baseEnv)
		}
		if err := providers.CheckBaseURL(base, false); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", id, baseEnv, err)
		}
	}
	if u, err := url.Parse(base); err == nil && strings.HasSuffix(strings.ToLower(strings.TrimRight(u.Path, "/")), "/users") {
		return nil, fmt.Errorf("%s: the base URL ends with /Users: give the SCIM root before it (onboard adds /Users)", id)
	}
	h := providers.Bearer(tok[0])
	h.Set("Accept", mediaType+", application/json")
	where := "--base-url or the file's base_url"
	if baseEnv != "" {
		where = "--base-url or " + baseEnv
	}
	return &Client{id: id, baseWhere: where, base: strings.TrimRight(base, "/"), header: h, hc: cfg.HTTPClient(), now: time.Now}, nil
}

func (c *Client) do(ctx context.Context, method, path string, body any) (*providers.Response, error) {
	h := c.header.Clone()
	if body != nil {
		h.Set("Content-Type", mediaType)
	}
	resp, err := providers.Do(ctx, c.hc, method, c.base+path, h, body)
	if err != nil {
		return nil, providers.AsError(ctx, err)
	}
	return resp, nil
}

// resource is the part of a User resource the client reads.
type resource struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

// Create sends one POST /Users and returns the new user's id.
func (c *Client) Create(ctx context.Context, rec schema.Record) (providers.Created, error) {
	resp, err := c.do(ctx, http.MethodPost, "/Users", userResource(rec))
	if err != nil {
		return providers.Created{}, err
	}
	if resp.Status/100 != 2 {
		return providers.Created{}, createError(resp, c.now(), c.baseWhere)
	}
	// 201 per RFC 7644 §3.3; some servers answer 200.
	// A 2xx is the service provider's "done": never answered with another
	// create.
	var u resource
	if !providers.JSONObject(resp.Body) || json.Unmarshal(resp.Body, &u) != nil {
		// Empty, an HTML page, cut short, not a User: the pool looks the
		// person up rather than create them twice.
		return providers.Created{}, providers.Unreadable(resp, "a readable User")
	}
	// A readable User without an id is created, the id unknown: the
	// pool's lookup finds it.
	return providers.Created{ID: u.ID}, nil
}

// listResponse is a ListResponse (RFC 7644 §3.4.2).
type listResponse struct {
	TotalResults int        `json:"totalResults"`
	StartIndex   int        `json:"startIndex"`
	Resources    []resource `json:"Resources"`
}

// Find looks the person up with GET /Users?filter=userName eq "…" and
// keeps only a resource whose userName equals the row's ignoring case:
// userName is caseExact false, and a server that ignores or widens the
// filter must not make someone else match.
func (c *Client) Find(ctx context.Context, rec schema.Record) (string, bool, error) {
	name, _ := rec["userName"].(string)
	if name == "" {
		return "", false, fmt.Errorf("%s: find: the record has no userName", c.id)
	}
	if spc := c.serviceConfig(ctx); spc != nil && spc.Filter.Supported != nil && !*spc.Filter.Supported {
		return "", false, &providers.Error{Code: providers.VendorRejected,
			Message: "lookup: the service provider's /ServiceProviderConfig says filters are not supported, so onboard cannot look a person up by userName"}
	}
	start := 1
	for page := 0; page < maxPages; page++ {
		q := "?filter=" + queryValue(userNameFilter(name))
		if start > 1 {
			q += fmt.Sprintf("&startIndex=%d", start)
		}
		resp, err := c.do(ctx, http.MethodGet, "/Users"+q, nil)
		if err != nil {
			return "", false, err
		}
		if resp.Status != http.StatusOK {
			e := mapError(resp, c.now())
			if !e.Fatal() && !e.Retryable() {
				// A 404 or 400 (invalidFilter) here says only that the
				// lookup did not work, not that nobody has the userName.
				e.Code = providers.VendorRejected
				e.Field = ""
				e.Message = "lookup: " + e.Message
			}
			return "", false, e
		}
		var l listResponse
		if err := json.Unmarshal(resp.Body, &l); err != nil {
			return "", false, &providers.Error{Code: providers.VendorError, Status: resp.Status,
				Message: "lookup: not a ListResponse: " + providers.BodyText(resp.Body), Err: err}
		}
		for _, u := range l.Resources {
			if u.ID != "" && strings.EqualFold(u.UserName, name) {
				return u.ID, true, nil
			}
		}
		seen := max(l.StartIndex, 1) - 1 + len(l.Resources)
		if len(l.Resources) == 0 || seen >= l.TotalResults {
			return "", false, nil
		}
		start = seen + 1
	}
	return "", false, &providers.Error{Code: providers.VendorRejected,
		Message: fmt.Sprintf("lookup: the filter userName eq … answered more than %d pages: the service provider seems to ignore it", maxPages)}
}

// Updatable reports whether the PATCH sends field: every field has a path.
func (c *Client) Updatable(field string) bool {
	_, ok := patchPaths[field]
	return ok
}

// CheckUpdate is asked before a run with --update: a service provider
// whose /ServiceProviderConfig says patch is not supported refuses it up
// front. One that has no such endpoint (or answers it oddly) is tried.
func (c *Client) CheckUpdate(ctx context.Context) error {
	spc := c.serviceConfig(ctx)
	if spc != nil && spc.Patch.Supported != nil && !*spc.Patch.Supported {
		return errors.New("--update: this SCIM service provider says in /ServiceProviderConfig that PATCH is not supported, so onboard cannot change people there; run without --update (changed people are still reported)")
	}
	return nil
}

// Update sends one PATCH /Users/{id}: a PatchOp with a replace operation
// per changed field (RFC 7644 §3.5.2.3). Fields not named stay as they are.
func (c *Client) Update(ctx context.Context, id string, changed []string, rec schema.Record) error {
	if err := c.CheckUpdate(ctx); err != nil {
		return &providers.Error{Code: providers.VendorRejected, Message: err.Error(), Err: err}
	}
	ops := replaceOps(changed, rec)
	if len(ops) == 0 {
		return nil
	}
	body := map[string]any{"schemas": []string{urnPatchOp}, "Operations": ops}
	resp, err := c.do(ctx, http.MethodPatch, "/Users/"+url.PathEscape(id), body)
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 { // 200 with the resource, or 204
		e := mapError(resp, c.now())
		if resp.Status == http.StatusNotFound {
			e.Message = "update: no User " + id + ": " + e.Message
		}
		return e
	}
	return nil
}

// serviceConfig is what the client reads of /ServiceProviderConfig (RFC
// 7643 §5). nil fields were not said.
type serviceConfig struct {
	Patch  struct{ Supported *bool } `json:"patch"`
	Filter struct{ Supported *bool } `json:"filter"`
}

// serviceConfig reads GET /ServiceProviderConfig once and keeps it; nil
// when it cannot be read (no such endpoint, not JSON, no answer), which
// means "not said" and so "try". An answer that came is kept whatever it
// was; a call that got no answer is tried again next time.
func (c *Client) serviceConfig(ctx context.Context) *serviceConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spc != nil {
		return c.spc
	}
	resp, err := c.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil)
	if err != nil {
		return nil
	}
	var spc serviceConfig
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &spc) != nil {
		spc = serviceConfig{}
	}
	c.spc = &spc
	return c.spc
}
