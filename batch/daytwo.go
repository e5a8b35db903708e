package batch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/onboard/onboard/batch/internal/plainjson"
	"github.com/onboard/onboard/batch/state"
	"github.com/onboard/onboard/schema"
)

// Codes of rows the state store refuses (status conflict).
const (
	// IdentityChanged: the row's identity is onboarded under another
	// vendor key (the person's email changed).
	IdentityChanged = "IDENTITY_CHANGED"
	// KeyTaken: the row's vendor key belongs to another identity.
	KeyTaken = "KEY_TAKEN"
)

// conflict is why a row is not sent: the state store knows its identity
// or its key as someone else.
type conflict struct {
	code    string
	message string
	seenKey string // the stored person the row stands for, seen today
}

func (c *conflict) problem() Problem { return Problem{Code: c.code, Message: c.message} }

// digester hashes values per field with the state file's salt. Secret
// fields are never hashed: a digest of a password could be matched against
// guesses, so the store holds nothing from which one could be recovered.
type digester struct {
	s     *schema.Schema
	salt  string
	names []string // nameFields(s)
	// fields are the non-secret fields' names, in schema order; heads[i]
	// is fields[i]'s "salt 0 name 0", what each of its digests starts with.
	fields []string
	heads  []string
	// order[j] is the index in fields of s.Fields[j]'s name, nameAt[j]
	// that of names[j]; -1 for none.
	order, nameAt []int
	// changed are the names of the non-secret fields of s.Fields, in its
	// order, changedAt[k] the index in fields of changed[k] (changedFields
	// asks a stored person about each: state.Person.DigestAt).
	changed   []string
	changedAt []int
	// scratch holds, per goroutine, each field's last value and digest.
	scratch sync.Pool
}

func newDigester(s *schema.Schema, salt string) *digester {
	d := &digester{s: s, salt: salt, names: nameFields(s)}
	for _, f := range s.Fields {
		// The first field of a name decides, as Field finds it.
		if f := s.Field(f.Name); f.Secret || slices.Contains(d.fields, f.Name) {
			continue
		}
		d.fields = append(d.fields, f.Name)
		d.heads = append(d.heads, salt+"\x00"+f.Name+"\x00")
	}
	for _, f := range s.Fields {
		d.order = append(d.order, slices.Index(d.fields, f.Name))
		if !f.Secret {
			d.changed = append(d.changed, f.Name)
			d.changedAt = append(d.changedAt, d.order[len(d.order)-1])
		}
	}
	for _, name := range d.names {
		d.nameAt = append(d.nameAt, slices.Index(d.fields, name))
	}
	n := len(d.heads)
	d.scratch.New = func() any { return newDigestScratch(n) }
	return d
}

// digestScratch is one goroutine's buffer, and what it knows of each
// field's values: a value hashed once is not hashed again while it
// repeats (a constant, a default) or, for a field of few values (a
// company, a role, a department), while it is among the first ones seen.
type digestScratch struct {
	buf    []byte
	fields []fieldDigests
}

type fieldDigests struct {
	last    []byte // the JSON of the field's last value, nil before one
	lastHex [2 * digestLen]byte
	// seen holds the digests of the field's first values, up to
	// digestsSeen of them; nil once asked digestsTrial times with fewer
	// than half found (a field of many values: an email, a phone).
	seen         map[string][2 * digestLen]byte
	asked, found int
}

const (
	digestsSeen  = 64
	digestsTrial = 512
)

func newDigestScratch(fields int) *digestScratch {
	sc := &digestScratch{fields: make([]fieldDigests, fields)}
	for i := range sc.fields {
		sc.fields[i].seen = make(map[string][2 * digestLen]byte, digestsSeen)
	}
	return sc
}

