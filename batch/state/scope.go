package state

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Scope is where people are kept apart: one provider at one base URL and
// tenant. The same email at two tenants is two people.
type Scope struct {
	Provider string
	BaseURL  string
	Tenant   string
}

// String is "provider base_url [tenant]" for messages.
func (sc Scope) String() string {
	s := sc.Provider + " " + sc.BaseURL
	if sc.Tenant != "" {
		s += " [" + sc.Tenant + "]"
	}
	return s
}

// normalize makes equal scopes compare equal and keeps secrets out of the
// file: the base URL loses user info, query, fragment and a trailing slash.
func (sc Scope) normalize() Scope {
	sc.Provider = strings.TrimSpace(sc.Provider)
	sc.Tenant = strings.TrimSpace(sc.Tenant)
	b := strings.TrimSpace(sc.BaseURL)
	if u, err := url.Parse(b); err == nil && u.Host != "" {
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		u.Host = strings.ToLower(u.Host)
		b = u.String()
	} else if i := strings.IndexAny(b, "?#"); i >= 0 {
		b = b[:i]
	}
	sc.BaseURL = strings.TrimRight(b, "/")
	return sc
}

// scopeID returns the scope's row id, creating the row when create is set.
// found is false only when create is unset and the scope has no row.
func (s *Store) scopeID(sc Scope, create bool) (id int64, found bool, err error) {
	sc = sc.normalize()
	if sc.Provider == "" {
		return 0, false, errors.New("state: scope has no provider")
	}
	s.mu.Lock()
	id, ok := s.scopes[sc]
	s.mu.Unlock()
	if ok {
		return id, true, nil
	}
	if create {
		if err := s.writable(); err != nil {
			return 0, false, err
		}
		// Its own statement, outside any caller's transaction, so a rolled
		// back transaction can never leave a cached id without a row.
		err = s.db.QueryRow(`INSERT INTO scopes (provider, base_url, tenant) VALUES (?, ?, ?)
			ON CONFLICT (provider, base_url, tenant) DO UPDATE SET provider = excluded.provider
			RETURNING id`, sc.Provider, sc.BaseURL, sc.Tenant).Scan(&id)
	} else {
		err = s.db.QueryRow(`SELECT id FROM scopes WHERE provider = ? AND base_url = ? AND tenant = ?`,
			sc.Provider, sc.BaseURL, sc.Tenant).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
	}
	if err != nil {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	s.mu.Lock()
	s.scopes[sc] = id
	s.mu.Unlock()
	return id, true, nil
}
