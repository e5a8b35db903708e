package read

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// sstMem holds a shared-strings part in memory as one buffer and the
// strings' end offsets: a part up to sstMemMax costs about its size.
type sstMem struct {
	buf  []byte
	ends []uint32
}

// sstMemMax is the largest shared-strings part held in memory; above it
// the temp-file store (sstStore) keeps them.
const sstMemMax = 64 << 20

func (m *sstMem) get(i int) (string, bool, error) {
	if i < 0 || i >= len(m.ends) {
		return "", false, nil
	}
	start := uint32(0)
	if i > 0 {
		start = m.ends[i-1]
	}
	return string(m.buf[start:m.ends[i]]), true, nil
}

// readSSTMem reads a shared-strings part into memory, each string as
// xlsxSI.String gives it. check runs the well-formedness check on the same
// bytes, on a goroutine of its own, and the checksum is checked at the
// part's end: damage is the error verifyZip would have given.
func readSSTMem(zf *zip.File, check bool) (*sstMem, error) {
	m := &sstMem{buf: make([]byte, 0, min(zf.UncompressedSize64/2+1024, sstMemMax))}
	err := scanSST(zf, check, func(b []byte) error {
		m.buf = append(m.buf, b...)
		if len(m.buf) > 1<<32-1 {
			return fmt.Errorf("shared strings over 4 GiB")
		}
		m.ends = append(m.ends, uint32(len(m.buf)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// scanSST reads a shared-strings part in UTF-8 and gives each string to
// emit, as xlsxSI.String gives it. check runs the well-formedness check on
// the same bytes, on a goroutine of its own, and the checksum is checked at
// the part's end: damage is the error verifyZip would have given.
func scanSST(zf *zip.File, check bool, emit func([]byte) error) error {
	rc, err := zf.Open()
	if err != nil {
		return ErrCorruptXLSX
	}
	defer rc.Close()
	var src io.Reader = rc
	var pw *io.PipeWriter
	found := make(chan *xmlDamage, 1)
	if check {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		src = io.TeeReader(rc, pw)
		go func() {
			d, _, _ := checkXMLPartMerges(zf.Name, pr)
			_, _ = io.Copy(io.Discard, pr)
			found <- d
		}()
	}
	x := xscan{br: bufio.NewReaderSize(src, 64<<10)}
	var str, scratch []byte
	var emitErr error
	for emitErr == nil && x.skipText() {
		k, name, _ := x.markup()
		if string(name) != "si" {
			continue
		}
		switch k {
		case mkStart:
			if q, ok := x.quickItem(str[:0]); ok {
				str = q
			} else {
				str = x.stringItem(str[:0], &scratch)
			}
		case mkSelf:
			str = str[:0]
		default:
			continue
		}
		emitErr = emit(str)
	}
	readErr := x.err
	if readErr == io.EOF {
		readErr = nil
	}
	if check {
		if readErr == nil && emitErr == nil {
			_, readErr = io.Copy(io.Discard, src)
		}
		_ = pw.Close()
		if d := <-found; d != nil {
			return partDamage(d)
		}
	}
	if emitErr != nil {
		return emitErr
	}
	if readErr != nil {
		return ErrCorruptXLSX
	}
	return nil
}

// quickPeek is how far the quick paths look ahead for a whole cell or
// string; a longer one takes the general path.
const quickPeek = 1024

// quickItem reads the shape nearly every shared string has, when it is
// whole in the buffer after its <si>: <t>text</t></si> (or <t
// xml:space="preserve">), the text without markup. ok is false, nothing
// read, for anything else.
func (x *xscan) quickItem(out []byte) ([]byte, bool) {
	buf, _ := x.br.Peek(quickPeek) // fewer at the part's end
	var start int
	switch {
	case bytes.HasPrefix(buf, []byte("<t>")):
		start = len("<t>")
	case bytes.HasPrefix(buf, []byte(`<t xml:space="preserve">`)):
		start = len(`<t xml:space="preserve">`)
	default:
		return out, false
	}
	end := bytes.IndexByte(buf[start:], '<')
	if end < 0 || !bytes.HasPrefix(buf[start+end:], []byte("</t></si>")) {
		return out, false
	}
	out = decodeText(append(out, buf[start:start+end]...), 0)
	if bytes.Contains(out, []byte("_x")) {
		out = append(out[:0], bstrDecode(out)...)
	}
	_, _ = x.br.Discard(start + end + len("</t></si>"))
	return out, true
}

// checkSSTPart checks the workbook's shared-strings part as verifyZip
// does, for a read that left it to be checked as loaded and then did not
// load it.
func checkSSTPart(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return ErrCorruptXLSX
	}
	defer zr.Close()
	part := sstPart(&zr.Reader)
	if part == nil {
		return nil
	}
	rc, err := part.Open()
	if err != nil {
		return ErrCorruptXLSX
	}
	defer rc.Close()
	d, _, err := checkXMLPartMerges(part.Name, rc)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
	}
	if err != nil {
		return ErrCorruptXLSX
	}
	if d != nil {
		return partDamage(d)
	}
	return nil
}
