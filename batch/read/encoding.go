package read

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Text encodings a CSV may be read in.
const (
	encDetect      = ""
	encUTF8        = "utf-8"
	encUTF16LE     = "utf-16le"
	encUTF16BE     = "utf-16be"
	encWindows1252 = "windows-1252"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// detectBytes is how much text decides between UTF-8 and Windows-1252.
const detectBytes = 64 << 10

// parseEncoding normalizes Options.Encoding, accepting common aliases.
func parseEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return encDetect, nil
	case "utf-8", "utf8":
		return encUTF8, nil
	case "utf-16le", "utf16le":
		return encUTF16LE, nil
	case "utf-16be", "utf16be":
		return encUTF16BE, nil
	case "windows-1252", "cp1252", "windows1252":
		return encWindows1252, nil
	}
	return "", fmt.Errorf("unknown encoding %q (want utf-8, utf-16le, utf-16be or windows-1252)", s)
}

// decode returns the file's text as UTF-8 and the encoding it settled on.
// A BOM always wins; otherwise the forced encoding, or when detecting,
// UTF-8 if the first 64 KiB are valid UTF-8 and Windows-1252 if not. UTF-8
// input is passed through untouched (the fast path): only other encodings
// pay for a transform.
func decode(raw *bufio.Reader, enc string) (io.Reader, string, error) {
	head, err := raw.Peek(detectBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", err
	}
	if bytes.HasPrefix(head, bomUTF8) {
		_, err := raw.Discard(len(bomUTF8))
		return raw, encUTF8, err
	}
	var fallback encoding.Encoding
	switch {
	case bytes.HasPrefix(head, bomUTF16LE):
		enc = encUTF16LE
	case bytes.HasPrefix(head, bomUTF16BE):
		enc = encUTF16BE
	case enc == encDetect && validUTF8Prefix(head, len(head) == detectBytes):
		enc = encUTF8
	case enc == encDetect:
		enc = encWindows1252
	}
	switch enc {
	case encUTF8:
		return raw, enc, nil
	case encUTF16LE:
		fallback = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case encUTF16BE:
		fallback = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	default:
		fallback = charmap.Windows1252
	}
	// BOMOverride strips a BOM and switches to the encoding it names.
	return transform.NewReader(raw, unicode.BOMOverride(fallback.NewDecoder())), enc, nil
}

// validUTF8Prefix checks b, ignoring a rune cut off at the end when b is
// only the start of the file.
func validUTF8Prefix(b []byte, partial bool) bool {
	if partial {
		for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
			if utf8.RuneStart(b[len(b)-i]) {
				if !utf8.FullRune(b[len(b)-i:]) {
					b = b[:len(b)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// delimiters are the candidates in order of preference on a tie.
var delimiters = []rune{',', ';', '\t', '|'}

// sniffDelimiter picks the delimiter that occurs most often, outside
// quotes, on the first line of text that has any (the header, or the first
// line after a title or note without one). Text with none of them is one
// column: ','.
func sniffDelimiter(text []byte) rune {
	counts := make(map[rune]int, len(delimiters))
	inQuote, any := false, false
	for _, c := range text {
		switch {
		case c == '"':
			inQuote = !inQuote // "" inside a quoted field toggles twice
		case inQuote:
		case c == '\n' || c == '\r':
			if any {
				return mostCommon(counts)
			}
		default:
			for _, d := range delimiters {
				if rune(c) == d {
					counts[d]++
					any = true
				}
			}
		}
	}
	return mostCommon(counts)
}

func mostCommon(counts map[rune]int) rune {
	best := delimiters[0]
	for _, d := range delimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}
