package state

import (
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
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
// file: the base URL loses user info, query, fragment and trailing
// slashes; its scheme and host are lower-case, a port loses its leading
// zeros and is dropped when it is the default (:80 for http, :443 for
// https), an IPv6 address is written the short way and an IPv4-mapped one
// (::ffff:127.0.0.1) as the IPv4 address, dot segments ("/.", "/a/..")
// are resolved, and this machine's names are one: "localhost". So
// "http://127.0.0.1:80/" and "HTTP://LOCALHOST" are the same scope, and
// the same people.
//
// This machine's names are localhost, 127.0.0.1 and ::1, and the
// unspecified addresses 0.0.0.0 and :: too: as a destination they mean
// "this host" (Linux and macOS connect them to the loopback interface,
// Windows refuses them), so the only server a run can reach through them
// is the one it reaches through localhost at the same port. Other
// 127.0.0.0/8 addresses stay apart: a server may listen on 127.0.0.2 alone.
func (sc Scope) normalize() Scope {
	sc.Provider = strings.TrimSpace(sc.Provider)
	sc.Tenant = strings.TrimSpace(sc.Tenant)
	sc.BaseURL = normalizeBaseURL(sc.BaseURL)
	return sc
}

func normalizeBaseURL(raw string) string {
	b := strings.TrimSpace(raw)
	u, err := url.Parse(b)
	if err != nil || u.Host == "" {
		if i := strings.IndexAny(b, "?#"); i >= 0 {
			b = b[:i]
		}
		return strings.TrimRight(b, "/")
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if ip.IsUnspecified() || ip == netip.IPv6Loopback() || ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
			host = "localhost"
		} else {
			host = ip.String()
		}
	}
	port := u.Port()
	if n, err := strconv.ParseUint(port, 10, 16); err == nil {
		port = strconv.FormatUint(n, 10) // :0443 is :443 to the dialer
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Path = strings.TrimRight(removeDotSegments(u.Path), "/")
	u.RawPath = ""
	return u.String()
}

// removeDotSegments resolves "." and ".." in a URL path (RFC 3986 5.2.4):
// "/a/./b/../c" is "/a/c". Other segments, empty ones included, stay.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	in := strings.Split(p, "/")
	out := make([]string, 0, len(in))
	for i, seg := range in {
		last := i == len(in)-1
		switch seg {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 || (len(out) == 1 && out[0] != "") {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return strings.Join(out, "/")
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
	// A store written before base URLs were normalized this way keeps the
	// URL as it was typed: find that row and use it (renamed when the store
	// is writable), so its people are not created again.
	if id, ok, err := s.olderScope(sc); err != nil || ok {
		if err == nil {
			s.mu.Lock()
			s.scopes[sc] = id
			s.mu.Unlock()
		}
		return id, ok, err
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
		return 0, false, nil // olderScope looked already
	}
	if err != nil {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	s.mu.Lock()
	s.scopes[sc] = id
	s.mu.Unlock()
	return id, true, nil
}

// olderScope finds the scope row whose stored base URL normalizes to sc's
// (the exact spelling first, then the oldest row with an older spelling).
// When the store is writable an older spelling is renamed to sc's.
func (s *Store) olderScope(sc Scope) (int64, bool, error) {
	var id int64
	err := s.db.QueryRow(`SELECT id FROM scopes WHERE provider = ? AND base_url = ? AND tenant = ?`,
		sc.Provider, sc.BaseURL, sc.Tenant).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	rows, err := s.db.Query(`SELECT id, base_url FROM scopes WHERE provider = ? AND tenant = ? ORDER BY id`, sc.Provider, sc.Tenant)
	if err != nil {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	found := false
	for rows.Next() {
		var b string
		if err := rows.Scan(&id, &b); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
		}
		if normalizeBaseURL(b) == sc.BaseURL {
			found = true
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("state: scope %s: %w", sc, err)
	}
	if found && s.writable() == nil {
		// Best effort: a failure leaves the old spelling, still found here.
		_, _ = s.db.Exec(`UPDATE scopes SET base_url = ? WHERE id = ?`, sc.BaseURL, id)
	}
	return id, found, nil
}