// digest is the hex digest of buf, the field's head and then json.
func (f *fieldDigests) digest(buf, json []byte) [2 * digestLen]byte {
	if f.last != nil && bytes.Equal(f.last, json) {
		return f.lastHex
	}
	h, ok := [2 * digestLen]byte{}, false
	if f.seen != nil {
		f.asked++
		if h, ok = f.seen[string(json)]; ok {
			f.found++
		} else if f.asked >= digestsTrial && 2*f.found < f.asked {
			f.seen = nil // values rarely repeat: stop asking
		}
	}
	if !ok {
		sum := sha256.Sum256(buf)
		hex.Encode(h[:], sum[:digestLen])
		if f.seen != nil && len(f.seen) < digestsSeen {
			f.seen[string(json)] = h
		}
	}
	f.last, f.lastHex = append(f.last[:0], json...), h
	return h
}

// rowDigests are one row's digests in the digester's field order (its
// fields): the hex digits of field i at hex[i*2*digestLen:], or zero bytes
// where the row does not set field i. One string a row, no map: a re-run
// compares them with the stored ones (changedFields) and keeps a map only
// for what it writes to the state store (digestMap).
type rowDigests struct {
	hex  string
	made bool // false: not made (an invalid row, or no state store)
}

// digests returns a short salted sha256 per non-secret field of rec: of
// salt, 0, the field's name, 0 and the value's JSON, by name.
func (d *digester) digests(rec schema.Record) map[string]string {
	return d.digestMap(d.rowDigests(rec))
}

// rowDigests is digests as a rowDigests. Each is one sha256.Sum256 of one
// buffer (none for a value the goroutine hashed lately, see
// digestScratch): plan and a re-run digest every row.
func (d *digester) rowDigests(rec schema.Record) rowDigests {
	var hexes strings.Builder
	hexes.Grow(d.rowLen())
	d.writeRowDigests(&hexes, rec)
	return rowDigests{hex: hexes.String(), made: true}
}

// rowLen is the length of a rowDigests' hex.
func (d *digester) rowLen() int { return len(d.fields) * 2 * digestLen }

// writeRowDigests writes rowDigests' hex of rec to hexes: the validator
// makes one string of a chunk's (a string a row was an allocation a row).
func (d *digester) writeRowDigests(hexes *strings.Builder, rec schema.Record) {
	sc := d.scratch.Get().(*digestScratch)
	defer d.scratch.Put(sc)
	for i, name := range d.fields {
		v, ok := rec[name]
		if !ok {
			hexes.Write(absentDigest[:])
			continue
		}
		buf := append(sc.buf[:0], d.heads[i]...)
		head := len(buf)
		b, err := digestJSON(buf, v)
		if err != nil {
			b = append(buf[:head], fmt.Sprint(v)...)
		}
		sc.buf = b
		h := sc.fields[i].digest(b, b[head:])
		hexes.Write(h[:])
	}
}

// absentDigest fills the slot of a field the row does not set: hex digits
// are never zero bytes.
var absentDigest [2 * digestLen]byte

// field is the digest of d.fields[i], "" when the row does not set it.
func (r rowDigests) field(i int) string {
	const slot = 2 * digestLen
	if h := r.hex[i*slot : (i+1)*slot]; h[0] != 0 {
		return h
	}
	return ""
}

// digestMap is r by field name, as the state store holds digests; nil
// when r was not made.
func (d *digester) digestMap(r rowDigests) map[string]string {
	if !r.made {
		return nil
	}
	out := make(map[string]string, len(d.fields))
	for i, name := range d.fields {
		if h := r.field(i); h != "" {
			out[name] = h
		}
	}
	return out
}

// packed is r as the state store takes it without a map: a created
// person's digests (a map a row was a tenth of what recording one cost).
func (d *digester) packed(r rowDigests) state.DigestRow {
	if !r.made {
		return state.DigestRow{}
	}
	return state.DigestRow{Fields: d.fields, Hex: r.hex}
}

// digestLen is how many bytes of a value's sha256 its digest keeps.
const digestLen = 12

