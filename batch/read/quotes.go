package read

import (
	"bytes"
	"io"
)

// quoteScan sits under encoding/csv, which reads with LazyQuotes so that a
// bare " inside an unquoted field (O"Brien, =HYPERLINK("x")) is taken
// literally, as Excel, LibreOffice and Python read it. LazyQuotes alone
// would also let a quoted field that never closes swallow the rest of the
// file without a word, so quoteScan follows the same quoting rules and
// reports a file that ends inside a quoted field. It also turns a lone CR
// outside quotes (Excel for Mac's "CSV (Macintosh)") into a line end. It
// rewrites bytes in place, one for one, so offsets stay those of the text.
type quoteScan struct {
	r     io.Reader
	comma byte
	buf   []byte
	out   []byte // scanned bytes not yet handed on
	err   error  // from r, returned once out is drained
	held  bool   // a CR held back: what it is depends on the next byte
	state int
	prev  byte // the byte before the current position, outside quotes
	// unclosed is set when the text ends inside a quoted field.
	unclosed bool
	total    int64 // bytes handed on
	// For the block cutter (csvblock.go), per scan: just after the last
	// line break outside quotes, which ends a record (-1 for none), and
	// where the run of bytes outside quotes being scanned starts (-1
	// inside quotes).
	lastNL  int
	outFrom int
}

const (
	qOut   = iota // outside quotes (in an unquoted field or between fields)
	qIn           // inside a quoted field
	qQuote        // just after a " inside a quoted field
)

func newQuoteScan(r io.Reader, comma byte) *quoteScan {
	return &quoteScan{r: r, comma: comma, buf: make([]byte, textBufSize), prev: '\n'}
}

// inQuotes reports whether the text read so far ends inside a quoted field.
func (q *quoteScan) inQuotes() bool { return q.state != qOut }

func (q *quoteScan) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		q.fill()
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	q.total += int64(n)
	return n, nil
}

// readInto reads the next bytes into b and scans them, like Read without
// the copy: the first n bytes of b are ready; a CR held back at the end is
// put at b[n] by the next call. b must have room for 2 bytes.
func (q *quoteScan) readInto(b []byte) (n int, err error) {
	start := 0
	if q.held {
		b[0], start, q.held = '\r', 1, false
	}
	m, err := q.r.Read(b[start:])
	return q.scan(b[:start+m], err != nil), err
}

func (q *quoteScan) fill() {
	start := 0
	if q.held {
		q.buf[0], start, q.held = '\r', 1, false
	}
	n, err := q.r.Read(q.buf[start:])
	if err != nil {
		q.err = err
	}
	b := q.buf[:start+n]
	q.out = b[:q.scan(b, err != nil)]
}

// scan follows the quoting of b, rewriting lone CRs outside quotes, and
// returns how many bytes are ready: all of them, or all but a final CR
// that needs the next byte to decide (atEnd: no next byte will come).
func (q *quoteScan) scan(b []byte, atEnd bool) int {
	next := func(c byte, from int) int {
		if j := bytes.IndexByte(b[from:], c); j >= 0 {
			return from + j
		}
		return len(b)
	}
	quote, cr := -1, -1 // positions of the next " and CR, when known
	i := 0
	q.outFrom, q.lastNL = -1, -1
	if q.state == qOut {
		q.outFrom = 0
	}
	// endRun notes the last line break of the run outside quotes ending
	// at to: each byte outside quotes is looked at once at most.
	endRun := func(to int) {
		if q.outFrom >= 0 {
			if j := bytes.LastIndexByte(b[q.outFrom:to], '\n'); j >= 0 {
				q.lastNL = q.outFrom + j + 1
			}
		}
	}
	for i < len(b) {
		switch q.state {
		case qIn:
			if quote < i {
				quote = next('"', i)
			}
			if quote == len(b) {
				i = len(b)
				continue
			}
			i, q.state = quote+1, qQuote
		case qQuote: // the " before i ends the field, is doubled, or is literal
			switch c := b[i]; c {
			case '"':
				i, q.state = i+1, qIn
			case q.comma, '\n':
				q.outFrom = i
				i, q.state, q.prev = i+1, qOut, c
			case '\r':
				if i+1 == len(b) && !atEnd {
					q.held = true
					return i
				}
				q.outFrom = i
				if i+1 < len(b) && b[i+1] == '\n' {
					i += 2
				} else {
					b[i] = '\n'
					i++
				}
				q.state, q.prev = qOut, '\n'
			default:
				q.state = qIn // a literal " inside the quotes, as csv's LazyQuotes reads it
			}
		default: // qOut
			if quote < i {
				quote = next('"', i)
			}
			if cr < i {
				cr = next('\r', i)
			}
			k := min(quote, cr)
			if k == len(b) {
				q.prev = b[len(b)-1]
				i = len(b)
				continue
			}
			prev := q.prev
			if k > i {
				prev = b[k-1]
			}
			if k == cr {
				if k+1 == len(b) && !atEnd {
					q.prev, q.held = prev, true
					endRun(k)
					return k
				}
				if k+1 == len(b) || b[k+1] != '\n' {
					b[k] = '\n' // a lone CR ends the line
				}
				q.prev, i = b[k], k+1
				continue
			}
			if prev == q.comma || prev == '\n' {
				q.state = qIn // a quote at the start of a field opens it
				endRun(k)
				q.outFrom = -1
			}
			q.prev, i = '"', k+1
		}
	}
	if atEnd && q.state == qIn {
		q.unclosed = true
	}
	if q.state == qOut {
		endRun(len(b))
	}
	return len(b)
}
