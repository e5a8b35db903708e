package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
}

func newDigester(s *schema.Schema, salt string) *digester {
	return &digester{s: s, salt: salt, names: nameFields(s)}
}

// digests returns a short salted sha256 per non-secret field of rec: of
// salt, 0, the field's name, 0 and the value's JSON. Each is one
// sha256.Sum256 of one buffer, and the record's hex digits share one
// string: plan and a re-run digest every row.
func (d *digester) digests(rec schema.Record) map[string]string {
	out := make(map[string]string, len(rec))
	var names [16]string
	named := names[:0]
	var hexBuf [16 * 2 * digestLen]byte
	hexes := hexBuf[:0]
	var scratch [256]byte
	buf := scratch[:0]
	for name, v := range rec {
		if f := d.s.Field(name); f == nil || f.Secret {
			continue
		}
		buf = append(buf[:0], d.salt...)
		buf = append(buf, 0)
		buf = append(buf, name...)
		buf = append(buf, 0)
		head := len(buf)
		b, err := digestJSON(buf, v)
		if err != nil {
			b = append(buf[:head], fmt.Sprint(v)...)
		}
		buf = b
		sum := sha256.Sum256(buf)
		named = append(named, name)
		hexes = hex.AppendEncode(hexes, sum[:digestLen])
	}
	all := string(hexes)
	for i, name := range named {
		out[name] = all[i*2*digestLen : (i+1)*2*digestLen]
	}
	return out
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
		if plainjson.Is(v) {
			return plainjson.Append(dst, v), nil
		}
	case map[string]any: // the extra columns (metadata): json.Marshal sorts the keys
		if out, ok := plainjson.AppendObject(dst, v); ok {
			return out, nil
		}
	}
	b, err := json.Marshal(v) // typed values: numbers, bools, times, lists, objects
	return append(dst, b...), err
}

// changedFields lists, in schema order, the fields whose digest differs
// between old and now (set, cleared or changed). nil when old is nil: a
// person recorded before digests were kept has no baseline yet.
func (d *digester) changedFields(old, now map[string]string) []string {
	if d == nil || old == nil {
		return nil
	}
	var out []string
	for _, f := range d.s.Fields {
		if f.Secret {
			continue
		}
		if old[f.Name] != now[f.Name] {
			out = append(out, f.Name)
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
			if names := dig.anotherPerson(p.Digests, it); len(names) > 0 {
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
func (d *digester) anotherPerson(stored map[string]string, it *item) []string {
	if d == nil || stored == nil {
		return nil
	}
	now := it.digests
	if now == nil {
		now = d.digests(it.rec)
		it.digests = now
	}
	var differ []string
	for _, f := range d.names {
		old, had := stored[f]
		cur, has := now[f]
		if !had || !has {
			continue
		}
		if old == cur {
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
	msg := fmt.Sprintf("onboarded by run %d on %s", p.CreatedRun, p.FirstSeen.Format(time.DateOnly))
	if len(changed) > 0 {
		msg += fmt.Sprintf("; changed since run %d: %s", p.DigestRun, strings.Join(changed, ", "))
		if hint != "" {
			msg += " (" + hint + ")"
		}
	}
	return msg
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