// digestJSON appends v as json.Marshal writes it (the digests stored by
// earlier runs hashed those bytes): a string that needs no escape directly,
// anything else through json.Marshal, whose reflection was most of the
// cost of a digest.
func digestJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		if plainUTF8(v) {
			return plainjson.Append(dst, v), nil
		}
	case []string: // a list field (groups, roles)
		if v != nil && !slices.ContainsFunc(v, func(s string) bool { return !plainUTF8(s) }) {
			dst = append(dst, '[')
			for i, s := range v {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = plainjson.Append(dst, s)
			}
			return append(dst, ']'), nil
		}
	case map[string]any: // the extra columns (metadata): json.Marshal sorts the keys
		if out, ok := plainjson.AppendObject(dst, v); ok {
			return out, nil
		}
	}
	b, err := json.Marshal(v) // typed values: numbers, bools, times, lists, objects
	return append(dst, b...), err
}

// plainUTF8 reports whether json.Marshal writes s as it is, in quotes:
// plainjson.Is for its ASCII, and beyond ASCII valid UTF-8 other than
// U+2028 and U+2029, which it escapes (names such as Zoë or José).
func plainUTF8(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += n
	}
	return true
}

// changedFields lists, in schema order, the fields whose digest differs
// between old and now (set, cleared or changed). nil when old is nil: a
// person recorded before digests were kept has no baseline yet.
func (d *digester) changedFields(p *state.Person, now rowDigests) []string {
	if d == nil || !p.HasDigests() {
		return nil
	}
	var out []string
	for k, name := range d.changed {
		cur := ""
		if i := d.changedAt[k]; i >= 0 && now.made {
			cur = now.field(i)
		}
		// A digest the store does not hold is "": the same as a field
		// the row does not set.
		if had, same := p.DigestAt(d.changed, k, cur); had && !same || !had && cur != "" {
			out = append(out, name)
		}
	}
	return out
}

// mergeDigests is what the store should hold after an update that sent
// the fields in sent: their new digests, the old ones for the rest (so a
// change the call could not send is reported again).
func mergeDigests(old, now map[string]string, sent []string) map[string]string {
	out := make(map[string]string, len(old)+len(sent))
	for k, v := range old {
		out[k] = v
	}
	for _, f := range sent {
		if v, ok := now[f]; ok {
			out[f] = v
		} else {
			delete(out, f)
		}
	}
	return out
}

// conflicts decides, for a chunk's valid rows, which are refused because
// the state store holds their identity under another key or their key for
// another person. byID is the store's answer for the chunk's identities;
// claimed carries the identities this file has already sent, by key.
//
// Who the key's holder is: when both the row and the stored person have an
// identity, the identities decide. Otherwise the names do (anotherPerson):
// a row whose first and last names both differ from what was sent for the
// key is someone else (Alexandra Kimball on Alex Kim's email), a KEY_TAKEN
// conflict, never a change; one name changed (a marriage) is a change.
func conflicts(items []item, known, byID map[string]state.Person, dig *digester) {
	claimed := map[string]*item{} // identity → the chunk's first row sent with it
	for i := range items {
		it := &items[i]
		if !it.valid() || it.key == "" {
			continue
		}
		if it.identity != "" {
			if p, ok := byID[it.identity]; ok && p.Key != it.key {
				it.conflict = identityChanged(it, p)
				continue
			}
			if first, ok := claimed[it.identity]; ok && first.key != it.key {
				it.conflict = &conflict{code: IdentityChanged, seenKey: first.key, message: fmt.Sprintf(
					"identity %s is also on row %d of this file, as %s: one person, two vendor keys; not sent", it.identity, first.line, first.key)}
				continue
			}
		}
		p, ok := known[it.key]
		held := ok && (p.Status == state.StatusCreated || p.Status == state.StatusInFlight)
		switch {
		case !held:
		case it.identity != "" && p.Identity != "":
			if p.Identity != it.identity {
				// The holder is not in the file as this row: not seen.
				it.conflict = &conflict{code: KeyTaken, message: fmt.Sprintf(
					"%s belongs to identity %s (%s); not created for identity %s", it.key, p.Identity, personWhere(p), it.identity)}
				continue
			}
		default:
			if names := dig.anotherPerson(&p, it); len(names) > 0 {
				it.conflict = &conflict{code: KeyTaken, message: fmt.Sprintf(
					"%s belongs to another person (%s): %s differ from theirs, so this row is someone else and is not sent as their change; give this person their own %s, or, if it is the same person renamed, set identity: in the mapping file so the identity decides",
					it.key, personWhere(p), allDiffer(names), keyField(it.key))}
				continue
			}
		}
		if it.identity != "" {
			if _, ok := claimed[it.identity]; !ok {
				claimed[it.identity] = it
			}
		}
	}
}

