package read

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
	"unicode/utf8"
)

// xscan is a byte scanner over XML that the reader has already checked to
// be well-formed (verifyZip): it finds tags and reads element text the way
// encoding/xml gives it (entities decoded, \r\n and \r read as \n, CDATA
// as text), at a fraction of the decoder's cost.
type xscan struct {
	br  *bufio.Reader
	tag []byte
	err error
}

// markup kinds.
const (
	mkStart = iota
	mkEnd
	mkSelf
	mkCDATA // text in x.tag
	mkOther // comment, processing instruction, declaration
)

var errTagTooLong = errors.New("a tag over 1 MiB")

// skipText discards text up to and including the next '<'; false at the
// end of the part.
func (x *xscan) skipText() bool {
	for {
		_, err := x.br.ReadSlice('<')
		if err == nil {
			return true
		}
		if err != bufio.ErrBufferFull {
			x.err = err
			return false
		}
	}
}

// markup reads what follows a '<'. For a tag, name is its local name and
// attrs the rest of it; both alias x.tag until the next call.
func (x *xscan) markup() (kind int, name, attrs []byte) {
	p, err := x.br.Peek(1)
	if err != nil {
		x.err = err
		return mkOther, nil, nil
	}
	switch p[0] {
	case '!':
		if q, _ := x.br.Peek(3); string(q) == "!--" {
			x.readUntil("-->")
			return mkOther, nil, nil
		}
		if q, _ := x.br.Peek(8); string(q) == "![CDATA[" {
			_, _ = x.br.Discard(8)
			x.readUntil("]]>")
			x.tag = x.tag[:len(x.tag)-3]
			return mkCDATA, nil, nil
		}
	case '?':
		x.readUntil("?>")
		return mkOther, nil, nil
	}
	// Most tags arrive whole in the buffer with balanced quotes: used in
	// place, valid until the next read.
	chunk, err := x.br.ReadSlice('>')
	if err == nil && bytes.IndexByte(chunk, '\'') < 0 && bytes.Count(chunk, []byte{'"'})%2 == 0 {
		return x.tagKind(chunk[:len(chunk)-1])
	}
	x.tag = append(x.tag[:0], chunk...)
	if err != nil && err != bufio.ErrBufferFull {
		x.err = err
		return mkOther, nil, nil
	}
	quote := byte(0)
	for _, c := range x.tag {
		if quote != 0 {
			if c == quote {
				quote = 0
			}
		} else if c == '"' || c == '\'' {
			quote = c
		}
	}
	for err != nil || quote != 0 {
		chunk, err = x.br.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			x.err = err
			return mkOther, nil, nil
		}
		for _, c := range chunk {
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			}
		}
		x.tag = append(x.tag, chunk...)
		if len(x.tag) > 1<<20 {
			x.err = errTagTooLong
			return mkOther, nil, nil
		}
	}
	return x.tagKind(x.tag[:len(x.tag)-1])
}

// tagKind splits a tag's text (between < and >).
func (x *xscan) tagKind(tag []byte) (kind int, name, attrs []byte) {
	if len(tag) == 0 || tag[0] == '!' {
		return mkOther, nil, nil
	}
	kind = mkStart
	if tag[0] == '/' {
		kind, tag = mkEnd, tag[1:]
	} else if n := len(tag); tag[n-1] == '/' {
		kind, tag = mkSelf, tag[:n-1]
	}
	i := 0
	for i < len(tag) && !isSpace(tag[i]) {
		i++
	}
	name = tag[:i]
	if j := bytes.IndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return kind, name, tag[i:]
}

// readUntil reads up to and including end into x.tag.
func (x *xscan) readUntil(end string) {
	x.tag = x.tag[:0]
	last := end[len(end)-1]
	for {
		chunk, err := x.br.ReadSlice(last)
		x.tag = append(x.tag, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			x.err = err
			return
		}
		if bytes.HasSuffix(x.tag, []byte(end)) {
			return
		}
	}
}

// skipElement reads past the end of an element whose start tag was just
// read.
func (x *xscan) skipElement() {
	depth := 1
	for depth > 0 && x.skipText() {
		switch k, _, _ := x.markup(); k {
		case mkStart:
			depth++
		case mkEnd:
			depth--
		}
	}
}

// text appends to out the character data directly inside the element
// whose start tag was just read, reading past its end tag; text inside
// child elements is skipped, as encoding/xml does decoding into a string.
func (x *xscan) text(out []byte) []byte {
	for {
		start := len(out)
		for {
			chunk, err := x.br.ReadSlice('<')
			if err == nil {
				out = append(out, chunk[:len(chunk)-1]...)
				break
			}
			out = append(out, chunk...)
			if err != bufio.ErrBufferFull {
				x.err = err
				return decodeText(out, start)
			}
		}
		out = decodeText(out, start)
		switch k, _, _ := x.markup(); k {
		case mkCDATA:
			s := len(out)
			out = append(out, x.tag...)
			out = normalizeNewlines(out, s)
		case mkStart:
			x.skipElement()
		case mkEnd:
			return out
		}
		if x.err != nil {
			return out
		}
	}
}

