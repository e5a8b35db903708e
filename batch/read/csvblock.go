package read

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Block parsing, for a delimiter that is one ASCII byte: one goroutine
// (the cutter) reads the text and cuts it into blocks that end at a record
// boundary (a line break outside quotes, which quoteScan already tracks);
// parsing, the UTF-8 check and shaping the rows run on one goroutine per
// CPU; Read and ReadRows hand the rows out in file order. The records are
// those encoding/csv reads with LazyQuotes from quoteScan's output
// (recParser.record is a port of its readRecord; the tests compare the two
// record by record), the row numbers and errors those of the
// one-record-at-a-time path (csvReader.record), which other delimiters
// still use. One difference: a record whose length falls within the
// look-ahead below the guard's limit may be read and refused by the row
// size check where the other path stopped at the guard (both say the row
// is over the limit).

// blockSize is the size a block is cut at, a few hundred rows: big
// enough that a block's hand-offs cost nothing per row, small enough that
// the blocks in flight (their rows) stay a few megabytes.
var blockSize = 64 << 10 // a variable for the tests, which cut tiny blocks

// csvBlock is a run of whole records and, once parsed, its rows. Lines and
// rows in it are counted from the block's start; Read adds the offset.
type csvBlock struct {
	data     []byte
	buf      []byte // data's whole buffer
	final    bool   // the text ends with this block
	unclosed bool   // ... inside a quoted field
	tooLong  bool   // after data, a record runs past the limit
	inQuotes bool   // ... inside a quoted cell
	readErr  error  // after data, reading failed
	utf8     bool   // check that data is valid UTF-8
	t        *table
	shape    bool // make rows (t has the header), not raw records
	done     chan struct{}

	recs []csvRec
	rows []Row
	err  error   // a row that t refused (shape): an *Error, local row
	stop csvStop // a record that ends the file
	nl   int     // line breaks read
	fold int     // line breaks inside quoted cells
	next int     // local row after the last record (see csvReader.row)
	any  bool    // at least one record
}

type csvRec struct {
	cells []string
	row   int // local
}

// csvStop is a record the reader cannot return: the message names the
// column with the header known at the time it is returned.
type csvStop struct {
	kind int // stopNone, stopUnclosed, stopUTF8
	col  int
	row  int // local
}

const (
	stopNone = iota
	stopUnclosed
	stopUTF8
)

// parse reads the block's records, checks them and, with shape, makes the
// rows, stopping at the first record in error.
func (b *csvBlock) parse(comma byte) {
	bad := -1
	if b.utf8 && !utf8.Valid(b.data) {
		bad = firstInvalid(b.data)
	}
	p := recParser{s: b.data, comma: comma}
	// One look for a NUL in the block spares looking in every cell.
	nul := bytes.IndexByte(b.data, 0) >= 0
	if b.shape {
		b.rows = make([]Row, 0, bytes.Count(b.data, []byte{'\n'})+1)
	}
	for {
		fields, start, end, ok := p.record()
		if !ok {
			break
		}
		row := start - b.fold
		b.fold += end - start
		last := len(fields) - 1
		if b.final && b.unclosed && p.pos == len(b.data) {
			b.stop = csvStop{kind: stopUnclosed, col: last, row: row}
			break
		}
		if bad >= 0 && bad < p.pos {
			col := -1
			for i, c := range fields {
				if !utf8.ValidString(c) {
					col = i
					break
				}
			}
			b.stop = csvStop{kind: stopUTF8, col: col, row: row}
			break
		}
		b.next, b.any = end+1-b.fold, true
		if !b.shape {
			b.recs = append(b.recs, csvRec{fields, row})
			continue
		}
		r, ok, err := b.t.shape(fields, row, nil, nul)
		if err != nil {
			b.err = err
			break
		}
		if ok {
			b.rows = append(b.rows, r)
		}
	}
	b.nl = p.nl
}

