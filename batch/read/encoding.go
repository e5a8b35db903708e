package read

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// Text encodings a CSV may be read in.
const (
	encDetect      = ""
	encUTF8        = "utf-8"
	encUTF16LE     = "utf-16le"
	encUTF16BE     = "utf-16be"
	encUTF32LE     = "utf-32le"
	encUTF32BE     = "utf-32be"
	encWindows1252 = "windows-1252"
	encShiftJIS    = "shift_jis"
	encEUCKR       = "euc-kr"
	encGB18030     = "gb18030"
	encBig5        = "big5"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	// A UTF-32LE BOM starts with the UTF-16LE one: looked for first.
	bomUTF32LE = []byte{0xFF, 0xFE, 0x00, 0x00}
	bomUTF32BE = []byte{0x00, 0x00, 0xFE, 0xFF}
)

// Encodings lists the --encoding values, for messages and help.
const Encodings = "utf-8, utf-16le, utf-16be, utf-32le, utf-32be, windows-1252, shift_jis, euc-kr, gb18030, big5"

// detectBytes is how much text decides the encoding.
const detectBytes = 64 << 10

// parseEncoding normalizes Options.Encoding, accepting common aliases.
func parseEncoding(s string) (string, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-") {
	case "":
		return encDetect, nil
	case "utf-8", "utf8":
		return encUTF8, nil
	case "utf-16le", "utf16le":
		return encUTF16LE, nil
	case "utf-16be", "utf16be":
		return encUTF16BE, nil
	case "utf-32le", "utf32le":
		return encUTF32LE, nil
	case "utf-32be", "utf32be":
		return encUTF32BE, nil
	case "windows-1252", "cp1252", "windows1252":
		return encWindows1252, nil
	case "shift-jis", "shiftjis", "sjis", "cp932", "windows-31j", "ms932":
		return encShiftJIS, nil
	case "euc-kr", "euckr", "cp949", "uhc", "ks-c-5601-1987":
		return encEUCKR, nil
	case "gb18030", "gbk", "gb2312", "cp936":
		return encGB18030, nil
	case "big5", "big-5", "cp950":
		return encBig5, nil
	}
	return "", fmt.Errorf("unknown encoding %q (want one of %s)", s, Encodings)
}

// Charset is the text encoding named by one of the Encodings (as a
// reader's Encoding method gives it); nil for UTF-8 or an unknown name.
// Encoders replace nothing: a rune the encoding has no bytes for is an
// error (encoding.ErrInvalidUTF8 or a *transform error) that callers
// handle.
func Charset(name string) encoding.Encoding {
	switch name {
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case encUTF32LE:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case encUTF32BE:
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case encWindows1252:
		return charmap.Windows1252
	case encShiftJIS:
		return japanese.ShiftJIS
	case encEUCKR:
		return korean.EUCKR
	case encGB18030:
		return simplifiedchinese.GB18030
	case encBig5:
		return traditionalchinese.Big5
	}
	return nil
}

// encodingChoices name the legacy encodings in messages as --encoding
// takes them.
var encodingChoices = map[string]string{
	encWindows1252: "windows-1252 (Western)",
	encShiftJIS:    "shift_jis (Japanese)",
	encEUCKR:       "euc-kr (Korean)",
	encGB18030:     "gb18030 (simplified Chinese)",
	encBig5:        "big5 (traditional Chinese)",
}

// bomOf returns the encoding a byte order mark at the start of head names
// and the BOM's length; "" when there is none.
func bomOf(head []byte) (string, int) {
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		return encUTF8, len(bomUTF8)
	case bytes.HasPrefix(head, bomUTF32LE):
		return encUTF32LE, len(bomUTF32LE)
	case bytes.HasPrefix(head, bomUTF32BE):
		return encUTF32BE, len(bomUTF32BE)
	case bytes.HasPrefix(head, bomUTF16LE):
		return encUTF16LE, len(bomUTF16LE)
	case bytes.HasPrefix(head, bomUTF16BE):
		return encUTF16BE, len(bomUTF16BE)
	}
	return "", 0
}

// decode returns the file's text as UTF-8, the encoding it settled on and,
// when that was a guess other than UTF-8, what to tell the user. A BOM
// always wins; otherwise the forced encoding, or when detecting, UTF-8 if
// the first 64 KiB are valid UTF-8, else what guessLegacy finds. UTF-8
// input is passed through untouched (the fast path): only other encodings
// pay for a transform.
func decode(raw *bufio.Reader, enc string) (io.Reader, string, string, error) {
	head, err := raw.Peek(detectBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", "", err
	}
	guessed := ""
	if bom, n := bomOf(head); bom != "" {
		if _, err := raw.Discard(n); err != nil {
			return nil, "", "", err
		}
		enc = bom
	} else if enc == encDetect {
		partial := len(head) == detectBytes
		if validUTF8Prefix(head, partial) {
			enc = encUTF8
		} else if enc, guessed, err = guessLegacy(head, partial); err != nil {
			return nil, "", "", err
		}
	}
	cs := Charset(enc)
	if cs == nil {
		return raw, encUTF8, "", nil
	}
	return transform.NewReader(raw, cs.NewDecoder()), enc, guessed, nil
}

