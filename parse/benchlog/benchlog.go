// Package benchlog makes the log that `make bench` annotates and the
// benchmarks of the parsers, the report extractor and the annotator read:
// the plain lines of a real console log repeated, with one of its report
// lines in every hundred. One recipe, so that their figures are of the
// same text.
package benchlog

import (
	"bytes"
	"errors"
)

// A Maker hands out the log's lines in order, without end.
type Maker struct {
	plain, report [][]byte
	i             int
}

// New returns a Maker over the lines of console, a console log with at
// least one report (from a "cut here", "BUG:" or "Oops" line to its "end
// trace" line) and lines outside it.
func New(console []byte) (*Maker, error) {
	m := &Maker{}
	in := false
	for _, l := range bytes.SplitAfter(console, []byte("\n")) {
		switch {
		case bytes.Contains(l, []byte("cut here")) || bytes.Contains(l, []byte("BUG:")) || bytes.Contains(l, []byte("Oops")):
			in = true
		case bytes.Contains(l, []byte("end trace")):
			in = false
		}
		if in {
			m.report = append(m.report, l)
		} else if len(l) > 1 {
			m.plain = append(m.plain, l)
		}
	}
	if len(m.plain) == 0 || len(m.report) == 0 {
		return nil, errors.New("benchlog: the console log has no report, or no lines outside it")
	}
	return m, nil
}

// Next returns the next line, with its terminator. It is the Maker's:
// not to be written to.
func (m *Maker) Next() []byte {
	i := m.i
	m.i++
	if i%100 == 99 {
		return m.report[(i/100)%len(m.report)]
	}
	return m.plain[i%len(m.plain)]
}

// Make returns the log's first whole lines, size bytes or a line more.
func Make(console []byte, size int) ([]byte, error) {
	m, err := New(console)
	if err != nil {
		return nil, err
	}
	log := make([]byte, 0, size+4096)
	for len(log) < size {
		log = append(log, m.Next()...)
	}
	return log, nil
}