// recParser reads records from a block the way encoding/csv's readRecord
// does with LazyQuotes (no comments, no trimming), lines counted from 0.
// Each record's fields share one string, as csv's do.
type recParser struct {
	s       []byte
	pos     int
	comma   byte
	numLine int // lines read
	nl      int // line breaks read
	buf     []byte
	ends    []int
	lines   []int
}

// readLine is csv's readLine on the block: the next line with its line
// break, \r\n made \n in place, a final \r dropped; false at the end.
func (p *recParser) readLine() ([]byte, bool) {
	if p.pos >= len(p.s) {
		return nil, false
	}
	rest := p.s[p.pos:]
	line := rest
	if e := bytes.IndexByte(rest, '\n'); e >= 0 {
		line = rest[:e+1]
		p.nl++
	}
	p.pos += len(line)
	n := len(line)
	if line[n-1] == '\r' { // only at the end, with no line break after
		line = line[:n-1]
	}
	p.numLine++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, true
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// record returns the next record's fields, the line it starts on and the
// line it ends on as the one-record path counts them (the last field's
// line plus the line breaks in it); false at the end of the block.
func (p *recParser) record() (fields []string, start, end int, ok bool) {
	var line []byte
	for {
		if line, ok = p.readLine(); !ok {
			return nil, 0, 0, false
		}
		if len(line) != lengthNL(line) {
			break // csv skips empty lines
		}
	}
	start = p.numLine - 1
	if bytes.IndexByte(line, '"') < 0 {
		// No quote: the fields are the line cut at each delimiter.
		content := line[:len(line)-lengthNL(line)]
		p.ends = p.ends[:0]
		for at := 0; ; {
			i := bytes.IndexByte(content[at:], p.comma)
			if i < 0 {
				break
			}
			at += i
			p.ends = append(p.ends, at)
			at++
		}
		str := string(content)
		fields = make([]string, len(p.ends)+1)
		from := 0
		for k, to := range p.ends {
			fields[k], from = str[from:to], to+1
		}
		fields[len(p.ends)] = str[from:]
		return fields, start, start, true
	}
	p.buf, p.ends, p.lines = p.buf[:0], p.ends[:0], p.lines[:0]
	lineNum := start
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, p.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			p.buf = append(p.buf, field...)
			p.ends, p.lines = append(p.ends, len(p.buf)), append(p.lines, lineNum)
			if i >= 0 {
				line = line[i+1:]
				continue parseField
			}
			break parseField
		}
		fieldLine := lineNum
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				p.buf = append(p.buf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					p.buf = append(p.buf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == p.comma: // ", ends the field
					line = line[1:]
					p.ends, p.lines = append(p.ends, len(p.buf)), append(p.lines, fieldLine)
					continue parseField
				case lengthNL(line) == len(line): // "\n ends the record
					p.ends, p.lines = append(p.ends, len(p.buf)), append(p.lines, fieldLine)
					break parseField
				default: // a bare quote, kept (LazyQuotes)
					p.buf = append(p.buf, '"')
				}
			case len(line) > 0: // the field goes on on the next line
				p.buf = append(p.buf, line...)
				line, _ = p.readLine()
				if len(line) > 0 {
					lineNum++
				}
			default: // the end of the text inside the quotes
				p.ends, p.lines = append(p.ends, len(p.buf)), append(p.lines, fieldLine)
				break parseField
			}
		}
	}
	str := string(p.buf)
	fields = make([]string, len(p.ends))
	from := 0
	for i, to := range p.ends {
		fields[i], from = str[from:to], to
	}
	last := len(fields) - 1
	return fields, start, p.lines[last] + strings.Count(fields[last], "\n"), true
}

// csvCutter cuts the scanned text into blocks of whole records.
type csvCutter struct {
	q *quoteScan
	// free holds the buffers of parsed blocks for reuse (their rows
	// hold copies): a file's worth of fresh buffers would cost as much
	// collecting as the rows do.
	free  chan []byte
	carry []byte // the bytes after the last cut
	limit int    // the bytes a record may take before it is too long
	utf8  bool
	ended bool
}