// guessLegacy picks the encoding of text that is not UTF-8 and has no BOM,
// from its first bytes, and says why; it never picks one of several that
// fit equally: then the file is refused with the choices. Japanese text in
// Shift_JIS is recognized by its kana (no other of these encodings decodes
// to kana in quantity); Western text in Windows-1252 by its non-ASCII
// bytes, letters alone or in short runs (see westernShape), where Chinese,
// Korean and Japanese encodings write longer runs. Those three cannot be told apart reliably
// from bytes alone, so they are named, not guessed.
func guessLegacy(head []byte, partial bool) (enc, why string, err error) {
	if partial {
		// Cut at the last line break: never inside a character.
		if i := bytes.LastIndexByte(head, '\n'); i > 0 {
			head = head[:i+1]
		}
	}
	var fits []string
	for _, e := range []string{encShiftJIS, encGB18030, encBig5, encEUCKR} {
		if decodesCleanly(Charset(e), head) {
			fits = append(fits, e)
		}
	}
	if slices.Contains(fits, encShiftJIS) && kanaShare(head) >= 0.2 {
		return encShiftJIS, "read as Shift_JIS (detected: the file is not UTF-8 and its text is Japanese in Shift_JIS); if names look wrong, set the encoding (--encoding)", nil
	}
	w1252 := fitsWindows1252(head)
	if w1252 && westernShape(head) {
		return encWindows1252, "read as Windows-1252 (detected: the file is not UTF-8); if accented letters look wrong, set the encoding (--encoding)", nil
	}
	if w1252 {
		fits = append(fits, encWindows1252)
	}
	var names []string
	for _, e := range fits {
		names = append(names, encodingChoices[e])
	}
	if len(names) == 0 {
		return "", "", fmt.Errorf("the text is in no encoding onboard reads (it is not UTF-8, and not valid in any other it knows): save it as UTF-8 (CSV UTF-8 in Excel), or set the encoding it was saved in with --encoding (one of %s)", Encodings)
	}
	return "", "", fmt.Errorf("the text is not UTF-8, and could be %s: set the encoding it was saved in with --encoding (one of %s), or save it as UTF-8 (CSV UTF-8 in Excel)", orList(names), Encodings)
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// decodesCleanly reports whether e decodes b without a replacement
// character (x/text decoders replace invalid bytes with U+FFFD).
func decodesCleanly(e encoding.Encoding, b []byte) bool {
	out, err := e.NewDecoder().Bytes(b)
	return err == nil && !bytes.ContainsRune(out, utf8.RuneError)
}

// kanaShare is the share of hiragana and katakana among the non-ASCII
// characters of b read as Shift_JIS.
func kanaShare(b []byte) float64 {
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		return 0
	}
	kana, other := 0, 0
	for _, r := range string(out) {
		switch {
		case r < utf8.RuneSelf:
		case r >= 0x3040 && r <= 0x30FF:
			kana++
		default:
			other++
		}
	}
	if kana+other == 0 {
		return 0
	}
	return float64(kana) / float64(kana+other)
}

// fitsWindows1252 reports text without the five bytes Windows-1252 leaves
// undefined.
func fitsWindows1252(b []byte) bool {
	for _, c := range []byte{0x81, 0x8D, 0x8F, 0x90, 0x9D} {
		if bytes.IndexByte(b, c) >= 0 {
			return false
		}
	}
	return true
}

// westernShape reports text whose non-ASCII bytes look like Western
// letters in Windows-1252: alone between ASCII letters (José), or a short
// run of letters (Größe, Ñúñez). Chinese, Korean and Japanese encodings
// write two bytes a character, so their non-ASCII bytes come in longer
// runs, and many of them are symbols in Windows-1252 (¤ © «).
func westernShape(b []byte) bool {
	runs, western := 0, 0
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		j, letters := i, true
		for ; j < len(b) && b[j] >= 0x80; j++ {
			letters = letters && isLetter1252(b[j])
		}
		runs++
		if n := j - i; n == 1 || n <= 3 && letters {
			western++
		}
		i = j
	}
	return runs == 0 || western*10 >= runs*8
}

// isLetter1252 reports a byte that is a letter in Windows-1252.
func isLetter1252(c byte) bool {
	switch c {
	case 0x8A, 0x8C, 0x8E, 0x9A, 0x9C, 0x9E, 0x9F, 0xAA, 0xB5, 0xBA:
		return true
	case 0xD7, 0xF7:
		return false
	}
	return c >= 0xC0
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
