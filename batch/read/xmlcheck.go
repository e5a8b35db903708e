package read

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlDamage is a part of the workbook that is not well-formed XML.
// excelize's row iterator stops at the first XML error without saying so
// (the rows after it would be lost, the file read as a shorter roster), so
// the parts are checked before any row is read.
type xmlDamage struct {
	part string
	row  int // worksheets: the sheet row the damage is in (0: before any row)
	line int // the part's text line
	what string
}

func (d *xmlDamage) Error() string { return d.what }

// xmlCheck is a byte-level well-formedness check, a small fraction of the
// cost of decoding: it catches what encoding/xml (and so excelize) stops
// at in a part a program wrote and something later damaged: a bare & or
// an undefined entity, a tag left open or closed by the wrong end tag, a
// part cut short, a character XML does not allow. It is deliberately no
// stricter than encoding/xml: a file excelize reads whole is never refused.
type xmlCheck struct {
	st      int
	back    int    // the state an entity returns to
	names   []byte // the open elements' names, one after another
	ends    []int  // where each open element's name starts in names
	name    []byte // the tag or end-tag name being read
	attr    []byte // the attribute name being read
	ent     []byte // the entity being read
	val     []byte // the row tag's r attribute value being read
	quote   byte
	inRow   bool // the tag being read is a <row>
	rowAttr bool // the attribute being read is the row's r
	inMerge bool // the tag being read is a <mergeCell>
	refAttr bool // the attribute being read is the merge's ref
	// merges are the worksheet's merged ranges ("B2:B4"), up to maxMerges.
	merges   []string
	tail     []byte
	rootSeen bool
	row      int
	line     int
	skip     bool // the part declares an encoding other than UTF-8
	started  bool
	err      *xmlDamage
}

const (
	xText = iota
	xLT
	xName
	xAttrs
	xAttrName
	xAttrEq
	xAttrVal
	xSelfClose
	xEndName
	xEndTrail
	xEntity
	xBang    // after "<!": deciding comment, CDATA or DOCTYPE
	xComment // up to "-->"
	xCDATA   // up to "]]>"
	xPI      // up to "?>"
	xDoctype // up to ">" at bracket depth 0
)

// maxMerges bounds the merged ranges kept for messages.
const maxMerges = 10000

// checkXMLPart reads r to its end and returns the first damage in it, or
// nil; the error is an I/O error from r.
func checkXMLPart(part string, r io.Reader) (*xmlDamage, error) {
	d, _, err := checkXMLPartMerges(part, r)
	return d, err
}

// checkXMLPartMerges is checkXMLPart that also returns a worksheet's
// merged ranges, which come after its rows.
func checkXMLPartMerges(part string, r io.Reader) (*xmlDamage, []string, error) {
	c := &xmlCheck{line: 1}
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		if err == io.EOF {
			if c.feed(buf[:n], true); c.err == nil {
				c.end()
			}
			break
		}
		if err != nil {
			return nil, nil, err
		}
		// Keep a rune cut off at the end for the next chunk.
		carry = cutRune(buf[:n])
		c.feed(buf[:n-carry], false)
		if c.err != nil {
			break
		}
		copy(buf, buf[n-carry:n])
	}
	if c.err != nil {
		c.err.part = part
	}
	return c.err, c.merges, nil
}

func (c *xmlCheck) fail(format string, a ...any) {
	if c.err == nil {
		c.err = &xmlDamage{row: c.row, line: c.line, what: fmt.Sprintf(format, a...)}
	}
}