// next is the next block, nil after the last.
func (c *csvCutter) next() *csvBlock {
	if c.ended {
		return nil
	}
	var buf []byte
	select {
	case buf = <-c.free:
	default:
	}
	if len(buf) < 2*len(c.carry) || len(buf) < blockSize {
		buf = make([]byte, max(blockSize, 2*len(c.carry)))
	}
	n := copy(buf, c.carry)
	cut := 0 // the end of the last whole record in buf
	b := &csvBlock{utf8: c.utf8}
	// room is the least free space a read is worth (readInto needs 2).
	room := max(2, min(4<<10, blockSize/4))
	for {
		if len(buf)-n < room {
			if cut > 0 {
				break
			}
			grown := make([]byte, 2*len(buf))
			copy(grown, buf[:n])
			buf = grown
		}
		m, err := c.q.readInto(buf[n:])
		if c.q.lastNL >= 0 {
			cut = n + c.q.lastNL
		}
		n += m
		if err != nil {
			c.ended = true
			if err == io.EOF {
				b.final, b.unclosed, cut = true, c.q.unclosed, n
			} else {
				b.readErr = err
			}
			break
		}
		if n-cut > c.limit {
			c.ended = true
			b.tooLong, b.inQuotes = true, c.q.inQuotes()
			break
		}
	}
	c.carry = append(c.carry[:0], buf[cut:n]...)
	b.data, b.buf = buf[:cut:cut], buf
	return b
}

// blocks is the parallel half: the cutter and the parsers on goroutines of
// their own, the blocks handed out in order.
type blocks struct {
	order chan *csvBlock
	quit  chan struct{}
	wg    sync.WaitGroup
}

func startBlocks(c *csvCutter, t *table, comma byte, workers int) *blocks {
	bs := &blocks{order: make(chan *csvBlock, workers+2), quit: make(chan struct{})}
	c.free = make(chan []byte, 2*workers+4)
	jobs := make(chan *csvBlock, workers)
	bs.wg.Add(1 + workers)
	go func() {
		defer bs.wg.Done()
		defer close(jobs)
		defer close(bs.order)
		for {
			b := c.next()
			if b == nil {
				return
			}
			b.t, b.shape, b.done = t, true, make(chan struct{})
			select {
			case bs.order <- b:
			case <-bs.quit:
				return
			}
			select {
			case jobs <- b:
			case <-bs.quit:
				return
			}
		}
	}()
	for range workers {
		go func() {
			defer bs.wg.Done()
			for b := range jobs {
				b.parse(comma)
				if len(b.buf) == blockSize {
					select {
					case c.free <- b.buf:
					default:
					}
				}
				b.data, b.buf = nil, nil
				close(b.done)
			}
		}()
	}
	return bs
}

// stopAll ends the goroutines and waits for them.
func (bs *blocks) stopAll() {
	close(bs.quit)
	bs.wg.Wait()
}

// blockRecord is src for the block path, used until the header is known:
// the next raw record, parsed on this goroutine.
func (r *csvReader) blockRecord() ([]string, int, error) {
	for {
		if b := r.cur; b != nil {
			if r.ci < len(b.recs) {
				rec := b.recs[r.ci]
				r.ci++
				return rec.cells, rec.row + r.offset, nil
			}
			if err := r.endBlock(); err != nil {
				return nil, 0, err
			}
		}
		b := r.cut.next()
		if b == nil {
			return nil, 0, io.EOF
		}
		b.t = &r.t
		b.parse(byte(r.comma))
		r.cur, r.ci = b, 0
	}
}

// blockRow is the stream's rows once the header is known, one at a time
// from blockRows.
func (r *csvReader) blockRow() (Row, error) {
	if len(r.ready) == 0 {
		rows, err := r.blockRows()
		if err != nil {
			return Row{}, err
		}
		r.ready = rows
	}
	row := r.ready[0]
	r.ready = r.ready[1:]
	return row, nil
}

