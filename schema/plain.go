package schema

import (
	"regexp"
	"regexp/syntax"
)

// plainPattern is an anchored pattern made of ASCII literals and ASCII
// character classes with counts (`^[A-Z]{3}$`, `^TZ[a-f0-9]{32}$`,
// `^[0-9]{6,15}$`), matched byte by byte without the regexp engine: the
// dry run checks every row, and a pattern like these cost more than the
// rest of a cell's checks together. Only the last part may vary in length,
// so a left-to-right scan is the whole match.
type plainPattern []plainPart

// plainPart is a literal (lit set) or a class repeated min to max times
// (max -1: no limit).
type plainPart struct {
	lit      string
	set      [2]uint64 // ASCII bitmap
	min, max int
}

// newPlainPattern returns re as a plainPattern, or nil when re is anything
// else (alternation, groups, Unicode, case folding, a varying part before
// the end): those keep the regexp.
func newPlainPattern(re *regexp.Regexp) plainPattern {
	if re == nil {
		return nil
	}
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || t.Op != syntax.OpConcat || len(t.Sub) < 3 {
		return nil
	}
	subs := t.Sub
	if subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil
	}
	var p plainPattern
	for i, s := range subs[1 : len(subs)-1] {
		part, ok := plainPartOf(s)
		if !ok {
			return nil
		}
		if part.lit == "" && part.min != part.max && i != len(subs)-3 {
			return nil
		}
		p = append(p, part)
	}
	return p
}

func plainPartOf(s *syntax.Regexp) (plainPart, bool) {
	if s.Flags&syntax.FoldCase != 0 {
		return plainPart{}, false
	}
	switch s.Op {
	case syntax.OpLiteral:
		b := make([]byte, 0, len(s.Rune))
		for _, r := range s.Rune {
			if r >= 0x80 {
				return plainPart{}, false
			}
			b = append(b, byte(r))
		}
		return plainPart{lit: string(b)}, true
	case syntax.OpCharClass:
		var part plainPart
		for i := 0; i+1 < len(s.Rune); i += 2 {
			lo, hi := s.Rune[i], s.Rune[i+1]
			if hi >= 0x80 {
				return plainPart{}, false
			}
			for r := lo; r <= hi; r++ {
				part.set[r/64] |= 1 << (r % 64)
			}
		}
		part.min, part.max = 1, 1
		return part, true
	case syntax.OpRepeat, syntax.OpPlus, syntax.OpStar, syntax.OpQuest:
		if len(s.Sub) != 1 || s.Sub[0].Op != syntax.OpCharClass {
			return plainPart{}, false
		}
		part, ok := plainPartOf(s.Sub[0])
		if !ok {
			return part, false
		}
		switch s.Op {
		case syntax.OpRepeat:
			part.min, part.max = s.Min, s.Max
		case syntax.OpPlus:
			part.min, part.max = 1, -1
		case syntax.OpStar:
			part.min, part.max = 0, -1
		case syntax.OpQuest:
			part.min, part.max = 0, 1
		}
		return part, true
	}
	return plainPart{}, false
}

// match reports whether the whole of s matches.
func (p plainPattern) match(s string) bool {
	i := 0
	for _, part := range p {
		if part.lit != "" {
			if len(s)-i < len(part.lit) || s[i:i+len(part.lit)] != part.lit {
				return false
			}
			i += len(part.lit)
			continue
		}
		n := 0
		for i < len(s) && (part.max < 0 || n < part.max) {
			c := s[i]
			if c >= 0x80 || part.set[c/64]&(1<<(c%64)) == 0 {
				break
			}
			i++
			n++
		}
		if n < part.min {
			return false
		}
	}
	return i == len(s)
}
