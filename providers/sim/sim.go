// Package sim holds what every vendor simulator shares: the fault injection
// asked for on the command line (rate limit with 429 and Retry-After,
// latency, 5xx answers, dropped connections) and a concurrency-safe store of
// created users that counts creates per key. The vendor-specific behaviour
// (auth, body validation, error format, duplicates) lives in each vendor's
// sim.go.
package sim

import (
	crand "crypto/rand"
	"crypto/subtle"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Options are the faults a simulator injects.
type Options struct {
	RateLimit float64       // requests per second before 429; 0 means none
	Latency   time.Duration // added to every answer
	// LatencyJitter adds a random delay of up to this much to every answer.
	LatencyJitter time.Duration
	FailRate      float64 // share of requests answered 500 (0..1)
	DropRate      float64 // share of requests whose connection is dropped after the request was read (0..1)
	// LimitRate is the share of requests answered 429 at random (0..1),
	// with Retry-After: RetryAfter in whole seconds.
	LimitRate  float64
	RetryAfter time.Duration
	// AllMethods applies FailRate, DropRate and LimitRate to lookups (GET)
	// too, not only to creates and token calls (POST).
	AllMethods bool
	Licences   int    // licences available (vendors that count them); 0 means unlimited
	Seed       uint64 // for the fault dice; 0 picks one

	// Mode names one of the vendor's simulated deviations
	// (Registration.SimModes, such as SCIM's "400-uniqueness"); "" is the
	// documented behaviour.
	Mode string
}

// Stats counts what a simulator saw.
type Stats struct {
	Requests    atomic.Int64
	RateLimited atomic.Int64
	Failed      atomic.Int64
	Dropped     atomic.Int64
}

// faults is one setting of the faults, swapped whole by SetFaults.
type faults struct {
	opt Options
	lim *rate.Limiter
}

func newFaults(opt Options) *faults {
	f := &faults{opt: opt}
	if opt.RateLimit > 0 {
		f.lim = rate.NewLimiter(rate.Limit(opt.RateLimit), max(1, int(opt.RateLimit/10)))
	}
	return f
}

// Middleware wraps a vendor handler with the faults in opt. Faults apply
// only to POST requests (creates and token calls), so lookups stay
// reliable, unless opt.AllMethods.
func Middleware(opt Options, stats *Stats, next http.Handler) http.Handler {
	cur := &atomic.Pointer[faults]{}
	cur.Store(newFaults(opt))
	return middleware(cur, opt.Seed, stats, next)
}

func middleware(cur *atomic.Pointer[faults], seed uint64, stats *Stats, next http.Handler) http.Handler {
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	roll := func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64()
	}
	if stats == nil {
		stats = &Stats{}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats.Requests.Add(1)
		f := cur.Load()
		opt := f.opt
		d := opt.Latency
		if opt.LatencyJitter > 0 {
			d += time.Duration(roll() * float64(opt.LatencyJitter))
		}
		if d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if r.Method != http.MethodPost && !opt.AllMethods {
			next.ServeHTTP(w, r)
			return
		}
		if f.lim != nil && !f.lim.Allow() {
			stats.RateLimited.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"message":"Too Many Requests"}`, http.StatusTooManyRequests)
			return
		}
		if opt.LimitRate > 0 && roll() < opt.LimitRate {
			stats.RateLimited.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(int(opt.RetryAfter.Round(time.Second)/time.Second)))
			http.Error(w, `{"message":"Too Many Requests"}`, http.StatusTooManyRequests)
			return
		}
		if opt.FailRate > 0 && roll() < opt.FailRate {
			stats.Failed.Add(1)
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		if opt.DropRate > 0 && roll() < opt.DropRate {
			stats.Dropped.Add(1)
			// Drop after handling half the time, so a lost answer can mean
			// the user was created: the unknown outcome clients must handle.
			if roll() < 0.5 {
				next.ServeHTTP(discard{h: http.Header{}}, r)
			}
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// User is one created user as a simulator keeps it.
type User struct {
	ID     string
	Key    string // the vendor's unique key, lower-cased
	Fields map[string]any
	keys   []string // every unique key it holds, lower-cased; Key first
}

// Store keeps created users and counts create attempts per key. It is safe
// for concurrent use.
type Store struct {
	mu      sync.Mutex
	byKey   map[string]*User
	byID    map[string]*User
	creates map[string]int
	dups    map[string]int
	updates map[string]int // by vendor ID
	seq     int
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{byKey: map[string]*User{}, byID: map[string]*User{}, creates: map[string]int{}, dups: map[string]int{}, updates: map[string]int{}}
}

// Create adds a user under key unless one exists. newID makes the vendor's ID
// from a sequence number starting at 1. It reports whether the key existed.
// keys beyond the first are further unique keys (login and email): a clash
// on any of them is a duplicate.
func (s *Store) Create(newID func(seq int) string, fields map[string]any, keys ...string) (u *User, existed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if k == "" {
			continue
		}
		if u, ok := s.byKey[strings.ToLower(k)]; ok {
			s.dups[u.Key]++
			return u, true
		}
	}
	s.seq++
	u = &User{ID: newID(s.seq), Fields: fields}
	for i, k := range keys {
		if k == "" {
			continue
		}
		k = strings.ToLower(k)
		if i == 0 {
			u.Key = k
		}
		u.keys = append(u.keys, k)
		s.byKey[k] = u
	}
	s.creates[u.Key]++
	s.byID[u.ID] = u
	return u, false
}

// Update sets fields of the user with vendor ID id, under the store's
// lock. rekey, when not "", is the user's new primary key (an email that
// changed): one held by another user is a clash, and nothing changes.
// The user is replaced by an updated copy, never written in place, so a
// handler still reading the *User that Find or ByID gave it is not raced.
func (s *Store) Update(id string, set map[string]any, rekey string) (found, clash bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[id]
	if !ok {
		return false, false
	}
	rekey = strings.ToLower(rekey)
	if rekey != "" && rekey != old.Key {
		if o, ok := s.byKey[rekey]; ok && o != old {
			return true, true
		}
	}
	u := &User{ID: old.ID, Key: old.Key, Fields: maps.Clone(old.Fields), keys: slices.Clone(old.keys)}
	maps.Copy(u.Fields, set)
	if rekey != "" && rekey != u.Key {
		delete(s.byKey, u.Key)
		if i := slices.Index(u.keys, u.Key); i >= 0 {
			u.keys[i] = rekey
		}
		u.Key = rekey
	}
	for _, k := range u.keys {
		s.byKey[k] = u
	}
	s.byID[id] = u
	s.updates[id]++
	return true, false
}

// Updates returns how many updates each vendor ID received.
func (s *Store) Updates() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.updates)
}

// Find returns the user with key (any of its unique keys), case-insensitive.
func (s *Store) Find(key string) (*User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byKey[strings.ToLower(key)]
	return u, ok
}

// ByID returns the user with the vendor ID id.
func (s *Store) ByID(id string) (*User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	return u, ok
}

// Len is the number of users created.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// Creates returns how many times a user was created under each primary key;
// a value above 1 would be a double create, which Store itself prevents, so
// tests use it to count that every key was created exactly once.
func (s *Store) Creates() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.creates)
}

// Duplicates returns how many creates per primary key were refused because
// the user existed.
func (s *Store) Duplicates() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.dups)
}

// Users returns all users, ordered by key.
func (s *Store) Users() []*User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*User, 0, len(s.byID))
	for _, u := range s.byID {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// savedStore is a Store as Save writes it. gob, not JSON, so that every
// value reads back with its type (a Record's int64, []string, time.Time),
// as the vendors' handlers expect.
type savedStore struct {
	Version int
	Seq     int
	Users   []savedUser
}

type savedUser struct {
	ID     string
	Keys   []string
	Fields map[string]any
}

func init() {
	// The types a schema.Record and the simulators' own objects hold
	// inside map[string]any.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]string{})
	gob.Register(time.Time{})
}

// Save writes the store's users (their IDs, keys and fields) so that Load
// gives a later simulator the same people: `onboard run --simulate` with a
// state store keeps its simulated vendor across runs.
func (s *Store) Save(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := savedStore{Version: 1, Seq: s.seq, Users: make([]savedUser, 0, len(s.byID))}
	for _, u := range s.byID {
		out.Users = append(out.Users, savedUser{ID: u.ID, Keys: u.keys, Fields: u.Fields})
	}
	slices.SortFunc(out.Users, func(a, b savedUser) int { return strings.Compare(a.ID, b.ID) })
	return gob.NewEncoder(w).Encode(&out)
}

// Load replaces the store's users with those Save wrote. Create counts
// start again at zero: the loaded people were created by another process.
func (s *Store) Load(r io.Reader) error {
	var in savedStore
	if err := gob.NewDecoder(r).Decode(&in); err != nil {
		return err
	}
	if in.Version != 1 {
		return fmt.Errorf("version %d, not 1", in.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byKey, s.byID = map[string]*User{}, map[string]*User{}
	s.creates, s.dups, s.updates = map[string]int{}, map[string]int{}, map[string]int{}
	s.seq = in.Seq
	for _, su := range in.Users {
		if su.ID == "" || len(su.Keys) == 0 {
			return fmt.Errorf("a user without an ID or a key")
		}
		u := &User{ID: su.ID, Key: su.Keys[0], Fields: su.Fields, keys: su.Keys}
		s.byID[u.ID] = u
		for _, k := range su.Keys {
			s.byKey[k] = u
		}
	}
	return nil
}

// Hex returns n as a fixed-width lowercase hex string of width w, for
// vendor-shaped IDs (smarterproctoring's US + 32 hex).
func Hex(n, w int) string {
	s := strconv.FormatInt(int64(n), 16)
	if len(s) >= w {
		return s
	}
	return strings.Repeat("0", w-len(s)) + s
}

// RandomHex returns n random bytes as 2n lowercase hex digits, for the
// secrets and tokens a simulator hands out.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// SameSecret compares a presented credential with the expected one in
// constant time.
func SameSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// HasBearer reports whether r carries "Authorization: Bearer <token>".
func HasBearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && SameSecret(got, token)
}

// NewServer wraps a vendor handler in the faults of opt and returns the
// Server that hands out creds.
func NewServer(opt Options, h http.Handler, store *Store, creds map[string]string) *Server {
	stats := &Stats{}
	cur := &atomic.Pointer[faults]{}
	cur.Store(newFaults(opt))
	return &Server{Handler: middleware(cur, opt.Seed, stats, h), Store: store, Stats: stats, Credentials: creds, faults: cur}
}

// SetFaults changes the faults from the next request on (the vendor's own
// settings, such as Licences, stay as they were built).
func (s *Server) SetFaults(opt Options) {
	s.faults.Store(newFaults(opt))
}

// Server is a running vendor simulator: its handler (faults included), its
// users, its fault counters and the credentials it accepts (env var name →
// value, exactly what a client's Config.Credentials needs).
type Server struct {
	Handler     http.Handler
	Store       *Store
	Stats       *Stats
	Credentials map[string]string
	faults      *atomic.Pointer[faults]
}

// WriteJSON writes v as a JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ReadJSON decodes a JSON object request body (at most 1 MiB) into a map,
// keeping numbers as json.Number is NOT done: numbers decode as float64, as
// encoding/json does by default, which schema.FromJSON expects.
func ReadJSON(r *http.Request) (map[string]any, error) {
	var body map[string]any
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(&body); err != nil {
		return nil, err
	}
	return body, nil
}
