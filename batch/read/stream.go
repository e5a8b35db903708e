package read

import "io"

// stream is the Reader plumbing both formats share: it finds the header,
// reads the first data row ahead (so Open can fail on a file without one),
// skips blank rows and keeps the first error.
type stream struct {
	t table
	// src returns the next raw row and its line, io.EOF at the end, or a
	// *Error.
	src   func() (cells []string, line int, err error)
	first *Row
	err   error
}

// start reads the header and the first data row; empty and noRows are the
// errors for a file without them.
func (s *stream) start(empty, noRows error) error {
	for s.t.header == nil {
		cells, line, err := s.src()
		if err == io.EOF {
			return s.t.fail(0, empty)
		}
		if err != nil {
			return err
		}
		if err := s.t.setHeader(cells, line); err != nil {
			return err
		}
	}
	row, err := s.next()
	if err == io.EOF {
		return s.t.fail(0, noRows)
	}
	if err != nil {
		return err
	}
	s.first = &row
	return nil
}

// Header returns the column names, trimmed, with "Column N" for blanks.
func (s *stream) Header() []string { return append([]string(nil), s.t.header...) }

// Read returns the next data row; blank rows are skipped.
func (s *stream) Read() (Row, error) {
	if s.first != nil {
		row := *s.first
		s.first = nil
		return row, nil
	}
	if s.err != nil {
		return Row{}, s.err
	}
	row, err := s.next()
	if err != nil {
		s.err = err
	}
	return row, err
}

func (s *stream) next() (Row, error) {
	for {
		cells, line, err := s.src()
		if err != nil {
			return Row{}, err
		}
		row, ok, err := s.t.row(cells, line)
		if err != nil || ok {
			return row, err
		}
	}
}