// allDiffer is "firstName and lastName both", or "a, b and c all".
func allDiffer(names []string) string {
	if len(names) == 2 {
		return names[0] + " and " + names[1] + " both"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " all"
}

// keyField is the field of a key: "email" for "email:ann@x.org".
func keyField(key string) string {
	f, _, _ := strings.Cut(key, ":")
	return f
}

// nameFields are a schema's person-name fields: first and last (given and
// family) names, by their normalized spelling.
func nameFields(s *schema.Schema) []string {
	var out []string
	for _, f := range s.Fields {
		n := strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(f.Name))
		switch n {
		case "firstname", "lastname", "givenname", "familyname", "surname":
			out = append(out, f.Name)
		}
	}
	return out
}

// anotherPerson names the name fields that say the row is someone else
// than the stored person: every name field both hold differs, and there
// are at least two (one changed name is a change, not a new person). nil
// when the store has no digests to compare, or the names agree anywhere.
func (d *digester) anotherPerson(p *state.Person, it *item) []string {
	if d == nil || !p.HasDigests() {
		return nil
	}
	if !it.digests.made {
		it.digests = d.rowDigests(it.rec)
	}
	var differ []string
	for j, f := range d.names {
		cur := ""
		if i := d.nameAt[j]; i >= 0 {
			cur = it.digests.field(i)
		}
		had, same := p.DigestAt(d.names, j, cur)
		if !had || cur == "" {
			continue
		}
		if same {
			return nil
		}
		differ = append(differ, f)
	}
	if len(differ) < 2 {
		return nil
	}
	return differ
}

func identityChanged(it *item, p state.Person) *conflict {
	return &conflict{code: IdentityChanged, seenKey: p.Key, message: fmt.Sprintf(
		"identity %s is already onboarded as %s (%s); not created again as %s: change the person at the vendor, or give them a new identity",
		it.identity, p.Key, personWhere(p), it.key)}
}

// personWhere says where a stored person came from: "vendor ID V7, created
// by run 3", or for one still in flight "sent by run 4, outcome not known
// yet".
func personWhere(p state.Person) string {
	if p.Status == state.StatusInFlight {
		return fmt.Sprintf("sent by run %d, outcome not known yet", p.UpdatedRun)
	}
	id := p.VendorID
	if id == "" {
		id = "unknown"
	}
	return fmt.Sprintf("vendor ID %s, created by run %d", id, p.CreatedRun)
}

// skippedMessage is the ALREADY_ONBOARDED message, with what changed.
func skippedMessage(p state.Person, changed []string, hint string) string {
	// Appended, not Sprintf'd: plan and a re-run write it for every row.
	b := make([]byte, 0, 40)
	b = append(b, "onboarded by run "...)
	b = strconv.AppendInt(b, p.CreatedRun, 10)
	b = append(b, " on "...)
	msg := string(p.FirstSeen.AppendFormat(b, time.DateOnly))
	if len(changed) > 0 {
		msg += fmt.Sprintf("; changed since run %d: %s", p.DigestRun, strings.Join(changed, ", "))
		if hint != "" {
			msg += " (" + hint + ")"
		}
	}
	return msg
}