// ReadRows returns the next rows in file order, at least one (a block's
// worth), which the caller owns, or the error Read would return: the rows
// Read would give, without a call and a copy per row.
func (r *csvReader) ReadRows() ([]Row, error) {
	s := &r.stream
	if len(s.pending) > 0 {
		rows := s.pending
		s.pending = nil
		return rows, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.rows == nil || len(r.ready) > 0 { // record by record, or after Read
		row, err := s.Read()
		if err != nil {
			return nil, err
		}
		return []Row{row}, nil
	}
	rows, err := r.blockRows()
	if err != nil {
		s.err = err
	}
	return rows, err
}

// blockRows is the rows once the header is known: what is left of the
// block the header came from, shaped here, then the parsed blocks'; never
// rows and an error at once (the error comes on the next call).
func (r *csvReader) blockRows() ([]Row, error) {
	for {
		b := r.cur
		if b != nil && !b.shape {
			var rows []Row
			for r.ci < len(b.recs) {
				rec := b.recs[r.ci]
				row, ok, err := r.t.row(rec.cells, rec.row+r.offset, nil)
				if err != nil {
					if len(rows) > 0 {
						return rows, nil
					}
					return nil, err
				}
				r.ci++
				if ok {
					rows = append(rows, row)
				}
			}
			if len(rows) > 0 {
				return rows, nil
			}
		} else if b != nil && r.ci < len(b.rows) {
			rows := b.rows[r.ci:]
			r.ci = len(b.rows)
			for i := range rows {
				rows[i].Line += r.offset
			}
			return rows, nil
		}
		if b != nil {
			if b.err != nil {
				if e := (*Error)(nil); errors.As(b.err, &e) {
					e.Line += r.offset
				}
				return nil, b.err
			}
			if err := r.endBlock(); err != nil {
				return nil, err
			}
		}
		if r.par == nil {
			r.par = startBlocks(r.cut, &r.t, byte(r.comma), r.workers)
		}
		b, ok := <-r.par.order
		if !ok {
			return nil, io.EOF
		}
		<-b.done
		r.cur, r.ci = b, 0
	}
}

// endBlock moves the offsets past the current block, whose records have
// all been returned, or returns the error it ends in.
func (r *csvReader) endBlock() error {
	b := r.cur
	row := func(local int) int { return local + r.offset }
	switch b.stop.kind {
	case stopUnclosed:
		return r.t.fail(row(b.stop.row), fmt.Errorf("unbalanced quote: the quoted cell in column %s opens in this row and is never closed; close it or double the quotes inside it", r.columnName(b.stop.col)))
	case stopUTF8:
		where := ""
		if b.stop.col >= 0 {
			where = " in column " + r.columnName(b.stop.col)
		}
		return r.t.fail(row(b.stop.row), utf8Problem(where))
	}
	if b.any {
		r.nextRow = row(b.next)
	}
	r.offset += b.nl - b.fold
	r.cur, r.ci = nil, 0
	switch {
	case b.tooLong:
		return r.tooLong(r.nextRow, b.inQuotes)
	case b.readErr != nil:
		return r.t.fail(r.nextRow, b.readErr)
	}
	return nil
}

// tooLong is the error for a record that runs past the limit, starting
// at row.
func (r *csvReader) tooLong(row int, inQuotes bool) error {
	if inQuotes {
		return r.t.fail(row, kindf(ErrLimit,
			"unbalanced quote: a quoted cell that opens in this row runs past the %d-byte row limit without closing; close it or double the quotes inside it",
			r.t.opt.MaxRowBytes))
	}
	return r.t.fail(row, kindf(ErrLimit,
		"row is over the %d-byte limit for a row; if no row is that long, look for an unbalanced quote starting here",
		r.t.opt.MaxRowBytes))
}

// utf8Problem is the invalid UTF-8 error; where names the cell.
func utf8Problem(where string) error {
	return fmt.Errorf("invalid UTF-8%s (the file's first part is UTF-8): save it as UTF-8 again, or set the encoding it was saved in with --encoding (one of %s)", where, Encodings)
}
