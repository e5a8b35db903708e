package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// sessionCookie holds the session a one-time token was exchanged for.
const sessionCookie = "onboard_session"

// serveAuth decides who a request comes from. Without --auth (loopback
// only) a one-time token printed at start becomes a session cookie, as
// Jupyter and rclone gui do; htpasswd checks HTTP basic auth against
// bcrypt hashes; proxy believes a header only from the trusted proxy.
type serveAuth struct {
	mode     string
	mu       sync.Mutex
	token    string          // "" once used
	sessions map[string]bool // session id → valid
	users    map[string][]byte
	okCache  map[[32]byte]string // sha256(user:password) → user, so bcrypt runs once per login
	trusted  *net.IPNet
	header   string
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newServeAuth(f *serveFlags) (*serveAuth, error) {
	a := &serveAuth{mode: f.auth, sessions: map[string]bool{}, okCache: map[[32]byte]string{}, header: f.proxyHeader}
	switch f.auth {
	case "":
		a.token = newToken()
	case "htpasswd":
		users, err := readHtpasswd(f.htpasswd)
		if err != nil {
			return nil, err
		}
		a.users = users
	case "proxy":
		n, err := parseTrusted(f.trustedProxy)
		if err != nil {
			return nil, err
		}
		a.trusted = n
	}
	return a, nil
}

// readHtpasswd reads user:bcrypt-hash lines; other hash kinds are refused
// (htpasswd's MD5 and SHA-1 are too weak for a page holding personal data).
func readHtpasswd(path string) (map[string][]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--htpasswd: %w", err)
	}
	defer fh.Close()
	users := map[string][]byte{}
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("--htpasswd %s line %d: want user:bcrypt-hash", path, n)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("--htpasswd %s line %d: user %s's hash is not bcrypt (make it with htpasswd -B)", path, n, user)
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--htpasswd %s: %w", path, err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("--htpasswd %s: no users", path)
	}
	return users, nil
}

func parseTrusted(s string) (*net.IPNet, error) {
	if !strings.Contains(s, "/") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("--trusted-proxy %q: want an IP address or a CIDR", s)
		}
		bits := 32
		if ip.To4() == nil {
			bits = 128
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxy %q: want an IP address or a CIDR", s)
	}
	return n, nil
}

type userKey struct{}

// userOf is the logged-in user's name for the job history.
func userOf(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}

// wrap lets through only requests from a logged-in user.
func (a *serveAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := a.check(w, r)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

func (a *serveAuth) check(w http.ResponseWriter, r *http.Request) (string, bool) {
	switch a.mode {
	case "htpasswd":
		user, pass, ok := r.BasicAuth()
		if ok && a.password(user, pass) {
			return user, true
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="onboard", charset="UTF-8"`)
		http.Error(w, "log in with your onboard user name and password", http.StatusUnauthorized)
		return "", false
	case "proxy":
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		user := strings.TrimSpace(r.Header.Get(a.header))
		if ip == nil || !a.trusted.Contains(ip) || user == "" {
			http.Error(w, "open onboard through the login proxy", http.StatusUnauthorized)
			return "", false
		}
		return user, true
	}
	// Token mode: a valid session cookie, or the one-time token.
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		ok := a.sessions[c.Value]
		a.mu.Unlock()
		if ok {
			return "local", true
		}
	}
	if t := r.URL.Query().Get("token"); t != "" && r.Method == http.MethodGet {
		a.mu.Lock()
		ok := a.token != "" && subtle.ConstantTimeCompare([]byte(t), []byte(a.token)) == 1
		var sid string
		if ok {
			a.token = "" // one time: a URL copied from a log or history is useless
			sid = newToken()
			a.sessions[sid] = true
		}
		a.mu.Unlock()
		if ok {
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			// Drop the token from the address bar and history.
			u := *r.URL
			q := u.Query()
			q.Del("token")
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return "", false
		}
	}
	http.Error(w, "not logged in: open the address 'onboard serve' printed (its token works once; restart serve for a new one)", http.StatusUnauthorized)
	return "", false
}

func (a *serveAuth) password(user, pass string) bool {
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	u, ok := a.okCache[key]
	hash := a.users[user]
	a.mu.Unlock()
	if ok && u == user {
		return true
	}
	if hash == nil || bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	a.okCache[key] = user
	a.mu.Unlock()
	return true
}
