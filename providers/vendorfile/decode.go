package vendorfile

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/onboard/onboard/schema"
)

// Pos is a place in a vendor file, 1-based like an editor's.
type Pos struct{ Line, Col int }

func at(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// Problem is one mistake in a vendor file.
type Problem struct {
	Pos  Pos
	What string
}

// Problems is every mistake found in one file; its Error is one line each,
// "file:line:col: what is wrong".
type Problems struct {
	File string
	List []Problem
	// suggested are the keys a did-you-mean named: their absence is the
	// same mistake, not another one.
	suggested map[string]bool
}

func (p *Problems) Error() string {
	var b strings.Builder
	for i, pr := range p.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d:%d: %s", p.File, pr.Pos.Line, pr.Pos.Col, pr.What)
	}
	return b.String()
}

func (p *Problems) add(pos Pos, format string, args ...any) {
	if pos.Line == 0 {
		pos = Pos{1, 1} // a part the file lacks: its top
	}
	p.List = append(p.List, Problem{pos, fmt.Sprintf(format, args...)})
}

// Keyed is embedded in every file struct: where the mapping began and
// where each key was, for messages about a value the decoder accepted but
// the compiler refuses.
type Keyed struct {
	At   Pos
	Keys map[string]Pos
}

// pos returns where key was written, or the mapping's own place.
func (k Keyed) pos(key string) Pos {
	if p, ok := k.Keys[key]; ok {
		return p
	}
	if k.At.Line == 0 {
		return Pos{1, 1}
	}
	return k.At
}

var keyedType = reflect.TypeOf(Keyed{})

// decode fills v (a pointer) from n, strictly: an unknown key, a value of
// the wrong kind or a missing mapping is a problem at its place, and
// decoding goes on, so one pass finds every such mistake. It never stops
// at the first, unlike yaml's KnownFields.
func decode(n *yaml.Node, v reflect.Value, path string, p *Problems) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	t := v.Type()
	switch {
	case t == reflect.TypeOf(yaml.Node{}):
		v.Set(reflect.ValueOf(*n))
	case t.Kind() == reflect.Pointer:
		if t.Elem().Kind() == reflect.Struct && n.Kind != yaml.MappingNode {
			// Left nil: the part is refused here, not again as empty.
			p.add(at(n), "%s: want a mapping (key: value lines), got %s", path, kindWord(n))
			return
		}
		nv := reflect.New(t.Elem())
		decode(n, nv.Elem(), path, p)
		v.Set(nv)
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			p.add(at(n), "%s: want a mapping (key: value lines), got %s", path, kindWord(n))
			return
		}
		decodeStruct(n, v, path, p)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			if t.Elem().Kind() == reflect.String && n.Kind == yaml.ScalarNode {
				// One value where a list is allowed: [value].
				s := reflect.New(t.Elem()).Elem()
				decode(n, s, path, p)
				v.Set(reflect.Append(reflect.MakeSlice(t, 0, 1), s))
				return
			}
			p.add(at(n), "%s: want a list, got %s", path, kindWord(n))
			return
		}
		out := reflect.MakeSlice(t, 0, len(n.Content))
		for i, c := range n.Content {
			e := reflect.New(t.Elem()).Elem()
			decode(c, e, fmt.Sprintf("%s[%d]", path, i), p)
			out = reflect.Append(out, e)
		}
		v.Set(out)
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			p.add(at(n), "%s: want a mapping, got %s", path, kindWord(n))
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key := reflect.New(t.Key()).Elem()
			decode(k, key, path, p)
			if m.MapIndex(key).IsValid() {
				p.add(at(k), "%s: %s is given twice", path, k.Value)
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			decode(val, e, path+"."+k.Value, p)
			m.SetMapIndex(key, e)
		}
		v.Set(m)
	case t.Kind() == reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			p.add(at(n), "%s: %v", path, yamlErr(err))
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		decodeScalar(n, v, path, p)
	}
}

func decodeStruct(n *yaml.Node, v reflect.Value, path string, p *Problems) {
	t := v.Type()
	names := map[string]int{}
	var known []string
	kf := -1
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type == keyedType {
			kf = i
			continue
		}
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		names[tag] = i
		known = append(known, tag)
	}
	k := Keyed{At: at(n), Keys: map[string]Pos{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		where := key.Value
		if path != "" {
			where = path + "." + key.Value
		}
		fi, ok := names[key.Value]
		if !ok {
			hint := ""
			if c := schema.Closest(key.Value, known); c != "" {
				hint = " (did you mean " + c + "?)"
				if p.suggested == nil {
					p.suggested = map[string]bool{}
				}
				p.suggested[c] = true
			} else {
				slices.Sort(known)
				hint = " (known keys: " + strings.Join(known, ", ") + ")"
			}
			p.add(at(key), "unknown key %s%s", where, hint)
			continue
		}
		if _, dup := k.Keys[key.Value]; dup {
			p.add(at(key), "%s is given twice", where)
			continue
		}
		k.Keys[key.Value] = at(val)
		before := len(p.List)
		decode(val, v.Field(fi), where, p)
		if len(p.List) > before {
			// Refused as written: not missing too.
			if p.suggested == nil {
				p.suggested = map[string]bool{}
			}
			p.suggested[key.Value] = true
		}
	}
	if kf >= 0 {
		v.Field(kf).Set(reflect.ValueOf(k))
	}
}

func decodeScalar(n *yaml.Node, v reflect.Value, path string, p *Problems) {
	if n.Kind != yaml.ScalarNode {
		p.add(at(n), "%s: want %s, got %s", path, typeWord(v.Type()), kindWord(n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if err != nil || n.Tag != "!!bool" {
			p.add(at(n), "%s: want true or false, got %q", path, n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if err != nil || n.Tag != "!!int" {
			p.add(at(n), "%s: want a whole number, got %q", path, n.Value)
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || (n.Tag != "!!int" && n.Tag != "!!float") {
			p.add(at(n), "%s: want a number, got %q", path, n.Value)
			return
		}
		v.SetFloat(f)
	default:
		p.add(at(n), "%s: cannot be read", path)
	}
}

func kindWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Float64:
		return "a number"
	}
	return "a value"
}

func yamlErr(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