// feed checks the next chunk, which holds whole runes unless last.
func (c *xmlCheck) feed(b []byte, last bool) {
	if !c.started && len(b) > 0 {
		c.started = true
		c.skip = otherEncoding(b)
	}
	if c.skip {
		return
	}
	// The characters are checked for the whole chunk at once (valid UTF-8
	// without the characters XML excludes is by far the common case),
	// then the markup.
	bad := badChar(b)
	if bad < 0 {
		c.run(b)
		return
	}
	c.run(b[:bad]) // for the row and line the bad character is on
	if c.err != nil {
		return
	}
	switch r, n := utf8.DecodeRune(b[bad:]); {
	case r == utf8.RuneError && n <= 1:
		c.fail("bytes that are not UTF-8")
	case r < 0x20:
		c.fail("a control character XML does not allow (U+%04X)", r)
	default:
		c.fail("a character XML does not allow (U+%04X)", r)
	}
}

var (
	nl          = []byte{'\n'}
	notCharFFFE = []byte("\xEF\xBF\xBE")
	notCharFFFF = []byte("\xEF\xBF\xBF")
)

// badChar is the offset of the first byte of b that starts no character
// XML allows (invalid UTF-8, a control character, U+FFFE, U+FFFF); -1
// when there is none.
func badChar(b []byte) int {
	ctrl := -1
	for i, ch := range b {
		if ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' {
			ctrl = i
			break
		}
	}
	if ctrl < 0 && utf8.Valid(b) && !bytes.Contains(b, notCharFFFE) && !bytes.Contains(b, notCharFFFF) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || r == 0xFFFE || r == 0xFFFF || i == ctrl {
			return i
		}
		i += n
	}
	return ctrl
}

// run steps the state machine through b, skipping quickly over text and
// attribute values up to the next character that matters.
func (c *xmlCheck) run(b []byte) {
	for i := 0; i < len(b) && c.err == nil; {
		var j int
		switch {
		case c.st == xText:
			j = indexEither(b[i:], '<', '&')
		case c.st == xAttrVal && !c.rowAttr && !c.refAttr:
			j = indexAny3(b[i:], c.quote, '<', '&')
		default:
			j = 0
		}
		if j < 0 {
			c.line += bytes.Count(b[i:], nl)
			return
		}
		if j > 0 {
			c.line += bytes.Count(b[i:i+j], nl)
			i += j
		}
		ch := b[i]
		if ch == '\n' {
			c.line++
		}
		c.step(ch, b[i:i+1])
		i++
	}
}

// indexEither is the first index of x or y in b, -1 when neither is.
func indexEither(b []byte, x, y byte) int {
	i := bytes.IndexByte(b, x)
	if i < 0 {
		return bytes.IndexByte(b, y)
	}
	if k := bytes.IndexByte(b[:i], y); k >= 0 {
		return k
	}
	return i
}

// indexAny3 is the first index of x, y or z in b, -1 when none is.
func indexAny3(b []byte, x, y, z byte) int {
	for i, ch := range b {
		if ch == x || ch == y || ch == z {
			return i
		}
	}
	return -1
}

// otherEncoding reports an XML declaration naming an encoding other than
// UTF-8: excelize decodes those through a charset reader, and this check
// does not.
func otherEncoding(b []byte) bool {
	if bytes.HasPrefix(b, bomUTF16LE) || bytes.HasPrefix(b, bomUTF16BE) {
		return true // UTF-16 XML: left to excelize
	}
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return false
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return false
	}
	enc := attrOf(b[len("<?xml"):end], "encoding")
	return enc != nil && !bytes.EqualFold(enc, []byte("utf-8")) && !bytes.EqualFold(enc, []byte("utf8"))
}

func isNameByte(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
		ch == '_' || ch == ':' || ch == '-' || ch == '.' || ch >= utf8.RuneSelf
}

