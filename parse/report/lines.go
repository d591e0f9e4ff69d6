package report

import (
	"bytes"

	"github.com/ksymoops-go/ksymoops-go/parse"
)

// Most of a log is no part of any report. Between reports the extractor
// only counts lines and waits for a header, and a header holds one of the
// header words: a caller that has many lines at hand can hand them over
// together, and the extractor looks for header words over all of them in
// one pass, with no work per line, and reads line by line only from a
// line that holds a header word on, while a report is open.

// Lines reads text as LineNamed would read its lines one by one (with no
// names): text is whole lines back to back, each with its terminator as a
// parse.LineReader cuts it ("\r\n" when the byte before the "\n" is a
// "\r", else "\n"), except perhaps the last, which then has none; off is
// where text starts in the input. It returns the reports the lines
// completed, in the order they started. The slice is reused by the next
// call.
func (x *Extractor) Lines(text []byte, off int64) []*Report {
	x.many = x.many[:0]
	for len(text) > 0 {
		if len(x.active) == 0 {
			n := x.skim(text)
			text, off = text[n:], off+int64(n)
			if len(text) == 0 {
				break
			}
		}
		l := parse.Line{Text: text, Offset: off, Whole: true}
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			eol := i
			if i > 0 && text[i-1] == '\r' {
				eol--
			}
			l.Text, l.EOL = text[:eol:eol], text[eol:i+1:i+1]
		}
		n := len(l.Text) + len(l.EOL)
		text, off = text[n:], off+int64(n)
		x.many = append(x.many, x.LineNamed(l, nil)...)
	}
	x.out = x.out[:0]
	return x.many
}

// skim passes over the lines at the start of text that can open no report
// while none is being read: those before the first line that holds a
// header word. It returns how many bytes they take, whole terminated
// lines, and counts them as read.
func (x *Extractor) skim(text []byte) int {
	if !x.index.always.empty() {
		return 0 // some header can be on any line
	}
	n := len(text)
	if at := x.index.firstWord(text); at >= 0 {
		n = bytes.LastIndexByte(text[:at], '\n') + 1
	} else if text[n-1] != '\n' {
		// The last line has no terminator: LineNamed reads it, so
		// that it counts as a line begun and not ended.
		n = bytes.LastIndexByte(text, '\n') + 1
	}
	if n == 0 {
		return 0
	}
	// Each line read starts a new line number, but the first when it
	// ends a line that an earlier piece began.
	k := bytes.Count(text[:n], []byte{'\n'})
	if x.midLine {
		k--
	}
	x.line += k
	x.midLine = false
	x.inReport = false
	return n
}