// skippedMessages makes skippedMessage's for one goroutine, keeping the
// last message without changes: the same for every person one run
// created on one day.
type skippedMessages struct {
	run       int64
	y, m, day int
	msg       string
}

func (sm *skippedMessages) message(p state.Person, changed []string, hint string) string {
	if len(changed) > 0 {
		return skippedMessage(p, changed, hint)
	}
	y, m, day := p.FirstSeen.Date() // in its location, as AppendFormat writes it
	if sm.msg == "" || sm.run != p.CreatedRun || sm.y != y || sm.m != int(m) || sm.day != day {
		sm.run, sm.y, sm.m, sm.day = p.CreatedRun, y, int(m), day
		sm.msg = skippedMessage(p, nil, hint)
	}
	return sm.msg
}

// MissingPerson is someone the state store knows for this provider and
// tenant whom today's file does not hold. Nothing is done to them.
type MissingPerson struct {
	Key        string
	VendorID   string
	Identity   string
	CreatedRun int64
	FirstSeen  time.Time
	LastSeen   time.Time
}

// MissingSink is implemented by sinks that list missing people (the
// results sheet's Missing sheet, or a -missing.csv beside CSV results).
// Run calls WriteMissing once, after the last Write and before Close, when
// it had a state store and read the whole file; list streams the people in
// key order and returns how many there were.
type MissingSink interface {
	WriteMissing(list func(fn func(MissingPerson) error) (int, error)) error
}

// listMissing reports the run's newly missing people to sink (when it
// lists them) and counts them, and those still missing, in sum. A person
// is listed once, by the first run that finds them gone; the caller marks
// them listed (state.MarkMissing) once the list is safely written.
func listMissing(sink Sink, sum *Summary, opt *RunOptions) error {
	since := missingSince(opt)
	list := MissingList(opt.State, opt.Scope, since)
	n := 0
	counted := func(fn func(MissingPerson) error) (int, error) {
		var err error
		n, err = list(fn)
		return n, err
	}
	var err error
	if ms, ok := sink.(MissingSink); ok {
		err = ms.WriteMissing(counted)
	} else {
		_, err = counted(func(MissingPerson) error { return nil })
	}
	if err != nil {
		return fmt.Errorf("missing people: %w", err)
	}
	still, err := opt.State.StillMissing(opt.Scope, since)
	if err != nil {
		return fmt.Errorf("missing people: %w", err)
	}
	sum.Missing, sum.StillMissing, sum.MissingChecked, sum.MissingSince = n, still, true, since
	return nil
}

// IsFixFile reports whether header is a fix file's (onboard's own
// onboard_row or onboard_error column): a correction of some rows, never
// the whole roster, so it lists no missing people.
func IsFixFile(header []string) bool {
	for _, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "onboard_row", "onboard_error":
			return true
		}
	}
	return false
}

// Reasons a run lists no missing people (RunOptions.NoMissing).
const (
	NoMissingFixFile = "not checked: a fix file (onboard_row, onboard_error) corrects some rows, it is not the whole roster"
	NoMissingPartial = "not checked: --partial (the file is not the whole roster)"
)

// MissingList streams the people of sc whom no run from since on saw and
// no earlier run listed, for a MissingSink or a list of its own (watch's
// list over a night's whole drop).
func MissingList(st state.Ledger, sc state.Scope, since int64) func(fn func(MissingPerson) error) (int, error) {
	return func(fn func(MissingPerson) error) (int, error) {
		return st.Missing(sc, since, func(p state.Person) error {
			return fn(MissingPerson{Key: p.Key, VendorID: p.VendorID, Identity: p.Identity,
				CreatedRun: p.CreatedRun, FirstSeen: p.FirstSeen, LastSeen: p.LastSeen})
		})
	}
}
