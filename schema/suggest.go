package schema

import "strings"

// Closest returns the candidate a mistyped word most likely meant, for a
// "did you mean" hint, or "" when none is close. Case is ignored; a
// candidate the word is a prefix of counts as close ("--out" → "output").
func Closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	if w == "" {
		return ""
	}
	best, bestD := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == w {
			return c
		}
		d := distance(w, lc)
		if len(w) >= 3 && strings.HasPrefix(lc, w) {
			d = min(d, 1)
		}
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	// At most one edit in three characters, and at least one allowed.
	if bestD < 0 || bestD > max(1, len([]rune(w))/3) {
		return ""
	}
	return best
}

// distance is the edit distance between a and b in runes, a swap of two
// neighbours counting as one edit ("emial" is one from "email").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back for the swap.
	pp := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(rb)]
}

// DidYouMean is " (did you mean X?)" for the closest candidate, or "".
func DidYouMean(word string, candidates []string) string {
	if c := Closest(word, candidates); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}
