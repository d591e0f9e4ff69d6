package parse

import (
	"bufio"
	"errors"
	"io"
)

// DefaultMaxLine is the longest line a LineReader hands out whole. Longer
// lines (a console that lost its newlines, binary junk) are passed on in
// pieces, unparsed, so memory stays bounded whatever the input.
const DefaultMaxLine = 4 << 20

// A LineReader splits a stream into lines without losing a byte: every
// line comes with its terminator ("\n", "\r\n", or nothing at the end of
// the input), so writing line+EOL back gives the input exactly.
type LineReader struct {
	r      *bufio.Reader
	buf    []byte // the line being handed out
	own    []byte // the buffer lines longer than the reader's buffer are put together in
	max    int
	inLong bool  // inside a line longer than max
	offset int64 // stream offset of the next line
}

// NewLineReader returns a LineReader over r that hands out lines of up to
// maxLine bytes whole (DefaultMaxLine when maxLine <= 0).
func NewLineReader(r io.Reader, maxLine int) *LineReader {
	return NewLineReaderSize(r, maxLine, 0)
}

// readBuffer is how much a LineReader reads at a time.
const readBuffer = 64 << 10

// NewLineReaderSize is NewLineReader for an input of size bytes, when
// known (size > 0): its read buffer is no larger than the input needs.
// Fresh memory costs a short run more than reading: a one-oops log of 30
// KB needs no 64 KB buffer.
func NewLineReaderSize(r io.Reader, maxLine int, size int64) *LineReader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	n := readBuffer
	if size > 0 && size < readBuffer {
		// One byte more, so that the first read meets the end.
		n = max(int(size)+1, 4<<10)
	}
	return &LineReader{r: bufio.NewReaderSize(r, n), max: maxLine}
}

// A Line is one line of input.
type Line struct {
	Text   []byte // the line without its terminator; reused by the next call
	EOL    []byte // "\n", "\r\n", or empty at the end of the input
	Offset int64  // offset of Text in the stream
	// Whole is false for the pieces of a line longer than the reader's
	// limit: such pieces are to be passed through, not parsed.
	Whole bool
}

// Raw returns the line as it came, its text and its terminator, when they
// lie side by side (as a LineReader hands them out): written as it is, a
// line needs no copy of its own.
func (l Line) Raw() ([]byte, bool) {
	n := len(l.Text)
	if len(l.EOL) == 0 {
		return l.Text, true
	}
	if cap(l.Text) < n+len(l.EOL) || &l.Text[:n+1][n] != &l.EOL[0] {
		return nil, false
	}
	return l.Text[:n+len(l.EOL)], true
}

// Buffered returns the number of input bytes read ahead and not yet handed
// out. When it is zero, the next call may block: a good moment to flush.
func (lr *LineReader) Buffered() int { return lr.r.Buffered() }

// Next returns the next line. At the end of the input it returns io.EOF
// (with no line); other read errors are returned as they come.
func (lr *LineReader) Next() (Line, error) {
	lr.buf = lr.buf[:0]
	for first := true; ; first = false {
		chunk, err := lr.r.ReadSlice('\n')
		if first && err == nil {
			// The whole line is in the reader's buffer: hand it out
			// from there, valid until the next call as promised.
			lr.buf = chunk
			return lr.cut(true), nil
		}
		if first {
			lr.buf = lr.own[:0]
		}
		lr.buf = append(lr.buf, chunk...)
		lr.own = lr.buf
		switch {
		case err == nil:
			return lr.cut(true), nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(lr.buf) >= lr.max {
				l := Line{Text: lr.buf, Offset: lr.offset, Whole: false}
				lr.offset += int64(len(lr.buf))
				lr.inLong = true
				return l, nil
			}
		case err == io.EOF:
			if len(lr.buf) == 0 {
				return Line{}, io.EOF
			}
			return lr.cut(false), nil
		default:
			if len(lr.buf) > 0 {
				// Hand out what was read; the error comes back next call.
				return lr.cut(false), nil
			}
			return Line{}, err
		}
	}
}

// cut splits the buffered line from its terminator.
func (lr *LineReader) cut(terminated bool) Line {
	text, eol := lr.buf, []byte(nil)
	if terminated {
		n := len(text) - 1
		if n > 0 && text[n-1] == '\r' {
			n--
		}
		text, eol = lr.buf[:n], lr.buf[n:]
	}
	l := Line{Text: text, EOL: eol, Offset: lr.offset, Whole: !lr.inLong}
	lr.offset += int64(len(lr.buf))
	if terminated {
		lr.inLong = false
	}
	return l
}
