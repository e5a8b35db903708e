package vendorfile

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/onboard/onboard/providers/sim"
)

// sample returns a short string re matches, for the derived simulator's
// credentials and IDs ("" when it cannot make one). It walks the
// pattern's syntax: the first choice of each alternation, the least count
// of each repeat (one for *), a lower-case hex digit or the first rune of
// each class.
func sample(re *regexp.Regexp) string {
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(p *syntax.Regexp)
	walk = func(p *syntax.Regexp) {
		switch p.Op {
		case syntax.OpLiteral:
			b.WriteString(string(p.Rune))
		case syntax.OpCharClass:
			b.WriteRune(classRune(p.Rune))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('a')
		case syntax.OpCapture:
			walk(p.Sub[0])
		case syntax.OpConcat:
			for _, s := range p.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(p.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
		case syntax.OpPlus:
			walk(p.Sub[0])
		case syntax.OpRepeat:
			for range max(p.Min, 0) {
				walk(p.Sub[0])
			}
		}
	}
	walk(p)
	if s := b.String(); re.MatchString(s) {
		return s
	}
	return ""
}

// classRune picks a rune of a class (pairs of lo, hi): a lower-case hex
// digit when the class has one, so that IDs vary well.
func classRune(r []rune) rune {
	for _, want := range "0123456789abcdef" {
		for i := 0; i+1 < len(r); i += 2 {
			if want >= r[i] && want <= r[i+1] {
				return want
			}
		}
	}
	if len(r) > 0 {
		return r[0]
	}
	return 'a'
}

// simValue is a value re accepts, unique by seq where it can be: the
// pattern's sample with its tail replaced by seq in hex, or seq itself.
func simValue(re *regexp.Regexp, seq int, fallback string) string {
	if re == nil {
		return fallback
	}
	base := sample(re)
	for _, w := range []int{8, 4, 2, 1} {
		if len(base) >= w {
			if c := base[:len(base)-w] + sim.Hex(seq%(1<<(4*w)), w); re.MatchString(c) {
				return c
			}
		}
	}
	if c := strconv.Itoa(1000 + seq); re.MatchString(c) {
		return c
	}
	if re.MatchString(fallback) {
		return fallback
	}
	return base
}
