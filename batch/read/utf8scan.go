package read

import "unicode/utf8"

// utf8Scan finds the first invalid UTF-8 byte of a stream fed in chunks.
// Checking big chunks once is about 4 times cheaper than checking every
// cell; the reader only looks at cells once the scan has found a bad byte.
type utf8Scan struct {
	fed   int64  // bytes fed so far
	carry []byte // a rune cut off at the end of the last chunk
	bad   int64  // offset of the first invalid byte; -1 while none
}

func newUTF8Scan() *utf8Scan { return &utf8Scan{bad: -1} }

// feed checks the next chunk of the stream.
func (s *utf8Scan) feed(b []byte) {
	start := s.fed
	s.fed += int64(len(b))
	if s.bad >= 0 {
		return
	}
	if n := len(s.carry); n > 0 {
		// Finish the rune the last chunk cut off.
		joined := append(s.carry, b[:min(len(b), utf8.UTFMax-n)]...)
		if !utf8.FullRune(joined) { // b is too short to finish it
			s.carry = joined
			return
		}
		r, size := utf8.DecodeRune(joined)
		if r == utf8.RuneError && size <= 1 {
			s.bad = start - int64(n)
			return
		}
		b, start = b[size-n:], start+int64(size-n)
		s.carry = s.carry[:0]
	}
	tail := cutRune(b)
	if i := firstInvalid(b[:len(b)-tail]); i >= 0 {
		s.bad = start + int64(i)
		return
	}
	s.carry = append(s.carry[:0], b[len(b)-tail:]...)
}

// end reports a rune left unfinished at the end of the stream.
func (s *utf8Scan) end() {
	if s.bad < 0 && len(s.carry) > 0 {
		s.bad = s.fed - int64(len(s.carry))
	}
}

// cutRune returns how many bytes at the end of b start a rune that b does
// not hold in full.
func cutRune(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if utf8.FullRune(b[len(b)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

// firstInvalid returns the index of the first invalid byte in b, or -1.
func firstInvalid(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