// decodeText decodes entities and newlines in out[start:].
func decodeText(out []byte, start int) []byte {
	seg := out[start:]
	if bytes.IndexByte(seg, '&') < 0 {
		return normalizeNewlines(out, start)
	}
	res := out[:start]
	for i := 0; i < len(seg); {
		c := seg[i]
		if c == '\r' {
			res = append(res, '\n')
			if i+1 < len(seg) && seg[i+1] == '\n' {
				i++
			}
			i++
			continue
		}
		if c != '&' {
			res = append(res, c)
			i++
			continue
		}
		j := bytes.IndexByte(seg[i:], ';')
		if j < 0 {
			res = append(res, seg[i:]...)
			break
		}
		ent := seg[i+1 : i+j]
		var r rune = -1
		switch string(ent) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "apos":
			r = '\''
		case "quot":
			r = '"'
		default:
			if len(ent) > 1 && ent[0] == '#' {
				var n uint64
				var err error
				if ent[1] == 'x' {
					n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
				} else {
					n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
				}
				if err == nil && utf8.ValidRune(rune(n)) {
					r = rune(n)
				}
			}
		}
		if r < 0 { // the check at open refuses these; keep the bytes
			res = append(res, seg[i:i+j+1]...)
		} else {
			res = utf8.AppendRune(res, r)
		}
		i += j + 1
	}
	// res writes over seg from its start, never ahead of what it reads.
	return res
}

// normalizeNewlines reads \r\n and \r in out[start:] as \n.
func normalizeNewlines(out []byte, start int) []byte {
	if bytes.IndexByte(out[start:], '\r') < 0 {
		return out
	}
	w := start
	for i := start; i < len(out); i++ {
		c := out[i]
		if c == '\r' {
			c = '\n'
			if i+1 < len(out) && out[i+1] == '\n' {
				i++
			}
		}
		out[w] = c
		w++
	}
	return out[:w]
}

// attrValue returns attribute name's value in attrs, decoded; ok is false
// when it is absent. A prefixed name (x:r) counts, as encoding/xml gives
// the local name.
func attrValue(attrs []byte, name string, buf []byte) (v []byte, ok bool) {
	raw := attrOf(attrs, name)
	if raw == nil {
		// attrOf gives nil for an empty value too: look again.
		if !hasAttr(attrs, name) {
			return nil, false
		}
		return buf[:0], true
	}
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return raw, true
	}
	buf = append(buf[:0], raw...)
	return decodeText(buf, 0), true
}

// hasAttr reports attribute name (any prefix) in attrs.
func hasAttr(attrs []byte, name string) bool {
	for i := 0; i < len(attrs); {
		j := bytes.IndexByte(attrs[i:], '=')
		if j < 0 {
			return false
		}
		key := bytes.TrimSpace(attrs[i : i+j])
		if k := bytes.IndexByte(key, ':'); k >= 0 {
			key = key[k+1:]
		}
		if string(key) == name {
			return true
		}
		rest := bytes.TrimLeft(attrs[i+j+1:], " \t\r\n")
		if len(rest) == 0 {
			return false
		}
		e := bytes.IndexByte(rest[1:], rest[0])
		if e < 0 {
			return false
		}
		i = len(attrs) - len(rest) + e + 2
	}
	return false
}

// stringItem reads an <si> or <is> element whose start tag was just read
// as excelize's xlsxSI.String does: its last direct <t>, then each <r>
// run's last <t>, then _xHHHH_ escapes decoded. Phonetic runs and
// anything else are not text. It appends to out.
func (x *xscan) stringItem(out []byte, scratch *[]byte) []byte {
	direct := (*scratch)[:0]
	start := len(out)
	depth := 1
	inRun := false
	runStart := len(out)
	for depth > 0 && x.skipText() {
		k, name, _ := x.markup()
		switch k {
		case mkStart:
			depth++
			switch {
			case depth == 2 && string(name) == "t":
				direct = x.text(direct[:0])
				depth--
			case depth == 2 && string(name) == "r":
				inRun, runStart = true, len(out)
			case depth == 3 && inRun && string(name) == "t":
				out = x.text(out[:runStart])
				depth--
			}
		case mkSelf:
			switch {
			case depth == 1 && string(name) == "t":
				direct = direct[:0]
			case depth == 2 && inRun && string(name) == "t":
				out = out[:runStart]
			}
		case mkEnd:
			if depth == 2 {
				if inRun {
					runStart = len(out)
				}
				inRun = false
			}
			depth--
		}
	}
	*scratch = direct
	if len(direct) > 0 {
		// the direct text comes first
		runs := append([]byte(nil), out[start:]...)
		out = append(append(out[:start], direct...), runs...)
	}
	if bytes.Contains(out[start:], []byte("_x")) {
		dec := bstrDecode(out[start:])
		out = append(out[:start], dec...)
	}
	return out
}
