package vendorfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// part is a piece of a template: literal text, or a reference.
type part struct {
	lit  string
	kind string // "" (literal), env, row, base_url, page.first, id
	name string // env or row name
}

// template is a parsed ${…} string. It substitutes; it never computes.
type template []part

// parseTemplate splits s into literal text and references.
func parseTemplate(s string) (template, error) {
	var t template
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			if s != "" {
				t = append(t, part{lit: s})
			}
			return t, nil
		}
		if i > 0 {
			t = append(t, part{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, errors.New("${ is not closed by }")
		}
		ref := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		switch {
		case strings.Contains(ref, "|") || strings.Contains(ref, "("):
			return nil, fmt.Errorf("${%s}: a template substitutes a value, it does not compute (no filters or functions)", ref)
		case ref == "base_url", ref == "page.first", ref == "id":
			t = append(t, part{kind: ref})
		case strings.HasPrefix(ref, "env."):
			t = append(t, part{kind: "env", name: strings.TrimPrefix(ref, "env.")})
		case strings.HasPrefix(ref, "row."):
			t = append(t, part{kind: "row", name: strings.TrimPrefix(ref, "row.")})
		default:
			return nil, fmt.Errorf("${%s}: unknown reference (want env.NAME, row.FIELD, base_url, page.first or id)", ref)
		}
	}
}

// refs returns the names of kind the template refers to.
func (t template) refs(kind string) []string {
	var out []string
	for _, p := range t {
		if p.kind == kind {
			out = append(out, p.name)
		}
	}
	return out
}

// vars are the values a template may take.
type vars struct {
	env     map[string]string
	row     map[string]any
	baseURL string
	first   int
	id      string
}

// errMissing is a reference to a row field the row lacks.
type errMissing struct{ field string }

func (e errMissing) Error() string { return "needs " + e.field }

func (t template) expand(v vars) (string, error) {
	if len(t) == 1 && t[0].kind == "" {
		return t[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t {
		switch p.kind {
		case "":
			b.WriteString(p.lit)
		case "env":
			b.WriteString(v.env[p.name])
		case "row":
			x, ok := v.row[p.name]
			if !ok {
				return "", errMissing{p.name}
			}
			b.WriteString(text(x))
		case "base_url":
			b.WriteString(v.baseURL)
		case "page.first":
			b.WriteString(strconv.Itoa(v.first))
		case "id":
			b.WriteString(v.id)
		}
	}
	return b.String(), nil
}

// text is a row value as a template writes it.
func text(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(x)
}

// pointer is a parsed JSON pointer (RFC 6901); nil is the whole document.
type pointer []string

func parsePointer(s string) (pointer, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q must start with / (did you mean /%s?)", s, s)
	}
	toks := strings.Split(s[1:], "/")
	for i, tok := range toks {
		for j := 0; j < len(tok); j++ {
			if tok[j] == '~' && (j+1 == len(tok) || (tok[j+1] != '0' && tok[j+1] != '1')) {
				return nil, fmt.Errorf("JSON pointer %q: ~ must be followed by 0 (for ~) or 1 (for /)", s)
			}
		}
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

func (p pointer) String() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// get reads the value at p in a decoded JSON document.
func (p pointer) get(doc any) (any, bool) {
	cur := doc
	for _, tok := range p {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// set writes v at p, making objects on the way (an index token makes a
// list). It is for building bodies from a schema, never for answers.
func (p pointer) set(doc map[string]any, v any) {
	var cur any = doc
	for i, tok := range p {
		last := i == len(p)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[tok] = v
				return
			}
			next, ok := c[tok]
			if !ok {
				next = newContainer(p[i+1])
				c[tok] = next
			}
			cur = next
		case []any:
			// A list is made long enough for the first index written
			// into it; the checker refuses pointers that skip past it.
			idx, _ := strconv.Atoi(tok)
			if idx < 0 || idx >= len(c) {
				return
			}
			if last {
				c[idx] = v
				return
			}
			if c[idx] == nil {
				c[idx] = newContainer(p[i+1])
			}
			cur = c[idx]
		}
	}
}

func newContainer(next string) any {
	if i, err := strconv.Atoi(next); err == nil && i >= 0 && i < 16 {
		return make([]any, i+1)
	}
	return map[string]any{}
}

// flat is a scalar answer value as a string: a JSON string (trimmed) or
// number as written; true/false; "" for anything else. Vendors send the
// same ID as 126 or "126".
func flat(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// decodeAnswer reads a JSON answer with numbers kept as written; nil when
// the body is not JSON.
func decodeAnswer(b []byte) (any, bool) {
	v, ok, _ := decodeWhole(b)
	return v, ok
}

// decodeWhole is decodeAnswer that also reports whether the answer is one
// JSON object and nothing else but JSON white space: then it is what
// providers.JSONObject accepts, without scanning it again.
func decodeWhole(b []byte) (v any, ok, object bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil, false, false
	}
	if _, isMap := v.(map[string]any); isMap {
		object = true
		for _, c := range b[d.InputOffset():] {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				object = false
				break
			}
		}
	}
	return v, true, object
}
