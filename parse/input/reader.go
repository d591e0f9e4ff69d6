package input

import (
	"bufio"
	"io"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// Stats counts what a Reader decoded.
type Stats struct {
	// Records counts the kmsg records, journal entries or pstore parts.
	Records int64
	// Lost counts kmsg records missing between those read: the sequence
	// numbers jumped because the kernel overwrote them before they were
	// read.
	Lost int64
	// Omitted counts journal entries without a MESSAGE value: journalctl
	// prints null for a value longer than 4096 bytes unless given --all.
	Omitted int64
	// Other counts the lines that were not of the format, passed through
	// unchanged.
	Other int64
}

// A decoder turns the next record of its source into text lines, appended
// to dst. It returns io.EOF at the end of the source.
type decoder interface {
	next(dst []byte) ([]byte, error)
}

// A Reader reads a kernel log source and returns plain kernel text, lines
// of the form the kernel's console and dmesg print.
type Reader struct {
	src     io.Reader // plain text is read from it as it is
	format  Format
	dec     decoder
	pending []byte // decoded text not yet read
	buf     []byte
	err     error
	stats   Stats
}

// NewReader returns a Reader of r in format f. With Auto, the format is
// detected from the first line of r (Detect), so NewReader waits until the
// first line has arrived.
func NewReader(r io.Reader, f Format) *Reader {
	if f == Text {
		// Passed through: no buffer of its own (its reader has one).
		return &Reader{src: r, format: f}
	}
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < maxSniff {
		br = bufio.NewReaderSize(r, maxSniff)
	}
	if f == Auto {
		f = Detect(Sniff(br))
	}
	rd := &Reader{src: br, format: f}
	switch f {
	case Kmsg:
		rd.dec = &kmsgDecoder{lr: parse.NewLineReader(br, parse.DefaultMaxLine), stats: &rd.stats}
	case JournalJSON:
		rd.dec = &journalDecoder{lr: parse.NewLineReader(br, parse.DefaultMaxLine), stats: &rd.stats}
	case Pstore:
		rd.dec = &pstoreDecoder{src: br, stats: &rd.stats}
	}
	return rd
}

// Format returns the format being decoded: the detected one for Auto.
func (r *Reader) Format() Format { return r.format }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// Read reads decoded text. It decodes a record at a time and returns what
// it has as soon as it has some, so that a live source is passed on as it
// arrives.
func (r *Reader) Read(p []byte) (int, error) {
	if r.dec == nil {
		return r.src.Read(p) // text: passed through as it is
	}
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.buf, r.err = r.dec.next(r.buf[:0])
		r.pending = r.buf
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}