func isSpace(ch byte) bool { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' }

// step advances the state machine by one character (rb is its bytes).
func (c *xmlCheck) step(ch byte, rb []byte) {
	switch c.st {
	case xText:
		switch ch {
		case '<':
			c.st = xLT
		case '&':
			c.back, c.st, c.ent = xText, xEntity, c.ent[:0]
		}
	case xEntity:
		switch {
		case ch == ';':
			c.entity()
			c.st = c.back
		case isNameByte(ch) || ch == '#':
			if len(c.ent) > 32 {
				c.fail("an undefined entity &%s…", c.ent)
				return
			}
			c.ent = append(c.ent, rb...)
		default:
			c.fail("a bare \"&\" (not followed by an entity name and \";\")")
		}
	case xLT:
		switch {
		case ch == '/':
			c.st, c.name = xEndName, c.name[:0]
		case ch == '!':
			c.st, c.tail = xBang, c.tail[:0]
		case ch == '?':
			c.st, c.tail = xPI, c.tail[:0]
		case isNameByte(ch) && !(ch >= '0' && ch <= '9') && ch != '-' && ch != '.':
			c.st, c.name = xName, append(c.name[:0], rb...)
		default:
			c.fail("a bare \"<\" (not the start of a tag)")
		}
	case xName:
		switch {
		case isNameByte(ch):
			c.name = append(c.name, rb...)
		case isSpace(ch):
			c.openTag()
			c.st = xAttrs
		case ch == '/':
			c.openTag()
			c.st = xSelfClose
		case ch == '>':
			c.openTag()
			c.push()
			c.st = xText
		default:
			c.fail("a malformed tag <%s%c", c.name, ch)
		}
	case xAttrs:
		switch {
		case isSpace(ch):
		case ch == '/':
			c.st = xSelfClose
		case ch == '>':
			c.push()
			c.st = xText
		case isNameByte(ch):
			c.st, c.attr = xAttrName, append(c.attr[:0], rb...)
		default:
			c.fail("a malformed tag <%s>", c.name)
		}
	case xAttrName:
		switch {
		case isNameByte(ch):
			c.attr = append(c.attr, rb...)
		case isSpace(ch):
			c.st, c.quote = xAttrEq, 0
		case ch == '=':
			c.st = xAttrEq
			c.attrEq()
		default:
			c.fail("a malformed attribute %s in <%s>", c.attr, c.name)
		}
	case xAttrEq:
		switch {
		case isSpace(ch):
		case ch == '=' && c.quote == 0:
			c.attrEq()
		case (ch == '"' || ch == '\'') && c.quote == 1:
			c.quote, c.st = ch, xAttrVal
		default:
			c.fail("an attribute without a quoted value in <%s>", c.name)
		}
	case xAttrVal:
		switch ch {
		case c.quote:
			c.st = xAttrs
			if c.rowAttr {
				c.row = atoi(c.val)
				c.rowAttr = false
			}
			if c.refAttr {
				if len(c.merges) < maxMerges {
					c.merges = append(c.merges, string(c.val))
				}
				c.refAttr = false
			}
		case '<':
			c.fail("a \"<\" inside an attribute of <%s>", c.name)
		case '&':
			c.back, c.st, c.ent = xAttrVal, xEntity, c.ent[:0]
		default:
			if c.rowAttr || c.refAttr {
				c.val = append(c.val, rb...)
			}
		}
	case xSelfClose:
		if ch != '>' {
			c.fail("a malformed tag <%s>", c.name)
			return
		}
		if c.depth() == 0 {
			c.rootSeen = true
		}
		c.st = xText
	case xEndName:
		switch {
		case isNameByte(ch):
			c.name = append(c.name, rb...)
		case isSpace(ch):
			c.st = xEndTrail
		case ch == '>':
			c.pop()
		default:
			c.fail("a malformed end tag </%s", c.name)
		}
	case xEndTrail:
		switch {
		case isSpace(ch):
		case ch == '>':
			c.pop()
		default:
			c.fail("a malformed end tag </%s", c.name)
		}
	case xBang:
		c.tail = append(c.tail, ch)
		switch t := string(c.tail); {
		case t == "--":
			c.st, c.tail = xComment, c.tail[:0]
		case t == "[CDATA[":
			c.st, c.tail = xCDATA, c.tail[:0]
		case t == "DOCTYPE":
			c.st, c.quote = xDoctype, 0
		case len(t) >= 7 || !(len(t) <= 2 && "--"[:len(t)] == t || "[CDATA["[:len(t)] == t || "DOCTYPE"[:len(t)] == t):
			c.fail("a malformed <!%s", t)
		}
	case xComment, xCDATA, xPI:
		end := "?>"
		switch c.st {
		case xComment:
			end = "-->"
		case xCDATA:
			end = "]]>"
		}
		c.tail = append(c.tail, ch)
		if len(c.tail) > 3 {
			c.tail = c.tail[len(c.tail)-3:]
		}
		if bytes.HasSuffix(c.tail, []byte(end)) {
			c.st = xText
		}
	case xDoctype:
		switch ch {
		case '[':
			c.quote++
		case ']':
			c.quote--
		case '>':
			if c.quote == 0 {
				c.st = xText
			}
		}
	}
}

// attrEq is an attribute's "=": what follows is its quoted value.
func (c *xmlCheck) attrEq() {
	c.quote = 1 // a quote is now expected
	c.rowAttr = c.inRow && string(c.attr) == "r"
	c.refAttr = c.inMerge && string(c.attr) == "ref"
	c.val = c.val[:0]
}

// openTag is a start tag's name read.
func (c *xmlCheck) openTag() {
	local := c.name
	if i := bytes.LastIndexByte(local, ':'); i >= 0 {
		local = local[i+1:]
	}
	c.inRow = string(local) == "row"
	c.inMerge = string(local) == "mergeCell"
	if c.inRow {
		c.row++ // a row without r follows the one before it
	}
}

// push opens the element just named. The names live in one buffer (an
// element per cell would otherwise cost an allocation).
func (c *xmlCheck) push() {
	c.ends = append(c.ends, len(c.names))
	c.names = append(c.names, c.name...)
}

// top is the innermost open element's name.
func (c *xmlCheck) top() []byte { return c.names[c.ends[len(c.ends)-1]:] }

func (c *xmlCheck) depth() int { return len(c.ends) }

func (c *xmlCheck) pop() {
	c.st = xText
	if c.depth() == 0 {
		c.fail("an end tag </%s> that closes nothing", c.name)
		return
	}
	if top := c.top(); !bytes.Equal(top, c.name) {
		c.fail("the tag <%s> is not closed (</%s> comes first)", top, c.name)
		return
	}
	c.names = c.names[:c.ends[len(c.ends)-1]]
	c.ends = c.ends[:len(c.ends)-1]
	if c.depth() == 0 {
		c.rootSeen = true
	}
}

// entity checks the entity just read (without & and ;).
func (c *xmlCheck) entity() {
	e := string(c.ent)
	switch e {
	case "amp", "lt", "gt", "quot", "apos":
		return
	}
	if len(e) > 1 && e[0] == '#' {
		var n uint64
		var err error
		if e[1] == 'x' {
			n, err = strconv.ParseUint(e[2:], 16, 32)
		} else {
			n, err = strconv.ParseUint(e[1:], 10, 32)
		}
		if err == nil && xmlChar(rune(n)) {
			return
		}
		c.fail("a character reference &%s; that is not a character XML allows", e)
		return
	}
	if e == "" {
		c.fail("a bare \"&\" (not followed by an entity name)")
		return
	}
	c.fail("an undefined entity &%s;", e)
}

// xmlChar is encoding/xml's (the XML spec's) character range.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// end checks the part ended where XML may end.
func (c *xmlCheck) end() {
	if c.skip || c.err != nil {
		return
	}
	switch {
	case c.st != xText:
		c.fail("the part is cut short inside a tag")
	case c.depth() > 0:
		c.fail("the part is cut short (<%s> is never closed)", c.top())
	case !c.rootSeen:
		c.fail("the part is cut short (it holds no XML element)")
	}
}
